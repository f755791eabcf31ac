"""Times placed in shift windows and the mainland-China working calendar."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kefu.check.workdays import TimeError, Window, WorkCalendar, duration_zh, parse_clock, parse_date, parse_full
from kefu.model import Limit

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def test_night_window_places_times_across_midnight() -> None:
    w = Window.of(dt.date(2026, 11, 21), dt.time(20), dt.time(8), SH)
    assert w.place(dt.time(23, 40)) == at("2026-11-21 23:40")
    assert w.place(dt.time(2, 10)) == at("2026-11-22 02:10")
    assert w.place(dt.time(8, 0)) == at("2026-11-22 08:00")  # both ends belong to the shift
    assert w.place(dt.time(20, 0)) == at("2026-11-21 20:00")
    assert w.place(dt.time(8, 1)) is None
    assert w.place(dt.time(19, 59)) is None


def test_day_window() -> None:
    w = Window.of(dt.date(2026, 11, 20), dt.time(8), dt.time(20), SH)
    assert w.place(dt.time(12, 0)) == at("2026-11-20 12:00")
    assert w.place(dt.time(7, 59)) is None and w.place(dt.time(20, 1)) is None


@pytest.mark.parametrize("text", ["25:70", "24:00", "12:60"])
def test_impossible_clock(text: str) -> None:
    with pytest.raises(TimeError):
        parse_clock(text)


@pytest.mark.parametrize("text", ["2026-02-30", "2026-13-01", "2025-02-29"])
def test_impossible_date(text: str) -> None:
    with pytest.raises(TimeError):
        parse_date(text)
    with pytest.raises(TimeError):
        parse_full(text + " 10:00", SH)


def test_full_datetimes_with_offsets() -> None:
    assert parse_full("2026-11-21 23:40", SH) == at("2026-11-21 23:40")
    assert parse_full("2026-11-21T15:40:00Z", SH) == at("2026-11-21 23:40")
    assert parse_full("2026-11-21T23:40+08:00", SH) == at("2026-11-21 23:40")
    assert parse_full("2026-11-21T10:40-0500", SH) == at("2026-11-21 23:40")
    assert parse_full("23:40", SH) is None


def days(cal: WorkCalendar, start: str, n: int) -> dt.datetime:
    return cal.deadline(at(start), Limit(n, "working_days"))


def test_working_days_end_at_2359_of_the_nth_day() -> None:
    cal = WorkCalendar()
    assert days(cal, "2026-11-20 09:00", 2) == at("2026-11-24 23:59")  # Fri -> Tue
    assert days(cal, "2026-11-23 23:59", 1) == at("2026-11-24 23:59")
    assert days(cal, "2026-11-21 10:00", 1) == at("2026-11-23 23:59")  # from a Saturday


def test_national_day_2026_with_adjusted_saturday() -> None:
    cal = WorkCalendar()
    assert not cal.is_workday(dt.date(2026, 10, 1)) and not cal.is_workday(dt.date(2026, 10, 7))
    assert cal.is_workday(dt.date(2026, 10, 10))  # Saturday, 调休上班
    assert cal.is_workday(dt.date(2026, 9, 20))  # Sunday, 调休上班
    assert days(cal, "2026-09-30 09:00", 3) == at("2026-10-10 23:59")
    assert days(cal, "2026-09-30 09:00", 4) == at("2026-10-12 23:59")  # Sunday Oct 11 is off
    assert not cal.missing_years


def test_spring_festival_2026() -> None:
    cal = WorkCalendar()
    assert cal.is_workday(dt.date(2026, 2, 14))  # Saturday, 调休上班
    assert not any(cal.is_workday(dt.date(2026, 2, d)) for d in range(15, 24))
    assert days(cal, "2026-02-13 10:00", 3) == at("2026-02-25 23:59")


def no_data(day: dt.date) -> bool | None:
    """A statutory calendar that covers no year at all (whatever chinesecalendar ships)."""
    return None


def test_year_without_data_falls_back_to_monday_friday() -> None:
    cal = WorkCalendar(statutory=no_data)
    assert days(cal, "2026-10-01 09:00", 1) == at("2026-10-02 23:59")  # Thu -> Fri, holiday unknown
    assert days(cal, "2026-10-02 09:00", 1) == at("2026-10-05 23:59")  # Fri -> Mon
    assert cal.missing_years == {2026}


def test_a_company_can_supply_a_year_itself() -> None:
    """Days off and adjusted working days listed by the company, for a year with no data."""
    cal = WorkCalendar.from_company(["2026-10-01", "2026-10-02", "2026-10-05"], ["2026-10-10"], [2026],
                                    statutory=no_data)
    assert days(cal, "2026-09-30 09:00", 1) == at("2026-10-06 23:59")
    assert days(cal, "2026-10-09 09:00", 1) == at("2026-10-10 23:59")  # Saturday, 调休上班
    assert not cal.missing_years


def test_the_installed_calendar_reports_an_uncovered_year() -> None:
    """The real package: a year far ahead of any release has no data and is reported."""
    cal = WorkCalendar()
    assert days(cal, "2100-03-05 09:00", 1) == at("2100-03-08 23:59")  # Fri -> Mon
    assert cal.missing_years == {2100}


def test_company_overrides_come_first() -> None:
    cal = WorkCalendar.from_company(["2026-11-23"], ["2026-11-21", "not a date"])
    assert not cal.is_workday(dt.date(2026, 11, 23)) and cal.is_workday(dt.date(2026, 11, 21))
    assert days(cal, "2026-11-20 09:00", 2) == at("2026-11-24 23:59")  # Sat 21 on, Mon 23 off


def test_calendar_limits_are_exact_periods() -> None:
    cal = WorkCalendar()
    assert cal.deadline(at("2026-11-20 23:30"), Limit(2, "hours")) == at("2026-11-21 01:30")
    assert cal.deadline(at("2026-11-20 09:00"), Limit(3, "days")) == at("2026-11-23 09:00")
    assert cal.deadline(at("2026-11-20 09:00"), Limit(90, "minutes")) == at("2026-11-20 10:30")


def test_duration_in_words() -> None:
    assert duration_zh(dt.timedelta(minutes=40)) == "40 分钟"
    assert duration_zh(dt.timedelta(hours=2, minutes=10)) == "2 小时 10 分钟"
    assert duration_zh(dt.timedelta(days=1, hours=1)) == "1 天 1 小时"
    assert duration_zh(dt.timedelta(seconds=1)) == "1 分钟"
