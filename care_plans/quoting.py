"""Quoting what someone else wrote inside our own messages: short, and never raw.

A message that echoes a cell of an imported file, a typed value or a header goes to a terminal
or a page. Raw, an escape sequence in the file could recolour or rewrite the terminal, a NUL
could cut the line, and a 4,000-digit "number" would fill the screen (or, converted to text,
stop Python: it refuses ints of more than 4,300 digits). So content is quoted with control and
other invisible characters escaped, cut to a readable length, and numbers too large to be
answers are named by their size.
"""

from __future__ import annotations

#: How many characters of someone's text a message quotes.
QUOTE_LIMIT = 40
#: Larger than any answer, date part or count the app accepts; bigger ones are not shown.
NUMBER_LIMIT = 10**9


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(text: str) -> str:
    """`text` with every control, format (bidi overrides, zero-width) or separator character
    escaped, so a message shows on one line exactly what is there."""
    return "".join(ch if ch.isprintable() or ch == " " else _escape(ch) for ch in text)


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """A short, escaped, quoted rendering of someone's value for a message."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        return number(value)
    text = value if isinstance(value, str) else type(value).__name__
    shown = text if len(text) <= limit else text[:limit]
    quoted = "'" + printable(shown).replace("'", "\\'") + "'"
    if len(text) > limit:
        quoted = quoted[:-1] + "…'" + f" ({len(text):,} characters)"
    return quoted


def number(value: int) -> str:
    """An int for a message; one too large to be any answer is described by its size."""
    if -NUMBER_LIMIT <= value <= NUMBER_LIMIT:
        return str(value)
    digits = value.bit_length() * 30103 // 100000 + 1  # about log10(2) digits per bit
    return f"a number of about {digits:,} digits"
