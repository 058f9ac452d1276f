"""User-written text inside Markdown-rendered places (titles, labels, alerts), shown as written.

Streamlit renders titles, expander labels, captions and alert bodies as Markdown; a client's
name or a goal in their words must never turn into formatting, a link or a formula there.
"""

from __future__ import annotations

import re

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$])")


def plain(text: str) -> str:
    """Every Markdown character escaped, so the text shows exactly as written."""
    return _MARKDOWN.sub(r"\\\1", text)
