"""User-written text inside Markdown-rendered places (titles, labels, alerts), shown as written.

Streamlit renders titles, expander labels, captions and alert bodies as Markdown; a client's
name or a goal in their words must never turn into formatting, a link or a formula there.
"""

from __future__ import annotations

import re

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$])")
#: Streamlit's Markdown turns web and e-mail addresses into links AFTER escapes are read
#: (GFM "autolink literals"), so escaping cannot stop it. A WORD JOINER (U+2060: invisible,
#: no width, no line break) inside "://", after "www" and after "@" breaks the pattern while the
#: text reads exactly as written.
JOINER = "\u2060"
_AUTOLINK = re.compile(r"(:)(//)|(?i:(www))(\.)|(@)")


def _break_autolink(match: re.Match[str]) -> str:
    head = match.group(1) or match.group(3) or match.group(5)
    tail = match.group(2) or match.group(4) or ""
    return f"{head}{JOINER}{tail}"


def plain(text: str) -> str:
    """Every Markdown character escaped and every address kept from becoming a link, so the
    text shows exactly as written."""
    return _MARKDOWN.sub(r"\\\1", _AUTOLINK.sub(_break_autolink, text))
