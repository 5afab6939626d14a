"""The spreadsheet formula guard every CSV the reader writes applies to its cells (OWASP "CSV injection")."""

from __future__ import annotations

from typing import Any

# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection"); the
# full-width forms are folded to ASCII by some spreadsheets. A leading apostrophe is guarded too, so the
# guard is reversible: import strips exactly one apostrophe from any cell that starts with one.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20'")


# Characters a spreadsheet may skip before it sees a formula lead (OWASP: guard a cell whose first
# non-blank character is one): spaces, no-break and other Unicode spaces, zero-width characters, the BOM.
FORMULA_BLANKS = (
    " \u00a0\u1680\u180e\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u200b\u200c\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"
)


def guard_formula(value: str) -> str:
    """Prefix a cell that a spreadsheet would run as a formula with an apostrophe (shown as text).

    The one guard for every cell of every CSV the reader writes; blanks before a formula lead count."""
    return "'" + value if value.lstrip(FORMULA_BLANKS)[:1] in FORMULA_TRIGGERS else value


def guard_row(values: list[Any]) -> list[Any]:
    """A CSV row with every text cell guarded (numbers are written as they are)."""
    return [guard_formula(value) if isinstance(value, str) else value for value in values]


def unguard_formula(value: str) -> str:
    """Undo guard_formula."""
    return value[1:] if value[:1] == "'" else value
