"""A company's own limits in its company file, enforced by kefu check with no code change (company-rules.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from checkhelp import found, kefu, make_content
from recordhelp import entry, shift_log


def company(tmp_path: Path, extra: str) -> Path:
    """The test company file (make_content's) with ``extra`` YAML appended."""
    cfg = tmp_path / "kefu.yaml"
    cfg.write_text(cfg.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return cfg


RESPONSE = """
forms:
  shift-log:
    entry_fields:
      - {key: responded_at, label: 首次响应时间, type: time}
      - {key: source, label: 来源, type: enum, values: {app: 业主App, desk: 前台}}
add_rules:
  - id: complaint-response
    title: 投诉 {limit}内响应
    form: shift-log
    when: {type: 投诉}
    start: at
    stop: responded_at
    limit: {value: 48, unit: hours}
    variants:
      - when: {urgency: 紧急}
        limit: {value: 2, unit: hours}
      - when: {source: 业主App}
        limit: {value: 4, unit: hours}
    explain: 投诉受理后在时限内首次回应业主。
"""


def errors_of(res) -> set[tuple[str, str, str]]:
    out = set()
    for f in res.json["files"]:
        out |= found(f, "error")
    return out


@pytest.fixture()
def setup(tmp_path: Path) -> tuple[Path, Path]:
    content = make_content(tmp_path)
    return content, company(tmp_path, RESPONSE)


def check(content: Path, cfg: Path, *paths: Path, as_of: str | None = None):
    extra = ["--as-of", as_of] if as_of else []
    return kefu("check", "--format", "json", "--content", str(content), "--config", str(cfg),
                *map(str, paths), *extra)


def complaint(no: int, at: str, **kw) -> dict:
    return entry(no, at, "complaint", crm_at=at, **kw)


def test_added_rule_with_variants_in_order_and_exactly_at_the_limit(setup, tmp_path: Path) -> None:
    content, cfg = setup
    logs = tmp_path / "logs"
    logs.mkdir()
    shift_log(logs, "2026-11-23", "白班", [
        complaint(1, "08:10", urgency="紧急", responded_at="10:10"),            # urgent: exactly 2 h, on time
        complaint(2, "08:20", urgency="紧急", source="app", responded_at="10:21"),  # urgent wins over app: late
        complaint(3, "08:30", source="业主App", responded_at="12:30"),          # app: 4 h exactly
        complaint(4, "08:40", source="app", responded_at="12:41"),               # app: 1 min late
        complaint(5, "09:00", responded_at="19:00"),                             # normal: 48 h
    ])
    res = check(content, cfg, logs)
    assert errors_of(res) == {("2", "responded_at", "complaint-response"), ("4", "responded_at", "complaint-response")}
    messages = [f["message"] for f in res.json["files"][0]["findings"] if f["rule"] == "complaint-response"]
    assert any("超时 1 分钟" in m and "时限 2 小时" in m for m in messages)
    assert all(f["help"].endswith("sla/#complaint-response") for f in res.json["files"][0]["findings"])


def test_added_rule_missing_stop_after_the_deadline_and_pending_before(setup, tmp_path: Path) -> None:
    content, cfg = setup
    log = shift_log(tmp_path, "2026-11-23", "白班", [complaint(1, "09:00", urgency="urgent", status="open")])
    assert errors_of(check(content, cfg, log)) == {("1", "responded_at", "complaint-response")}
    assert errors_of(check(content, cfg, log, as_of="2026-11-23 10:59")) == set()
    closed = shift_log(tmp_path, "2026-11-23", "白班", [complaint(1, "09:00", urgency="urgent")], name="c.yaml")
    assert errors_of(check(content, cfg, closed, as_of="2026-11-23 10:00")) == {("1", "status", "complaint-response")}


@pytest.mark.parametrize(("limit", "stop", "late"), [
    ("{value: 30, unit: minutes}", "09:30", False),
    ("{value: 30, unit: minutes}", "09:31", True),
    ("{value: 1, unit: days}", "2026-09-29 09:00", False),
    ("{value: 1, unit: days}", "2026-09-29 09:01", True),
    # 2026-09-30 is a Wednesday; National Day 10-01..10-07 is off, Saturday 10-10 is worked
    ("{value: 2, unit: working_days}", "2026-10-08 23:59", False),
    ("{value: 3, unit: working_days}", "2026-10-10 23:59", False),
    ("{value: 3, unit: working_days}", "2026-10-11 00:00", True),
])
def test_every_unit(tmp_path: Path, limit: str, stop: str, late: bool) -> None:
    content = make_content(tmp_path)
    cfg = company(tmp_path, f"""
forms:
  shift-log:
    entry_fields: [{{key: responded_at, label: 首次响应时间, type: time}}]
add_rules:
  - {{id: repair-response, title: 报修响应, form: shift-log, when: {{type: repair}}, start: at,
     stop: responded_at, limit: {limit}, explain: 报修后按时响应。}}
""")
    day = "2026-09-30" if "working" in limit else "2026-09-28"
    log = shift_log(tmp_path, day, "白班", [entry(1, "09:00", appointment_at="10:00", responded_at=stop)])
    errors = errors_of(check(content, cfg, log, as_of="2026-12-01 00:00"))
    assert (("1", "responded_at", "repair-response") in errors) == late, errors


def test_a_turned_off_rule_and_a_changed_severity(tmp_path: Path) -> None:
    content = make_content(tmp_path)
    log = shift_log(tmp_path, "2026-11-23", "白班", [entry(1, "09:00", "complaint", crm_at="11:30")])
    base = tmp_path / "kefu.yaml"
    plain = kefu("check", "--format", "json", "--content", str(content), "--config", str(base), str(log))
    assert ("1", "crm_at", "complaint-crm-entry") in errors_of(plain)
    off = company(tmp_path, "rules:\n  complaint-crm-entry: {enabled: false}\n")
    assert errors_of(check(content, off, log)) == set()


def test_per_estate_limit_on_top_of_the_company(tmp_path: Path) -> None:
    content = make_content(tmp_path)
    cfg = tmp_path / "kefu.yaml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace(
        "estates: [{name: 东湖湾名苑}]",
        "estates: [{name: 东湖湾名苑, rules: {complaint-crm-entry: {limit: {value: 30, unit: minutes}}}}, "
        "{name: 西溪悦府}]") + "rules:\n  complaint-crm-entry: {limit: {value: 1, unit: hours}}\n", encoding="utf-8")
    donghu = shift_log(tmp_path, "2026-11-23", "白班", [entry(1, "09:00", "complaint", crm_at="09:40")], name="d.yaml")
    xixi = shift_log(tmp_path, "2026-11-23", "白班", [entry(1, "09:00", "complaint", crm_at="09:40")],
                     project="西溪悦府", name="x.yaml")
    res = check(content, cfg, donghu, xixi)
    d, x = res.json["files"]
    assert found(d, "error") == {("1", "crm_at", "complaint-crm-entry")} and "30 分钟" in d["findings"][0]["message"]
    assert found(x, "error") == set()


