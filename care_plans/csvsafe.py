"""CSV cells a spreadsheet will not run: the one writer for every CSV the app hands out.

A cell beginning `=`, `+`, `-` or `@` (or a tab or carriage return, which some spreadsheets
skip before looking) is read as a formula by Excel, LibreOffice and Google Sheets; a client's
name like `=HYPERLINK(...)` would run when a clinician opens the export. Such cells get a
leading `'`, which spreadsheets show as text (OWASP "CSV injection"). Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(fieldnames: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """Rows as CSV text (header first), every text cell neutralised."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(fieldnames), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: safe_cell(v) for k, v in row.items()})
    return buf.getvalue()
