"""National identifiers a client record may carry, as data: how each is written, checked and
exported (its FHIR identifier system).

Why: a mistyped NHS number sent to another system attaches this record to someone else. The
check digit catches almost every single-digit slip and transposition, so a number is stored
only once it passes, and it is stored normalised (digits only) so the same person's number is
always written the same way. Adding another national scheme is a data change here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class NationalIdentifier:
    kind: str
    label: str
    #: The FHIR Identifier.system of this scheme.
    system: str
    example: str
    #: The value normalised (e.g. spaces removed), or ValueError saying what is wrong.
    normalise: Callable[[str], str]


def nhs_number(raw: str) -> str:
    """A 10-digit NHS number with a valid modulus 11 check digit, as digits only.

    The first nine digits are weighted 10 down to 2; 11 minus the remainder of their sum
    divided by 11 is the check digit (11 counts as 0; 10 means the number cannot be valid).
    """
    digits = re.sub(r"[\s-]", "", raw)
    if not re.fullmatch(r"\d{10}", digits):
        raise ValueError("An NHS number has 10 digits (spaces are fine, e.g. 943 476 5919).")
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    if check == 10 or check != int(digits[9]):
        raise ValueError("This NHS number's check digit does not match: check each digit.")
    return digits


NATIONAL_IDENTIFIERS: dict[str, NationalIdentifier] = {
    scheme.kind: scheme
    for scheme in (
        NationalIdentifier(
            kind="nhs-number",
            label="NHS number",
            system="https://fhir.nhs.uk/Id/nhs-number",
            example="943 476 5919",
            normalise=nhs_number,
        ),
    )
}


def display(kind: str, value: str) -> str:
    """How the number is shown to people (NHS numbers in 3-3-4 groups)."""
    if kind == "nhs-number" and len(value) == 10:
        return f"{value[:3]} {value[3:6]} {value[6:]}"
    return value
