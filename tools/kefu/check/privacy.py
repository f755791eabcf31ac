"""Personal data in records: full resident ID numbers and licence plates.

Shift logs pass from hand to hand; an owner's full ID number or plate must
not be in them (seed 000).  Detection is deliberately narrow so that what
staff legitimately write does not trip it: an 18-digit string counts only
with a real birth date and a valid ISO 7064 MOD 11-2 check digit (CRM ticket
numbers rarely pass both), a 15-digit one only with a real birth date; phone
numbers (11 digits), landlines and masked values (``138****5678``,
``粤B***45``) never match, and neither do room numbers like ``6-2-1501``.
Numbers typed in groups or lower case (``440306 19900101 1236``, ``粤b 123 45``)
are found too.
Every output goes through :func:`mask`, so a report never repeats the data.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"

# 18 characters, or 15 digits (the legacy number: YYMMDD birth date, no check digit).  Staff also
# write them in groups (440306 19900101 1236, 440306-19900101-1236, 4403 0619 9001 0112 36): a
# single space or hyphen may stand between any two characters of an 18-character number (its
# check digit keeps joined phone numbers out), and between the 6-6-3 groups of a 15-digit one.
_SEP = r"[ \-]?"
_ID18 = rf"[1-9](?:{_SEP}\d){{16}}{_SEP}[0-9Xx]"
_ID15 = rf"[1-9]\d{{2}}{_SEP}\d{{3}}{_SEP}\d{{6}}{_SEP}\d{{3}}"
_ID = re.compile(rf"(?<![0-9A-Za-z])({_ID18}|{_ID15})(?![0-9A-Za-z])")
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_LETTER = "A-HJ-NP-Za-hj-np-z"  # plates use no I or O; staff type them in lower case too


def _spaced(*atoms: str) -> str:
    """Atoms with an optional space between them: 粤b 123 45 is 粤B12345 typed loosely."""
    return " ?".join(atoms)


_AN = f"[{_LETTER}0-9]"
_DIGIT = r"\d"
# 7 characters (粤B12345, last may be 挂/学/警) or 8 for new-energy plates (粤BD12345, 粤B12345D).
_TAIL = "|".join((
    _spaced("[DFdf]", _AN, *[_DIGIT] * 4),
    _spaced(*[_DIGIT] * 5, "[DFdf]"),
    _spaced(*[_AN] * 4, f"[{_LETTER}0-9挂学警]"),
))
_PLATE = re.compile(rf"([{_PROVINCES}]) ?([{_LETTER}]) ?[·・•.\- ]? ?({_TAIL})(?![0-9A-Za-z])")


def compact(number: str) -> str:
    """The characters of an ID number or plate without the spaces, hyphens and dots staff put in."""
    return re.sub(r"[\s·・•.\-]", "", number)


def valid_id(number: str) -> bool:
    """A resident ID number: 18 characters with a real birth date and a valid check digit (ISO 7064
    MOD 11-2), or the 15-digit legacy form with a real birth date in the 1900s.
    """
    number = compact(number)
    if len(number) == 15 and number.isdigit():
        try:
            dt.date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
        except ValueError:
            return False
        return True
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
    """First four and last four characters: 1101**********002X (18) or 4403*******0123 (15)."""
    number = compact(number).upper()
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_plate(plate: str) -> str:
    """Province, letter and the last two characters: 粤B***45 (upper case, however it was typed)."""
    plate = compact(plate).upper()
    return plate[:2] + "*" * (len(plate) - 4) + plate[-2:]


def mask(text: str) -> str:
    """``text`` with every ID number and plate masked: used on every message kefu prints."""
    if not text:
        return text
    text = _ID.sub(lambda m: mask_id(m.group(1)) if valid_id(m.group(1)) else m.group(0), text)
    return _PLATE.sub(lambda m: mask_plate(m.group(0)) if _plate_ok(m) else m.group(0), text)
