"""Entries of several shift logs linked into items, and a company's own rules (items.md, company-rules.md).

Every case of the contracts' ``examples/items/`` and ``examples/company/`` is run as a
supervisor runs it: the CLI on a folder (or on the records with ``--config``), each
file's errors compared with its own ``# expect:`` lines.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checkhelp import EXAMPLES, found, kefu, read_expect

ITEM_CASES = sorted(p for p in (EXAMPLES / "items").iterdir() if p.is_dir())
COMPANY_CASES = sorted(p for p in (EXAMPLES / "company").iterdir() if p.is_dir())


def compare(res_json: dict, folder: Path) -> None:
    reports = {Path(f["path"]).name: f for f in res_json["files"]}
    records = sorted(p for p in folder.glob("*.yaml") if p.name != "kefu.yaml")
    assert sorted(reports) == [p.name for p in records]
    for path in records:
        expect = read_expect(path)
        assert found(reports[path.name], "error", with_rule=False) == expect.errors, (path.name, reports[path.name])


def test_there_are_cases() -> None:
    assert len(ITEM_CASES) >= 4 and len(COMPANY_CASES) >= 2


@pytest.mark.parametrize("folder", ITEM_CASES, ids=lambda p: p.name)
def test_items_example(folder: Path) -> None:
    res = kefu("check", "--format", "json", str(folder))
    compare(res.json, folder)
    expected_any = any(read_expect(p).errors for p in folder.glob("*.yaml"))
    assert res.code == (1 if expected_any else 0)


@pytest.mark.parametrize("folder", COMPANY_CASES, ids=lambda p: p.name)
def test_company_example(folder: Path) -> None:
    records = [str(p) for p in sorted(folder.glob("*.yaml")) if p.name != "kefu.yaml"]
    res = kefu("check", "--format", "json", "--config", str(folder / "kefu.yaml"), *records)
    compare(res.json, folder)


def test_each_log_alone_is_clean_where_its_breach_needs_the_other_log() -> None:
    """Checked alone, the callback follow-up is not "a repair without an appointment"."""
    day = EXAMPLES / "items" / "callback-next-shift" / "2026-11-22-day.ok.yaml"
    res = kefu("check", "--format", "json", str(day))
    assert found(res.json["files"][0], "error") == set() and res.code == 0


def test_item_findings_name_the_item() -> None:
    res = kefu("check", "--format", "json", str(EXAMPLES / "items" / "handover-dropped"))
    by_file = {Path(f["path"]).name: f for f in res.json["files"]}
    (dropped,) = by_file["2026-11-23-night.bad.yaml"]["findings"]
    assert dropped["rule"] == "handover-followup" and dropped["entry"] is None and dropped["field"] == "handover"
    assert "2026-11-23/白班/2" in dropped["message"] and dropped["item"] == "2026-11-23/白班/2"
    (late,) = by_file["2026-11-24-day.bad.yaml"]["findings"]
    assert late["item"] == "2026-11-23/白班/1" and "1 小时" in late["message"]
    items = {i["id"]: i for i in res.json["items"]}
    repair = items["2026-11-23/白班/1"]
    assert [e["entry"] for e in repair["entries"]] == [1, 2] and repair["closed"] is True
    assert repair["rules"]["callback"]["status"] == "breached" and repair["rules"]["callback"]["late_minutes"] == 60


# --------------------------------------------------------------------------- our own cases
from recordhelp import entry, shift_log  # noqa: E402


def check_folder(folder: Path, *extra: str):
    return kefu("check", "--format", "json", str(folder), *extra)


def by_name(res) -> dict[str, dict]:
    return {Path(f["path"]).name: f for f in res.json["files"]}


def test_an_item_over_three_shifts_and_midnight(tmp_path: Path) -> None:
    """Received on the day shift, repaired at night after midnight, called back the next morning."""
    shift_log(tmp_path, "2026-11-23", "白班", [
        entry(1, "19:30", crm_at="19:35", appointment_at="2026-11-24 00:30", dispatched_at="19:40", status="open")])
    shift_log(tmp_path, "2026-11-23", "夜班", [
        entry(1, "00:20", follows="2026-11-23/白班/1", arrived_at="00:25", done_at="01:10", signed=True,
              status="open")])
    shift_log(tmp_path, "2026-11-24", "白班", [
        entry(1, "09:00", follows="2026-11-23/夜班/1", callback_at="09:00", callback_result="satisfied")])
    res = check_folder(tmp_path)
    assert res.code == 0, res.json
    (item,) = [i for i in res.json["items"] if i["id"] == "2026-11-23/白班/1"]
    assert len(item["entries"]) == 3 and item["rules"]["callback"]["status"] == "met"
    assert item["rules"]["repair-on-time"]["status"] == "met"


def test_a_callback_too_late_two_shifts_later_is_caught_on_its_line(tmp_path: Path) -> None:
    shift_log(tmp_path, "2026-11-23", "白班", [
        entry(1, "08:30", appointment_at="09:00", arrived_at="09:00", done_at="10:00", signed=True, status="open")])
    shift_log(tmp_path, "2026-11-23", "夜班", [], open_=["2026-11-23/白班/1"])
    shift_log(tmp_path, "2026-11-24", "白班", [
        entry(2, "10:01", follows="2026-11-23/白班/1", callback_at="10:01", callback_result="satisfied")])
    res = check_folder(tmp_path)
    day2 = by_name(res)["2026-11-24-day.yaml"]
    assert found(day2, "error") == {("2", "callback_at", "callback")}
    (late,) = [f for f in day2["findings"] if f["rule"] == "callback"]
    assert "超时 1 分钟" in late["message"] and late["item"] == "2026-11-23/白班/1"


def test_as_of_a_month_counts_what_later_logs_record(tmp_path: Path) -> None:
    """--as-of after the whole month: an item called back in a later log is not "still not called back"."""
    shift_log(tmp_path, "2026-11-23", "白班", [
        entry(1, "08:30", appointment_at="09:00", arrived_at="09:00", done_at="10:00", signed=True, status="open")])
    shift_log(tmp_path, "2026-11-23", "夜班", [
        entry(1, "21:00", follows="2026-11-23/白班/1", callback_at="21:00", callback_result="satisfied")])
    assert check_folder(tmp_path, "--as-of", "2026-11-30").code == 0


def test_a_follow_up_whose_opening_log_is_not_in_the_run(tmp_path: Path) -> None:
    """No intake among the records: no clock from `at`, no appointment required; the rest still applies."""
    shift_log(tmp_path, "2026-11-24", "白班", [
        entry(1, "09:00", follows="2026-11-20/白班/3", done_at="08:00", callback_at="09:00",
              callback_result="satisfied"),
        entry(2, "10:00", follows="T-2026-0099", callback_result="unsatisfied")])
    res = check_folder(tmp_path)
    log = res.json["files"][0]
    errors = found(log, "error")
    assert ("1", "appointment_at", "repair-appointment") not in errors
    assert ("2", "status", "unsatisfied-callback") in errors  # still judged on the entries present
    assert {i["id"] for i in res.json["items"]} == {"2026-11-20/白班/3", "T-2026-0099"}


def test_a_dropped_item_is_reported_on_the_shift_that_dropped_it(tmp_path: Path) -> None:
    shift_log(tmp_path, "2026-11-23", "白班", [entry(1, "09:00", "complaint", crm_at="09:10", status="open")])
    shift_log(tmp_path, "2026-11-23", "夜班", [entry(1, "21:00", "inquiry")])
    shift_log(tmp_path, "2026-11-24", "白班", [entry(1, "09:00", "inquiry")])
    res = by_name(check_folder(tmp_path))
    assert found(res["2026-11-23-night.yaml"], "error") == {("-", "handover", "handover-followup")}
    assert found(res["2026-11-24-day.yaml"], "error") == set()  # the night did not hand it on: nothing to follow


@pytest.mark.parametrize("case", ["cycle", "self", "two-openings"])
def test_strange_links_are_findings_not_hangs(tmp_path: Path, case: str) -> None:
    if case == "cycle":
        shift_log(tmp_path, "2026-11-23", "白班", [
            entry(1, "09:00", "inquiry", follows="2026-11-23/白班/2"),
            entry(2, "09:10", "inquiry", follows="2026-11-23/白班/1")])
    elif case == "self":
        shift_log(tmp_path, "2026-11-23", "白班", [entry(1, "09:00", "inquiry", follows="2026-11-23/白班/1")])
    else:
        shift_log(tmp_path, "2026-11-23", "白班", [entry(1, "09:00", "inquiry", ticket="T1"),
                                                  entry(2, "10:00", "inquiry", ticket="T1")])
    res = check_folder(tmp_path)
    assert res.code in (0, 1)
    errors = found(res.json["files"][0], "error")
    if case == "self":
        assert errors == {("1", "follows", "follows")}
        assert "本项自己" in res.json["files"][0]["findings"][0]["message"]
    elif case == "cycle":
        (item,) = res.json["items"]  # one matter, whose entries all follow: no opening entry
        assert item["received"] is None and len(item["entries"]) == 2
    else:
        (item,) = res.json["items"]
        assert item["id"] == "T1" and item["received"] == "2026-11-23 09:00"  # the earliest opens it


def test_ten_thousand_entries_on_one_ticket(tmp_path: Path) -> None:
    entries = [entry(1, "08:01", "inquiry", ticket="T-BIG")]
    entries += [entry(n, f"{8 + n // 1000:02d}:{(n // 20) % 50 + 2:02d}", "inquiry", ticket="T-BIG")
                for n in range(2, 10_001)]
    shift_log(tmp_path, "2026-11-23", "白班", entries)
    res = kefu("check", "--format", "json", str(tmp_path), timeout=300)
    assert res.code in (0, 1)
    (item,) = res.json["items"]
    assert item["id"] == "T-BIG" and len(item["entries"]) == 10_000


def test_a_month_on_both_cores_reads_as_on_one(tmp_path: Path) -> None:
    """Folders are checked one estate per worker; the report is the one a single process gives.

    Two files name their estate in ways the grouping cannot see at a glance (a comment after
    the name, a quoted name): their estate is linked as a whole in the parent instead, and a
    callback written in one of them is still found late on its line.
    """
    estates = ["东湖湾", "西溪悦府", "翠湖花园", "滨江苑", "金桂园"]
    for estate in estates:
        folder = tmp_path / estate
        folder.mkdir()
        for day in range(1, 5):
            date = f"2026-11-{day:02d}"
            shift_log(folder, date, "白班", [
                entry(1, "08:30", appointment_at="09:00", arrived_at="09:00", done_at="10:00", signed=True,
                      status="open"),
                entry(2, "09:00", "complaint", crm_at="09:10", status="open")], project=estate)
            late = day == 3  # called back 34 h after the repair: late, found in the night log
            shift_log(folder, date, "夜班", [
                entry(1, "21:00", follows=f"{date}/白班/1", callback_at="21:00", callback_result="satisfied"),
                entry(2, "22:00", "inquiry")] if not late else [entry(2, "22:00", "inquiry")], project=estate)
            if late:
                shift_log(folder, f"2026-11-{day + 1:02d}", "夜班", [
                    entry(5, "20:30", follows=f"{date}/白班/1", callback_at="20:30", callback_result="satisfied")],
                    project=estate, name=f"{date}-late.yaml")
    odd = tmp_path / "东湖湾" / "2026-11-03-late.yaml"
    odd.write_text(odd.read_text(encoding="utf-8").replace("project: 东湖湾", "project: 东湖湾  # 一期"),
                   encoding="utf-8")
    quoted = tmp_path / "滨江苑" / "2026-11-02-day.yaml"
    quoted.write_text(quoted.read_text(encoding="utf-8").replace("project: 滨江苑", "project: '滨江苑'"),
                      encoding="utf-8")
    one = check_folder(tmp_path, "--jobs", "1")
    two = check_folder(tmp_path, "--jobs", "2")
    assert len(one.json["files"]) == 5 * 9 and one.json == two.json and one.code == two.code == 1
    late = [f for f in two.json["files"] if Path(f["path"]).name == "2026-11-03-late.yaml"]
    assert len(late) == 5 and all(("5", "callback_at", "callback") in found(f, "error") for f in late)
    assert {i["project"] for i in two.json["items"]} == set(estates)
