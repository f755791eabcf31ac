"""``kefu new``: blank records that ``kefu check`` accepts once filled in."""

from __future__ import annotations

from pathlib import Path

import yaml

from checkhelp import kefu
from kefu.load import parse_text, plain


def fill_shift_log(text: str) -> dict:
    record = plain(parse_text(text, "blank.yaml"))
    record["staff"] = ["王芳"]
    record["online_checks"] = ["21:00", "23:50", "02:40", "05:30"]
    (entry,) = record["entries"]
    entry.update({"no": 1, "at": "23:30", "channel": "电话", "type": "投诉", "content": "排风机噪音",
                  "crm_at": "01:10", "status": "open"})
    record["handover"].update({"to": "王芳", "open": [1]})
    return record


def test_blank_shift_log_round_trip(tmp_path: Path, content: Path) -> None:
    res = kefu("new", "shift-log", "--date", "2026-11-20", "--shift", "夜班", "--content", str(content))
    assert res.code == 0, res.stderr
    assert "# 渠道；必填；可填：phone 电话 / visit 来访" in res.stdout
    blank_record = plain(parse_text(res.stdout, "blank.yaml"))
    assert (blank_record["start"], blank_record["end"]) == ("19:30", "07:30")  # the company's 夜班
    blank = tmp_path / "blank.yaml"
    blank.write_text(res.stdout, encoding="utf-8")
    unfilled = kefu("check", "--format", "json", "--content", str(content), str(blank))
    assert unfilled.code == 1  # required values are still empty
    assert {f["rule"] for f in unfilled.json["files"][0]["findings"]} >= {"missing-key"}
    filled = tmp_path / "filled.yaml"
    filled.write_text(yaml.safe_dump(fill_shift_log(res.stdout), allow_unicode=True, sort_keys=False),
                      encoding="utf-8")
    checked = kefu("check", "--content", str(content), str(filled))
    assert checked.code == 0, checked.stdout


def test_blank_incident_report_round_trip(tmp_path: Path, content: Path) -> None:
    res = kefu("new", "incident-report", "--content", str(content))
    record = plain(parse_text(res.stdout, "blank.yaml"))
    record.update({"place": "大堂", "class": "A", "occurred_at": "2026-11-19 10:20",
                   "resolved_at": "2026-11-19 11:40", "reported_at": "2026-11-20 09:00",
                   "received_by": "钱丽", "notified": ["品质部"], "summary": "业主到访"})
    path = tmp_path / "incident.yaml"
    path.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
    assert kefu("check", "--content", str(content), str(path)).code == 0


def test_inspection_prefilled_from_role_scheme(tmp_path: Path, content: Path) -> None:
    res = kefu("new", "inspection", "--role", "客服管家", "--date", "2026-11-20", "--content", str(content))
    assert res.code == 0
    record = plain(parse_text(res.stdout, "blank.yaml"))
    assert [i["component"] for i in record["items"]][:2] == ["岗位工作质量", "交接班质量"]
    assert sum(i["max"] for i in record["items"]) == 100
    record.update({"kind": "日检", "staff": "李娜", "inspector": "陈主任", "total": 100})
    path = tmp_path / "inspection.yaml"
    path.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
    assert kefu("check", "--content", str(content), str(path)).code == 0


def test_new_refuses_unknown_form_and_bad_options(content: Path) -> None:
    res = kefu("new", "shift-logs", "--content", str(content))
    assert res.code == 2 and "shift-log" in res.stderr
    assert kefu("new", "shift-log", "--date", "2026-02-30", "--content", str(content)).code == 2
    assert kefu("new", "inspection", "--role", "客服管加", "--content", str(content)).code == 2
