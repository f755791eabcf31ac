"""``kefu report``: a supervisor's month as KPIs against targets, tables, charts, Excel and CSV.

The months are hand-made (tests/reportmonth.py) so that every rate is known;
the numbers asserted below are worked out by hand in that file's docstring.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kefu.load import require
from kefu.model import Handbook
from kefu.report.build import build, kpi_table
from kefu.report.data import merge
from kefu.report.write import csv_text, html, sheets, write_all
from reportmonth import EAST, WEST, item, november, rule, shard

REPO = Path(__file__).resolve().parents[1]
KEFU = [sys.executable, "-m", "kefu.cli"]


@pytest.fixture(scope="module")
def book() -> Handbook:
    found, _ = require(REPO / "procedures", REPO / "kefu.yaml", records_only=True)
    return found


def values(report: Any) -> dict[str, str]:
    return {k.kpi.name: k.text() for k in report.kpis}


def kefu(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*KEFU, *args], cwd=cwd, capture_output=True, text=True, timeout=600)


# --------------------------------------------------------------------------
# KPI arithmetic


def test_november_rates_are_the_hand_worked_ones(book: Handbook) -> None:
    r = build(book, november(), month="2026-11")
    assert values(r) == {"回访率": "83.3%", "回访及时率": "66.7%", "回访满意率": "60%", "投诉处理及时率": "50%",
                         "投诉处理回访率": "50%",
                         "突发事件报品质部及时率": "50%", "日检平均分": "89.3 分", "周检平均分": "—",
                         "月检平均分": "—", "抽检平均分": "—"}
    rate = next(k for k in r.kpis if k.kpi.id == "callback-rate")
    assert (rate.total.numerator, rate.total.denominator) == (5, 6)  # the pending repair is left out
    assert {p: rate.text(x) for p, x in rate.by_project.items()} == {EAST: "75%", WEST: "100%"}
    timely = next(k for k in r.kpis if k.kpi.id == "callback-timeliness")
    assert {p: timely.text(x) for p, x in timely.by_project.items()} == {EAST: "50%", WEST: "100%"}
    assert rate.ok is False and next(k for k in r.kpis if k.kpi.id == "daily-score").ok is None
    liked = next(k for k in r.kpis if k.kpi.name == "回访满意率")
    assert (liked.total.numerator, liked.total.denominator) == (3, 5)  # never called back, pending: left out
    assert {p: liked.text(x) for p, x in liked.by_project.items()} == {EAST: "66.7%", WEST: "50%"}
    # by week (Monday to Sunday, cut to the month): the complaint of 11/17 had no callback
    weeks = dict((w, rate.text(x)) for w, x in rate.by_week)
    assert weeks["11/16–11/22"] == "0%" and weeks["11/9–11/15"] == "100%" and weeks["11/1–11/1"] == "—"
    assert r.counts["items"] == 9


def test_satisfaction_from_shift_logs_as_staff_write_them(book: Handbook, tmp_path: Path) -> None:
    """回访结果 written in Chinese on the logs: kefu check reports it per item (the last callback's), and the
    month's 回访满意率 counts the called-back items that were 满意."""
    from recordhelp import entry, shift_log

    logs = tmp_path / "logs"
    logs.mkdir()
    done = {"appointment_at": "09:00", "arrived_at": "09:00", "done_at": "10:00", "signed": True}
    shift_log(logs, "2026-11-23", "白班", [
        entry(1, "08:30", callback_at="15:00", callback_result="满意", **done),
        entry(2, "08:40", callback_at="15:10", callback_result="不满意", status="open", **done),
        entry(3, "08:50", callback_at="15:20", callback_result="satisfied", **done),
        entry(4, "09:00", **done, status="open"),  # not called back yet: still within 24 hours
        entry(5, "09:10", callback_at="15:30", callback_result="不满意", status="open", **done)])
    shift_log(logs, "2026-11-23", "夜班", [  # the unsatisfied owner, called back again after the rework
        entry(1, "21:00", follows="2026-11-23/白班/2", callback_at="21:00", callback_result="满意")],
        open_=["2026-11-23/白班/4", "2026-11-23/白班/5"])
    run = kefu("check", "--format", "json", "--as-of", "2026-11-24 07:00", str(logs))
    checked = json.loads(run.stdout)
    results = {i["id"]: i["callback_result"] for i in checked["items"]}
    assert results == {"2026-11-23/白班/1": "satisfied", "2026-11-23/白班/2": "satisfied",
                       "2026-11-23/白班/3": "satisfied", "2026-11-23/白班/4": None,
                       "2026-11-23/白班/5": "unsatisfied"}
    r = build(book, checked, month="2026-11")
    liked = next(k for k in r.kpis if k.kpi.name == "回访满意率")
    assert (liked.total.numerator, liked.total.denominator) == (3, 4)
    assert liked.text() == "75%" and liked.ok is False


def test_items_count_in_the_month_they_were_received(book: Handbook) -> None:
    october = build(book, november(), month="2026-10")
    assert values(october)["投诉处理及时率"] == "0%"  # received 10/31, resolved late in November
    assert values(october)["回访率"] == "100%"
    assert october.counts["items"] == 1
    december = build(book, november(), month="2026-12")
    assert values(december)["回访率"] == "100%" and values(december)["回访及时率"] == "0%"
    assert "2026-11-30/夜班/5" in {i["item"] for i in build(book, november(), month="2026-11").items}


def test_empty_month_shows_dashes_never_zero_or_hundred(book: Handbook, tmp_path: Path) -> None:
    r = build(book, november(), month="2026-09")
    assert set(values(r).values()) == {"—"}
    assert all(k.ok is None for k in r.kpis)
    write_all(r, tmp_path, with_pdf=False)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    kpi_part = page.split('id="kpis"')[1].split('id="weeks"')[0]
    shown = re.findall(r'<td class="num (?:ok|bad|none)">([^<]*)</td>', kpi_part)
    assert len(shown) == len(r.kpis) and set(shown) == {"—"}  # neither green nor red, neither 0 % nor 100 %


def test_a_month_without_complaints_has_no_complaint_rate(book: Handbook) -> None:
    doc = {"files": [], "items": [item(1, EAST, "repair", "2026-11-02 21:00", {"callback": rule("met")}),
                                  item(2, EAST, "repair", "2026-11-03 21:00", {"callback": rule("breached", 10)})]}
    v = values(build(book, doc, month="2026-11"))
    assert v["投诉处理及时率"] == "—" and v["投诉处理回访率"] == "—"
    assert v["回访率"] == "100%" and v["回访及时率"] == "50%"


def test_without_stopped_a_breach_never_counts_as_done(book: Handbook) -> None:
    """An older check output has no "stopped": the callback rate then falls back to the on-time rate."""
    doc = november()
    for i in doc["items"]:
        for state in i["rules"].values():
            state.pop("stopped")
    v = values(build(book, doc, month="2026-11"))
    assert v["回访率"] == v["回访及时率"] == "66.7%"


def test_only_pending_items_leave_the_rate_empty(book: Handbook) -> None:
    doc = {"files": [], "items": [item(1, EAST, "repair", "2026-11-30 23:00", {"callback": rule("pending")})]}
    assert values(build(book, doc, month="2026-11"))["回访及时率"] == "—"


def test_project_option_keeps_one_estate(book: Handbook) -> None:
    r = build(book, november(), month="2026-11", project=WEST)
    assert values(r)["回访率"] == "100%" and values(r)["投诉处理及时率"] == "100%"
    assert values(r)["突发事件报品质部及时率"] == "0%"
    assert r.projects == [WEST]
    assert {s["staff"] for s in r.by_staff} >= {"刘洋"} and "李强" not in {s["staff"] for s in r.by_staff}


# --------------------------------------------------------------------------
# KPIs are data: a company changes a target, turns one off, adds its own


def _company(tmp_path: Path, extra: str) -> Path:
    cfg = tmp_path / "kefu.yaml"
    cfg.write_text((REPO / "kefu.yaml").read_text(encoding="utf-8").replace("phrases: []", "phrases: []\n" + extra),
                   encoding="utf-8")
    return cfg


def test_company_changes_a_target_and_adds_a_kpi(tmp_path: Path) -> None:
    cfg = _company(tmp_path, """kpis:
  callback-timeliness: {target: {value: 60}}
  spot-score: {enabled: false}
add_kpis:
  - id: crm-entry-timeliness
    name: 投诉录入 CRM 及时率
    of: items
    where: {type: 投诉, rules: {complaint-crm-entry: applies}}
    count: {rules: {complaint-crm-entry: met}}
    target: {value: 100}
    explain: 投诉受理后 2 小时内录入 CRM 的比例。
""")
    company_book, _ = require(REPO / "procedures", cfg, records_only=True)
    r = build(company_book, november(), month="2026-11")
    rows = {k.kpi.id: k for k in r.kpis}
    assert rows["callback-timeliness"].ok is True  # 66.7 % against the company's 60 %
    assert "spot-score" not in rows
    assert rows["crm-entry-timeliness"].text() == "0%"
    tmp_out = tmp_path / "out"
    run = kefu("report", "--from", str(_json(tmp_path, november())), "--month", "2026-11", "--no-pdf",
               "--config", str(cfg), "--out", str(tmp_out))
    assert run.returncode == 2, run.stderr  # the month has an unreadable file
    assert "投诉录入 CRM 及时率" in (tmp_out / "report.html").read_text(encoding="utf-8")


def test_lint_rejects_a_kpi_it_cannot_compute(tmp_path: Path) -> None:
    cfg = _company(tmp_path, """add_kpis:
  - id: wrong
    name: 错的指标
    of: items
    where: {typ: repair, rules: {calback: applies}}
    count: {rules: {callback: done}, callback_result: 很满意}
""")
    run = kefu("lint", "--config", str(cfg))
    assert run.returncode == 1
    assert "where 里的 “typ” 不是事项的字段（是不是 type？）" in run.stdout
    assert "时限 “calback” 不存在（是不是 callback？）" in run.stdout
    assert "的状态 “done” 不认识" in run.stdout
    assert "count.callback_result 的值 “很满意” 不认识" in run.stdout  # a shift-log field, but no such choice
    assert " error kpi-invalid: " in run.stdout


# --------------------------------------------------------------------------
# Outputs


def _json(tmp: Path, doc: dict[str, Any], name: str = "month.json") -> Path:
    path = tmp / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def test_workbook_has_chinese_headers_frozen_rows_filters_and_dates(book: Handbook, tmp_path: Path) -> None:
    write_all(build(book, november(), month="2026-11"), tmp_path, with_pdf=False)
    wb = openpyxl.load_workbook(tmp_path / "report.xlsx")
    assert wb.sheetnames == ["指标", "事项", "问题", "考评", "突发事件"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    items = wb["事项"]
    header = [c.value for c in items[1]]
    assert header[:6] == ["事项", "项目", "类别", "渠道", "紧急程度", "受理时间"]
    received = items.cell(row=2, column=6).value
    assert isinstance(received, dt.datetime) and items.cell(row=2, column=6).number_format == "yyyy-mm-dd hh:mm"
    assert {c.value for c in items["C"][1:]} == {"报修", "投诉", "咨询"}
    kpis = wb["指标"]
    first = {c.value: kpis.cell(row=2, column=i + 1).value for i, c in enumerate(kpis[1])}
    assert first["指标"] == "回访率" and first["数值"] == 83.3 and first["是否达标"] == "未达标"
    findings = wb["问题"]
    assert "处理完毕后 24 小时内回访" in {c.value for c in findings["K"][1:]}


def test_csv_files_have_a_bom_and_read_back(book: Handbook, tmp_path: Path) -> None:
    written = write_all(build(book, november(), month="2026-11"), tmp_path, with_pdf=False)
    names = {p.name for p in written}
    assert {"kpis.csv", "items.csv", "findings.csv", "scores.csv", "incidents.csv"} <= names
    raw = (tmp_path / "kpis.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:4] == ["指标", "范围", "数值", "显示"]
    assert rows[1][:4] == ["回访率", "全部", "83.3", "83.3%"]
    scores = list(csv.DictReader(io.StringIO((tmp_path / "scores.csv").read_text(encoding="utf-8-sig"))))
    zhang = next(s for s in scores if s["人员"] == "张敏")
    assert zhang["平均分"] == "94.0" and zhang["最低分"] == "90"
    assert zhang["扣分最多的项目"].startswith("交接班质量（8 分）")


def test_html_names_rules_by_their_chinese_titles_and_ranks_overdue(book: Handbook) -> None:
    r = build(book, november(), month="2026-11")
    assert r.by_rule[0]["title"] == "处理完毕后 24 小时内回访"
    assert all(not x["title"].isascii() for x in r.by_rule)
    # never done past the deadline comes first, then the latest
    assert [(o["item"], o["rule"], o["late"]) for o in r.overdue] == [
        ("2026-11-17/夜班/4", "callback", "未完成（已超出 11 小时 40 分钟）"),
        ("2026-11-17/夜班/4", "complaint-resolution-time", "未完成（已超出 5 小时）"),
        ("2026-11-17/夜班/4", "complaint-crm-entry", "40 分钟"),
        ("BX-1110-3", "callback", "30 分钟")]
    assert r.overdue[-1]["where"] == "logs/东湖湾名苑/2026-11-10-夜班.yaml:46"
    assert [(i["project"], i["status"]) for i in r.incidents] == [(EAST, "按时"), (WEST, "超时")]


def test_a_missed_target_never_reads_as_met_and_sources_are_documents(book: Handbook) -> None:
    """13,261 of 13,262 called back is 99.9 %, not a red "100%"; KPIs cite the document, not a seed number."""
    from kefu.report.kpi import show

    kpi = book.kpis["callback-rate"]
    assert show(kpi, 100 * 13261 / 13262) == "99.9%" and show(kpi, 100.0) == "100%"
    assert show(kpi, 200 / 3) == "66.7%"  # far from the target: rounded as usual
    r = build(book, november(), month="2026-11")
    page = html(r)
    assert "种子" not in page and "依据：《" in page
    assert '<h2 id="projects">各项目指标</h2>' in page  # estates as rows: the KPI table keeps its names readable
    assert all(row["source"].startswith("《") for row in kpi_table(r) if row["source"])


# --------------------------------------------------------------------------
# Several check runs, one report


def test_merged_shards_equal_the_whole_month(book: Handbook) -> None:
    whole = build(book, november(), month="2026-11", now=dt.datetime(2026, 12, 1, 9, 0))
    merged = build(book, merge([shard(november(), EAST), shard(november(), WEST)]), month="2026-11",
                   now=dt.datetime(2026, 12, 1, 9, 0))
    assert [csv_text(s) for s in sheets(merged)] == [csv_text(s) for s in sheets(whole)]
    assert kpi_table(merged) == kpi_table(whole)


def _records(tmp: Path) -> tuple[Path, Path]:
    """Two estates' shift logs: the contract's examples, and the same moved to 西山花园."""
    east, west = tmp / "logs" / "east", tmp / "logs" / "west"
    east.mkdir(parents=True)
    west.mkdir(parents=True)
    examples = REPO / "tests" / "contracts" / "examples"
    for p in [*examples.glob("*.yaml"), *examples.glob("items/*/*.yaml")]:
        text = p.read_text(encoding="utf-8")
        if "form: shift-log" not in text and "form: incident-report" not in text:
            continue
        shutil.copy(p, east / p.name)
        (west / p.name).write_text(text.replace(EAST, WEST), encoding="utf-8")
    return east, west


def test_report_from_two_check_runs_equals_the_direct_report(tmp_path: Path) -> None:
    east, west = _records(tmp_path)
    shards = []
    for name, folder in (("east", east), ("west", west)):
        run = kefu("check", "--format", "json", str(folder.relative_to(tmp_path)), cwd=tmp_path)
        assert run.returncode in (0, 1), run.stderr
        shards.append(_json(tmp_path, json.loads(run.stdout), f"{name}.json"))
    merged = kefu("report", "--from", *map(str, shards), "--month", "2026-11", "--no-pdf", "--out", "merged",
                  cwd=tmp_path)
    direct = kefu("report", "logs", "--month", "2026-11", "--no-pdf", "--out", "direct", cwd=tmp_path)
    assert merged.returncode == direct.returncode == 0, merged.stderr + direct.stderr
    for name in ("kpis.csv", "items.csv", "findings.csv", "scores.csv", "incidents.csv"):
        assert (tmp_path / "merged" / name).read_bytes() == (tmp_path / "direct" / name).read_bytes(), name
    findings = (tmp_path / "direct" / "findings.csv").read_text(encoding="utf-8-sig")
    assert "logs/east/" in findings and "logs/west/" in findings


def test_from_refuses_what_is_not_a_check_output(tmp_path: Path) -> None:
    bad = tmp_path / "notes.json"
    bad.write_text("{not json", encoding="utf-8")
    run = kefu("report", "--from", str(bad), "--out", str(tmp_path / "o"))
    assert run.returncode == 2 and "notes.json" in run.stderr and "JSON" in run.stderr
    assert "Traceback" not in run.stderr
    other = _json(tmp_path, {"hello": 1}, "other.json")
    run = kefu("report", "--from", str(other), "--out", str(tmp_path / "o"))
    assert run.returncode == 2 and "other.json" in run.stderr and "kefu check" in run.stderr
    run = kefu("report", "--from", str(other), "--month", "2026-13")
    assert run.returncode == 2 and "--month" in run.stderr


def test_progress_only_on_a_terminal(tmp_path: Path) -> None:
    east, _ = _records(tmp_path)
    quiet = kefu("report", str(east), "--no-pdf", "--out", str(tmp_path / "q"))
    assert "\r" not in quiet.stderr and "[" not in quiet.stderr
    cmd = " ".join([*KEFU, "report", str(east), "--no-pdf", "--out", str(tmp_path / "t")])
    tty = subprocess.run(["script", "-qec", cmd, "/dev/null"], capture_output=True, cwd=REPO, timeout=600)
    shown = tty.stdout.decode("utf-8", "replace")
    assert "检查记录 [" in shown and "\r" in shown
    assert f"{len(list(east.iterdir()))}/{len(list(east.iterdir()))}" in shown  # every file ticked
