"""User text in Markdown places shows as written."""

from __future__ import annotations

import re

from dashboard.components.text import JOINER, plain


def test_every_markdown_character_is_escaped() -> None:
    name = "**Bold** _x_ [link](http://e.org) $x^2$ # <b>hi</b> `code` 1. a|b ~~s~~"
    escaped = plain(name)
    # removing the escapes gives the original back, and no special character is left bare
    assert re.sub(r"\\(.)", r"\1", escaped).replace(JOINER, "") == name
    assert re.search(r"(?<!\\)[*_\[\]()$#<>`|~]", escaped) is None


def test_plain_text_stays_readable() -> None:
    assert plain("Zoë Ólafsdóttir") == "Zoë Ólafsdóttir"


def test_addresses_never_become_links_yet_read_as_written() -> None:
    """GFM autolinks web and e-mail addresses after escapes: a joiner breaks each pattern."""
    for text in ("https://evil.example/a", "see www.evil.example", "WWW.X.ORG", "a@b.example"):
        shown = plain(text)
        assert re.sub(r"\\(.)", r"\1", shown).replace(JOINER, "") == text
        assert "://" not in shown and not re.search(r"(?i)www\\?\.", shown)
        assert not re.search(r"@[\w\\]", shown)
