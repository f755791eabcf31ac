"""Personal data in records: full resident ID numbers and licence plates.

Shift logs pass from hand to hand; an owner's full ID number or plate must
not be in them (seed 000).  Detection is deliberately narrow so that what
staff legitimately write does not trip it: an 18-digit string counts only
with a real birth date and a valid ISO 7064 MOD 11-2 check digit (CRM ticket
numbers rarely pass both), phone numbers and masked values (``138****5678``,
``粤B***45``) never match, and neither do room numbers like ``6-2-1501``.
Every output goes through :func:`mask`, so a report never repeats the data.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"

_ID = re.compile(r"(?<![0-9A-Za-z])([1-9]\d{16}[0-9Xx])(?![0-9A-Za-z])")
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# 7 characters (粤B12345, last may be 挂/学/警) or 8 for new-energy plates (粤BD12345, 粤B12345D).
_PLATE = re.compile(
    rf"([{_PROVINCES}])\s?([A-HJ-NP-Za-hj-np-z])\s?[·・•.\- ]?\s?"
    r"((?:[DFdf][A-HJ-NP-Za-hj-np-z0-9]\d{4})|(?:\d{5}[DFdf])|(?:[A-HJ-NP-Za-hj-np-z0-9]{4}[A-HJ-NP-Za-hj-np-z0-9挂学警]))"
    r"(?![0-9A-Za-z])")


def valid_id(number: str) -> bool:
    """An 18-character resident ID with a real birth date and a valid check digit."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if not 1900 <= born.year <= 2100:
        return False
    total = sum(int(c) * w for c, w in zip(number[:17], _WEIGHTS, strict=False))
    return _CHECK[total % 11] == number[17].upper()


def _plate_ok(match: re.Match[str]) -> bool:
    """A plate needs at least one digit: 京A ABCDE is more likely a word than a number."""
    return any(c.isdigit() for c in match.group(3))


#: one pass over a whole file finds both kinds (the checker scans every record's full text)
_EITHER = re.compile(f"(?P<id>{_ID.pattern})|(?P<plate>{_PLATE.pattern})")


def find(text: str) -> Iterator[tuple[str, str, int]]:
    """(kind, masked form, offset) of each unmasked ID number or plate in ``text``."""
    for m in _EITHER.finditer(text):
        if m.group("id") is not None:
            number = m.group("id")
            if valid_id(number):
                yield "id", mask_id(number), m.start("id")
        else:
            plate = m.group("plate")
            if any(c.isdigit() for c in plate[2:]):
                yield "plate", mask_plate(plate), m.start("plate")


def mask_id(number: str) -> str:
    return number[:4] + "*" * 10 + number[-4:]


def mask_plate(plate: str) -> str:
    compact = re.sub(r"[\s·・•.\-]", "", plate)
    return compact[:2] + "*" * (len(compact) - 4) + compact[-2:]


def mask(text: str) -> str:
    """``text`` with every ID number and plate masked: used on every message kefu prints."""
    if not text:
        return text
    text = _ID.sub(lambda m: mask_id(m.group(1)) if valid_id(m.group(1)) else m.group(0), text)
    return _PLATE.sub(lambda m: mask_plate(m.group(0)) if _plate_ok(m) else m.group(0), text)
