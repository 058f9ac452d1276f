"""User text in Markdown places shows as written."""

from __future__ import annotations

import re

from dashboard.components.text import plain


def test_every_markdown_character_is_escaped() -> None:
    name = "**Bold** _x_ [link](http://e.org) $x^2$ # <b>hi</b> `code` 1. a|b ~~s~~"
    escaped = plain(name)
    # removing the escapes gives the original back, and no special character is left bare
    assert re.sub(r"\\(.)", r"\1", escaped) == name
    assert re.search(r"(?<!\\)[*_\[\]()$#<>`|~]", escaped) is None


def test_plain_text_stays_readable() -> None:
    assert plain("Zoë Ólafsdóttir") == "Zoë Ólafsdóttir"
