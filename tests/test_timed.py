"""The one engine of timed rules (kefu.check.timed), judged on a small subject made by hand.

The CLI tests (test_check, test_items, test_company_rules) show what a supervisor sees; these
pin the declaration's meaning: first variant wins, the limit itself is on time, an agreed time
is the deadline and must fall within the limit, an excuse field excuses, a missing start means
the rule does not apply, and a follow-up without its intake has no clock from ``at``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from kefu.check import timed
from kefu.check.workdays import WorkCalendar
from kefu.model import Limit, Rule, Variant

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


class Subject:
    """An item with the given values; reports are collected as (rule, field, variant)."""

    def __init__(self, intake: bool = True, **values: Any) -> None:
        self.intake = intake
        self.values = values
        self.reports: list[tuple[str, str, str]] = []
        self.cal = WorkCalendar()

    def get(self, key: str) -> Any:
        return self.values.get(key)

    def raw(self, key: str) -> str:
        v = self.values.get(key)
        return f"{v:%H:%M}" if isinstance(v, dt.datetime) else str(v or "")

    def bad(self, key: str) -> bool:
        return False

    def label(self, key: str) -> str:
        return key

    def matches(self, when: dict[str, Any]) -> bool:
        return all(self.values.get(k) in v for k, v in when.items())

    def report(self, rule: Rule, key: str, variant: str, params: dict[str, Any]) -> None:
        self.reports.append((rule.id, key, variant))

    def report_status(self, rule: Rule, variant: str, params: dict[str, Any]) -> None:
        self.reports.append((rule.id, "status", variant))

    def show(self, moment: dt.datetime) -> str:
        return f"{moment:%Y-%m-%d %H:%M}"

    def deadline(self, start: dt.datetime, limit: Limit, key: str) -> dt.datetime:
        return self.cal.deadline(start, limit)


CRM = Rule(id="crm", form="shift-log", when={"type": ["complaint"]}, start="at", stop="crm_at",
           limit=Limit(2, "hours"),
           variants=[Variant({"urgency": ["urgent"]}, Limit(30, "minutes")),
                     Variant({"urgency": ["urgent"], "source": ["app"]}, Limit(5, "minutes"))])


def test_exactly_at_the_limit_is_on_time_and_a_minute_more_is_not() -> None:
    ok = Subject(type="complaint", at=at("2026-11-23 09:00"), crm_at=at("2026-11-23 11:00"))
    assert timed.apply(CRM, ok, at("2026-11-23 20:00")).status == "met" and not ok.reports
    late = Subject(type="complaint", at=at("2026-11-23 09:00"), crm_at=at("2026-11-23 11:01"))
    outcome = timed.apply(CRM, late, at("2026-11-23 20:00"))
    assert outcome.status == "breached" and outcome.late_minutes == 1 and late.reports == [("crm", "crm_at", "")]


def test_the_first_matching_variant_wins() -> None:
    s = Subject(type="complaint", urgency="urgent", source="app", at=at("2026-11-23 09:00"),
                crm_at=at("2026-11-23 09:20"))
    assert timed.apply(CRM, s, at("2026-11-23 20:00")).status == "met"  # 30 min, not the later 5 min


def test_not_about_this_item_or_no_start() -> None:
    assert timed.apply(CRM, Subject(type="repair", at=at("2026-11-23 09:00")), at("2026-11-24 00:00")) is None
    assert timed.apply(CRM, Subject(type="complaint"), at("2026-11-24 00:00")) is None
    follow_up = Subject(intake=False, type="complaint", at=at("2026-11-23 09:00"))
    assert timed.apply(CRM, follow_up, at("2026-11-24 00:00")) is None


def test_missing_stop_before_and_after_the_deadline() -> None:
    s = Subject(type="complaint", at=at("2026-11-23 09:00"), status="open")
    assert timed.apply(CRM, s, at("2026-11-23 10:00")).status == "pending" and not s.reports
    closed = Subject(type="complaint", at=at("2026-11-23 09:00"), status="closed")
    timed.apply(CRM, closed, at("2026-11-23 10:00"))
    assert closed.reports == [("crm", "status", "pending-closed")]
    assert timed.apply(CRM, s, at("2026-11-23 11:01")).status == "breached"
    assert s.reports == [("crm", "crm_at", "missing")]


REPLY = Rule(id="reply", form="shift-log", start="at", stop="replied_at", agreed="reply_due", agreed_required=True,
             limit=Limit(3, "working_days"))


def test_an_agreed_time_is_the_deadline_and_must_fit_the_limit() -> None:
    # Monday 2026-12-07: 3 working days end Thursday 12-10 23:59
    s = Subject(at=at("2026-12-07 10:00"), reply_due=at("2026-12-09 23:59"), replied_at=at("2026-12-10 09:00"))
    assert timed.apply(REPLY, s, at("2026-12-11 00:00")).status == "breached"  # late for the agreed time
    beyond = Subject(at=at("2026-12-07 10:00"), reply_due=at("2026-12-14 23:59"), replied_at=at("2026-12-10 09:00"))
    assert timed.apply(REPLY, beyond, at("2026-12-15 00:00")).status == "met"
    assert beyond.reports == [("reply", "reply_due", "agreed-late")]
    missing = Subject(at=at("2026-12-07 10:00"))
    timed.apply(REPLY, missing, at("2026-12-08 00:00"))
    assert missing.reports == [("reply", "reply_due", "agreed-missing")]


def test_an_excuse_field_excuses_a_late_stop() -> None:
    rule = Rule(id="on-time", form="shift-log", agreed="appointment_at", stop="arrived_at", excuse="notes")
    late = {"appointment_at": at("2026-11-23 10:00"), "arrived_at": at("2026-11-23 10:20")}
    assert timed.apply(rule, Subject(**late), at("2026-11-23 20:00")).status == "breached"
    assert timed.apply(rule, Subject(notes="电梯故障，已告知业主", **late), at("2026-11-23 20:00")) is None
    assert timed.apply(rule, Subject(arrived_at=at("2026-11-23 10:20")), at("2026-11-23 20:00")) is None


def test_a_rule_turned_off_does_nothing() -> None:
    off = Rule(id="crm", form="shift-log", start="at", stop="crm_at", limit=Limit(2, "hours"), enabled=False)
    s = Subject(at=at("2026-11-23 09:00"))
    assert timed.apply(off, s, at("2026-11-24 00:00")) is None and not s.reports