@pytest.mark.parametrize(("extra", "words"), [
    ("add_rules:\n  - {id: r-x, title: t, form: shift-log, when: {tpye: repair}, start: at, stop: done_at, "
     "limit: {value: 1, unit: hours}, explain: e}\n", ["tpye", "type"]),
    ("add_rules:\n  - {id: r-x, title: t, form: shift-log, when: {type: repiar}, start: at, stop: done_at, "
     "limit: {value: 1, unit: hours}, explain: e}\n", ["repiar", "repair"]),
    ("add_rules:\n  - {id: r-x, title: t, form: shift-log, start: at, stop: don_at, "
     "limit: {value: 1, unit: hours}, explain: e}\n", ["don_at", "done_at"]),
    ("add_rules:\n  - {id: r-x, title: t, form: shift-log, start: at, stop: done_at, "
     "limit: {value: 1, unit: hour}, explain: e}\n", ["hour"]),
    ("add_rules:\n  - {id: r-x, title: t, form: shift-log, start: at, stop: done_at, "
     "limit: {value: 0, unit: hours}, explain: e}\n", ["0"]),
    ("add_rules:\n  - {id: r-x, title: t, form: shift-log, start: at, stop: done_at, limit: {value: 1, unit: hours},"
     " variants: [{limit: {value: 1, unit: hours}}], explain: e}\n", ["when"]),
    ("add_rules:\n  - {id: r-x, title: t, form: shift-log, when: {class: A}, start: at, stop: done_at, "
     "limit: {value: 1, unit: hours}, explain: e}\n", ["class", "incident-report"]),
    ("add_rules:\n  - {id: callback, title: t, form: shift-log, start: at, stop: done_at, "
     "limit: {value: 1, unit: hours}, explain: e}\n", ["callback"]),
    ("add_rules:\n  - {id: Bad_Id, title: t, form: shift-log, start: at, stop: done_at, "
     "limit: {value: 1, unit: hours}, explain: e}\n", ["Bad_Id"]),
    ("rules:\n  complaint-crm-entyr: {limit: {value: 1, unit: hours}}\n",
     ["complaint-crm-entyr", "complaint-crm-entry"]),
    ("rules:\n  complaint-crm-entry: {stop: done_at}\n", ["stop"]),
])
def test_company_file_mistakes_are_named_and_check_refuses(tmp_path: Path, extra: str, words: list[str]) -> None:
    content = make_content(tmp_path)
    cfg = company(tmp_path, extra)
    lint = kefu("lint", "--content", str(content), "--config", str(cfg))
    assert lint.code == 1
    out = lint.stdout + lint.stderr
    assert "kefu.yaml" in out and all(w in out for w in words), out
    log = shift_log(tmp_path, "2026-11-23", "白班", [entry(1, "09:00", appointment_at="10:00")])
    res = kefu("check", "--content", str(content), "--config", str(cfg), str(log))
    assert res.code == 2 and "kefu.yaml" in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr


def test_added_fields_are_known_keys_and_in_kefu_new(setup, tmp_path: Path) -> None:
    content, cfg = setup
    log = shift_log(tmp_path, "2026-11-23", "白班", [complaint(1, "09:00", responded_at="09:30", source="前台")])
    res = check(content, cfg, log)
    assert not [f for f in res.json["files"][0]["findings"] if f["rule"] in ("unknown-key", "bad-value")]
    blank = kefu("new", "shift-log", "--content", str(content), "--config", str(cfg))
    assert "responded_at" in blank.stdout and "首次响应时间" in blank.stdout
