"""Record times and the mainland-China working calendar.

Shift logs are written by hand: a bare ``"02:10"`` means a moment inside the
shift's window, which for a night shift is the next calendar day.  This
module turns what people write into aware datetimes and counts working days
the way the seeds mean them (statutory holidays off, 调休 weekends on), so
that every rule compares the same instants.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kefu.model import Limit

_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_FULL = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?\s*$")


class TimeError(ValueError):
    """A time that cannot exist (``25:70``, ``2026-02-30``): the text says why, in zh and en."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


def zone(name: str) -> dt.tzinfo:
    """The project's time zone; an unknown name falls back to Asia/Shanghai (lint reports it)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Shanghai")


def parse_clock(text: str) -> dt.time | None:
    """``HH:MM`` as a time of day; None when the text is not of that shape."""
    m = _CLOCK.match(text)
    if not m:
        return None
    h, mi = int(m.group(1)), int(m.group(2))
    if h > 23 or mi > 59:
        raise TimeError(f"“{text.strip()}” 不是有效的时间（时 0-23，分 0-59）",
                        f"'{text.strip()}' is not a valid time (hours 0-23, minutes 0-59)")
    return dt.time(h, mi)


def parse_date(text: str) -> dt.date | None:
    """``YYYY-MM-DD``; None when not of that shape, :class:`TimeError` when impossible."""
    m = _DATE.match(text)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise TimeError(f"日期 “{text.strip()}” 不存在", f"the date '{text.strip()}' does not exist") from None


def parse_full(text: str, tz: dt.tzinfo) -> dt.datetime | None:
    """``YYYY-MM-DD HH:MM`` (or ISO 8601 with T, seconds and an offset) as an aware datetime."""
    m = _FULL.match(text)
    if not m:
        return None
    y, mo, d, h, mi = (int(m.group(i)) for i in range(1, 6))
    s = int(m.group(6) or 0)
    try:
        day = dt.date(y, mo, d)
    except ValueError:
        raise TimeError(f"日期 “{text.strip()[:10]}” 不存在",
                        f"the date '{text.strip()[:10]}' does not exist") from None
    if h > 23 or mi > 59 or s > 59:
        raise TimeError(f"“{text.strip()}” 中的时间无效（时 0-23，分 0-59）",
                        f"'{text.strip()}' has an invalid time (hours 0-23, minutes 0-59)")
    offset = m.group(7)
    if offset:
        if offset == "Z":
            tzinfo: dt.tzinfo = dt.UTC
        else:
            sign = -1 if offset[0] == "-" else 1
            digits = offset[1:].replace(":", "")
            tzinfo = dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        return dt.datetime(y, mo, d, h, mi, s, tzinfo=tzinfo).astimezone(tz)
    return dt.datetime.combine(day, dt.time(h, mi, s), tzinfo=tz)


@dataclass(frozen=True)
class Window:
    """A shift's window: bare ``HH:MM`` values are placed inside it (both ends included)."""

    start: dt.datetime
    end: dt.datetime

    @classmethod
    def of(cls, day: dt.date, start: dt.time, end: dt.time, tz: dt.tzinfo) -> Window:
        """``end`` not after ``start`` means the next day (a night shift, or a 24-hour shift)."""
        a = dt.datetime.combine(day, start, tzinfo=tz)
        b = dt.datetime.combine(day, end, tzinfo=tz)
        if b <= a:
            b += dt.timedelta(days=1)
        return cls(a, b)

    def place(self, clock: dt.time) -> dt.datetime | None:
        """The instant inside the window with this time of day; None when it is outside."""
        first = dt.datetime.combine(self.start.date(), clock, tzinfo=self.start.tzinfo)
        for candidate in (first, first + dt.timedelta(days=1)):
            if self.start <= candidate <= self.end:
                return candidate
        return None


#: a statutory calendar: True for a working day, False for a day off, None for a year it lacks
Statutory = Callable[[dt.date], "bool | None"]


@lru_cache(maxsize=4096)
def chinese_workday(day: dt.date) -> bool | None:
    """chinesecalendar's verdict, or None for a year it has no data for (yet)."""
    try:
        import chinese_calendar
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    try:
        return bool(chinese_calendar.is_workday(day))
    except (NotImplementedError, ValueError):
        return None


@dataclass
class WorkCalendar:
    """Working days: company overrides first, then the statutory calendar, else Monday-Friday.

    ``statutory`` is injected so that tests and companies do not depend on which
    years the installed chinesecalendar covers.  ``company_years`` are years whose
    holidays and adjusted workdays the company file lists itself (a year the
    package does not cover yet); ``missing_years`` collects the years neither
    covered, so the checker can warn that it fell back to Monday-Friday.
    """

    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()
    statutory: Statutory = chinese_workday
    company_years: frozenset[int] = frozenset()
    missing_years: set[int] = field(default_factory=set)

    @classmethod
    def from_company(cls, holidays: Iterable[str], workdays: Iterable[str], years: Iterable[int] = (),
                     statutory: Statutory = chinese_workday) -> WorkCalendar:
        def dates(items: Iterable[str]) -> frozenset[dt.date]:
            out = set()
            for text in items:
                try:
                    d = parse_date(str(text))
                except TimeError:
                    d = None
                if d is not None:
                    out.add(d)
            return frozenset(out)

        return cls(dates(holidays), dates(workdays), statutory, frozenset(years))

    def is_workday(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        verdict = None if day.year in self.company_years else self.statutory(day)
        if verdict is None:
            if day.year not in self.company_years:
                self.missing_years.add(day.year)
            return day.weekday() < 5
        return verdict

    def nth_workday_after(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day strictly after ``day`` (n = 0: ``day`` itself)."""
        current = day
        found = 0
        while found < n:
            current += dt.timedelta(days=1)
            if self.is_workday(current):
                found += 1
        return current

    def deadline(self, start: dt.datetime, limit: Limit) -> dt.datetime:
        """The last instant that is still within ``limit`` of ``start``.

        Hours, minutes and days are exact periods from ``start``; N working
        days end at 23:59 of the N-th working day after the start's day.
        """
        if limit.unit != "working_days":
            return start + limit.delta()
        n = max(0, math.ceil(limit.value))
        last = self.nth_workday_after(start.date(), n)
        return dt.datetime.combine(last, dt.time(23, 59), tzinfo=start.tzinfo)


def end_of_day(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """A date written where a time is expected (``reply_due: 2026-11-24``) means 23:59 that day."""
    return dt.datetime.combine(day, dt.time(23, 59), tzinfo=tz)


_DURATION_UNITS = {"zh": (" 天", " 小时", " 分钟"), "en": (" d", " h", " min")}


def duration(delta: dt.timedelta, lang: str = "zh") -> str:
    """``1 小时 10 分钟`` / ``1 h 10 min``: how a supervisor says an overrun (rounded up to the minute)."""
    minutes = max(0, math.ceil(delta.total_seconds() / 60))
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    day_unit, hour_unit, min_unit = _DURATION_UNITS[lang]
    parts = [f"{n}{unit}" for n, unit in ((days, day_unit), (hours, hour_unit)) if n]
    if mins or not parts:
        parts.append(f"{mins}{min_unit}")
    return " ".join(parts)


def duration_zh(delta: dt.timedelta) -> str:
    return duration(delta, "zh")


def duration_en(delta: dt.timedelta) -> str:
    return duration(delta, "en")
