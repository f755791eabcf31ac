"""Records in Excel: the template kefu writes, filled in as the front desk would, read back and checked.

A workbook with the same content as a YAML record must read to the same data
and give the same findings; everything that is not such a workbook is one
clear Chinese message naming the file (and sheet and cell), never a traceback,
and the file is never changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kefu.check import engine
from kefu.check.new_xlsx import workbook
from kefu.check.xlsx_record import check_xlsx
from kefu.load import LoadError, plain, read_yaml, require
from kefu.load.xlsx import layout, read_xlsx
from kefu.model import Form, FormField
from xlsxfill import fill, fill_bytes

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "tests" / "contracts" / "examples"
RECORDS = REPO / "tests" / "fixtures" / "records"
KEFU = [sys.executable, "-m", "kefu.cli"]


@pytest.fixture(scope="module")
def state() -> engine.State:
    book, _ = require(REPO / "procedures", REPO / "kefu.yaml", records_only=True)
    return engine.State.build(book, engine.Settings())


def yaml_records() -> list[Path]:
    found = sorted(EXAMPLES.glob("*.yaml")) + sorted(EXAMPLES.glob("items/*/*.yaml"))
    found += sorted(RECORDS.glob("*.yaml"))
    out = []
    for p in found:
        try:
            data = read_yaml(p)
        except LoadError:
            continue
        if isinstance(data, dict) and data.get("form") in ("shift-log", "incident-report", "inspection"):
            out.append(p)
    return out


def normal(value: Any, fields: list[FormField]) -> Any:
    """Plain record data with enumerations as their keys, booleans and strings as the Reader reads them."""
    if not isinstance(value, dict):
        return value
    by_key = {f.key: f for f in fields}
    out = {}
    for k, v in value.items():
        f = by_key.get(k)
        if v == [] and f is not None and f.type == "list":
            continue  # an empty list is a blank cell
        if f is None or v is None:
            out[k] = v
            continue
        if f.type == "table":
            out[k] = [normal(row, f.fields) for row in v] if isinstance(v, list) else v
        elif f.type == "mapping":
            out[k] = normal(v, f.fields)
        elif f.type == "enum":
            c = f.choice(str(v))
            out[k] = c.value if c else v
        elif f.type == "boolean":
            out[k] = {"是": True, "否": False}.get(v, v) if isinstance(v, str) else v
        elif f.type in ("string", "text") and not isinstance(v, (list, dict)):
            out[k] = str(v)
        elif f.type == "list" and isinstance(v, list):
            out[k] = [str(x) if (f.items or "string") == "string" else x for x in v]
        elif f.type == "list":
            out[k] = [v]
        else:
            out[k] = v
    return out


def filled(state: engine.State, form: Form, record: dict[str, Any], tmp: Path, name: str) -> Path:
    path = tmp / name
    path.write_bytes(fill_bytes(workbook(state.book, form, date=None, shift=None), form, record))
    return path


def check_yaml(path: str, shown: str, state: engine.State) -> Any:
    """One YAML record checked on its own, as kefu check does (phase 1, then the item rules)."""
    return engine.check_results([engine.read_file(path, shown, state)], state).files[0]


def findings_of(report: Any) -> list[tuple[Any, ...]]:
    """What a supervisor reads of each finding (lines differ between a YAML file and a sheet)."""
    def said(f: Any) -> str:
        text = re.sub(r"第 \d+ 行", "第 N 行", f.render())
        return text.replace("实为 false", "实为 否").replace("实为 true", "实为 是")  # 是/否 from the drop-down

    return sorted((f.rule, f.severity, str(f.entry), f.field or "", said(f)) for f in report.findings)


# --------------------------------------------------------------------------
# The template


def test_template_has_dropdowns_headers_and_frozen_rows(state: engine.State) -> None:
    form = state.book.forms["shift-log"]
    wb = openpyxl.load_workbook(io.BytesIO(workbook(state.book, form, date="2026-11-23", shift="夜班")))
    ws = wb.worksheets[0]
    lay = layout(form)
    header = next(r for r in ws.iter_rows() if r[0].value == "序号")
    labels = [c.value for c in header if c.value]
    assert labels == [c.label for c in lay.columns]
    assert {"受理时间", "渠道", "类别", "事项内容", "状态", "回访时间"} <= set(labels)
    assert ws.freeze_panes == f"A{header[0].row + 1}"
    assert ws.auto_filter.ref.startswith(f"A{header[0].row}:")
    lists = {}
    for dv in ws.data_validations.dataValidation:
        if dv.type == "list":
            for rng in dv.sqref.ranges:
                lists[rng.coord.split(":")[0]] = dv.formula1
    col = {c.value: c.column_letter for c in header}
    first = header[0].row + 1
    assert "投诉" in lists[f"{col['类别']}{first}"] and "报修" in lists[f"{col['类别']}{first}"]
    assert "电话" in lists[f"{col['渠道']}{first}"]
    assert "已完成" in lists[f"{col['状态']}{first}"]
    # time columns show what is typed as a time
    assert ws[f"{col['受理时间']}{first}"].number_format == "hh:mm"
    # the shift's window came from the company file
    values = [c.value for row in ws.iter_rows(max_row=header[0].row - 1) for c in row if c.value]
    assert "夜班" in values and "20:00" in values and "2026-11-23" in values


def test_new_xlsx_cli_refuses_a_terminal_and_writes_a_file(tmp_path: Path) -> None:
    out = tmp_path / "值班记录.xlsx"
    run = subprocess.run([*KEFU, "new", "shift-log", "--format", "xlsx", "--out", str(out)],
                         capture_output=True, cwd=REPO)
    assert run.returncode == 0, run.stderr
    assert zipfile.is_zipfile(out)
    piped = subprocess.run([*KEFU, "new", "inspection", "--format", "xlsx", "--role", "客服管家"],
                           capture_output=True, cwd=REPO)
    assert piped.returncode == 0 and piped.stdout[:2] == b"PK"
    wb = openpyxl.load_workbook(io.BytesIO(piped.stdout))
    assert "岗位工作质量" in [c.value for row in wb.worksheets[0].iter_rows() for c in row]
    tty = subprocess.run(["script", "-qec", " ".join([*KEFU, "new", "shift-log", "--format", "xlsx"]),
                          "/dev/null"], capture_output=True, cwd=REPO)
    assert tty.returncode != 0 and b"PK" not in tty.stdout
    assert "--out" in tty.stdout.decode("utf-8", "replace")


# --------------------------------------------------------------------------
# Round trips: same content, same data, same findings


@pytest.mark.parametrize("path", yaml_records(), ids=lambda p: str(p.relative_to(REPO / "tests")))
def test_filled_workbook_reads_and_checks_like_the_yaml(state: engine.State, path: Path, tmp_path: Path) -> None:
    data = read_yaml(path)
    form = state.forms[data["form"]]
    record = plain(data)
    xlsx = filled(state, form, record, tmp_path, path.stem + ".xlsx")
    read, _cells = read_xlsx(xlsx, xlsx.name, state.forms)
    expected = normal(record, form.fields)
    got = normal(plain(read), form.fields)
    expected.pop("form"), got.pop("form")
    assert got == expected
    from_yaml = check_yaml(str(path), path.name, state)
    from_xlsx = check_xlsx(str(xlsx), xlsx.name, state)
    assert from_xlsx.readable and from_yaml.readable
    assert findings_of(from_xlsx) == findings_of(from_yaml)
    for f in from_xlsx.findings:
        assert f.cell and f.cell.startswith(f"{layout(form).sheet}!"), f
        assert int(re.sub(r"\D", "", f.cell.split("!")[1])) == f.line


def test_a_late_crm_entry_names_its_cell(state: engine.State, tmp_path: Path) -> None:
    path = EXAMPLES / "complaint-late-crm.bad.yaml"
    record = plain(read_yaml(path))
    form = state.forms["shift-log"]
    xlsx = filled(state, form, record, tmp_path, "2026-11-23-夜班.xlsx")
    report = check_xlsx(str(xlsx), xlsx.name, state)
    late = [f for f in report.findings if f.rule == "complaint-crm-entry"]
    assert late, report
    ws = openpyxl.load_workbook(xlsx).worksheets[0]
    ref = late[0].cell.split("!")[1]
    header = next(r for r in ws.iter_rows() if r[0].value == "序号")
    assert ws[f"{ref[0]}{header[0].row}"].value == "录入 CRM 时间"
    assert f"2026-11-23-夜班.xlsx:值班记录!{ref}" in late[0].text()
    assert late[0].as_json()["cell"] == f"值班记录!{ref}"


def test_yaml_written_from_a_workbook_gives_the_same_findings(state: engine.State, tmp_path: Path) -> None:
    """The other way round: a workbook filled by hand, its content written out as YAML."""
    import yaml

    form = state.forms["shift-log"]
    template = workbook(state.book, form, date="2026-11-21", shift="夜班")
    wb = fill(template, form, {"project": "东湖湾名苑", "date": "2026-11-21", "shift": "夜班", "start": "20:00",
                               "end": "08:00", "staff": ["张敏", "李强"], "online_checks": ["21:00", "23:30"],
                               "handover": {"to": "王芳", "at": "08:00", "open": [1]},
                               "entries": [{"no": 1, "at": "23:10", "channel": "电话", "type": "投诉",
                                            "content": "楼上噪音", "crm_at": "02:40", "status": "未完成"},
                                           {"no": 2, "at": "23:40", "channel": "来访", "type": "报修",
                                            "content": "水龙头漏水", "status": "已完成"}]})
    xlsx = tmp_path / "hand.xlsx"
    wb.save(xlsx)
    read, _ = read_xlsx(xlsx, "hand.xlsx", state.forms)
    out = tmp_path / "hand.yaml"
    out.write_text(yaml.safe_dump(plain(read), allow_unicode=True), encoding="utf-8")
    a = findings_of(check_xlsx(str(xlsx), "hand.xlsx", state))
    b = findings_of(check_yaml(str(out), "hand.yaml", state))
    assert a == b
    assert any(r[0] == "complaint-crm-entry" for r in a)
    assert any(r[0] == "online-browsing" for r in a)


# --------------------------------------------------------------------------
# What people do to spreadsheets


def _sheet_with_entries(state: engine.State) -> tuple[openpyxl.Workbook, Any, dict[str, int], int]:
    form = state.forms["shift-log"]
    record = plain(read_yaml(EXAMPLES / "night-shift.ok.yaml"))
    wb = fill(workbook(state.book, form), form, record)
    ws = wb.worksheets[0]
    header = next(r for r in ws.iter_rows() if r[0].value == "序号")
    return wb, ws, {c.value: c.column for c in header if c.value}, header[0].row


def test_merged_cells_empty_rows_text_dates_renamed_sheet(state: engine.State, tmp_path: Path) -> None:
    wb, ws, col, head = _sheet_with_entries(state)
    ws.title = "11月23日夜班"  # renamed
    r = head + 3  # two empty rows after the first entry
    for name, value in (("序号", 2), ("受理时间", dt.time(2, 5)), ("类别", "咨询"), ("事项内容", "询问停水安排"),
                        ("状态", "已完成")):
        ws.cell(row=r, column=col[name], value=value)
    ws.cell(row=r, column=col["渠道"], value="电话")
    ws.merge_cells(start_row=r, start_column=col["渠道"], end_row=r + 1, end_column=col["渠道"])
    for name, value in (("序号", 3), ("受理时间", "3：15"), ("类别", "咨询"), ("事项内容", "询问快递点"),
                        ("状态", "已完成")):
        ws.cell(row=r + 1, column=col[name], value=value)
    date_cell = next(c for row in ws.iter_rows(max_row=head) for c in row if c.value == "值班日期")
    ws.cell(row=date_cell.row, column=date_cell.column + 1, value="2026年11月20日")  # a date typed as text
    path = tmp_path / "merged.xlsx"
    wb.save(path)
    read, cells = read_xlsx(path, "merged.xlsx", state.forms)
    assert read["date"] == "2026-11-20"
    entries = read["entries"]
    assert [e["no"] for e in entries] == [1, 2, 3]
    assert entries[2]["channel"] == "电话"  # the merged cell counts for both rows
    assert entries[2]["at"] == "3:15"
    assert entries[1]["at"] == "02:05"
    assert cells[(r + 1, "at")] == f"11月23日夜班!{ws.cell(row=r + 1, column=col['受理时间']).column_letter}{r + 1}"
    report = check_xlsx(str(path), "merged.xlsx", state)
    assert report.readable
    assert [f for f in report.findings if f.rule in ("bad-value", "missing-key")] == []


def test_formula_cell_counts_with_its_value(state: engine.State, tmp_path: Path) -> None:
    """Excel saves a formula with its last value; the record holds what the clerk sees."""
    wb, ws, col, head = _sheet_with_entries(state)
    c = ws.cell(row=head + 1, column=col["录入 CRM 时间"])
    letter = c.column_letter
    path = tmp_path / "formula.xlsx"
    wb.save(path)
    # what Excel writes for =D8+1/24 showing 00:30: the formula and its cached value
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    cell = re.search(rf'<c r="{letter}{head + 1}"[^>]*?(/>|>.*?</c>)', sheet)
    assert cell
    style = re.search(r's="(\d+)"', cell.group(0))
    new = (f'<c r="{letter}{head + 1}"{f" s={chr(34)}{style.group(1)}{chr(34)}" if style else ""}>'
           f'<f>D{head + 1}+1/24</f><v>0.020833333333333332</v></c>')
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(cell.group(0), new).encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)
    read, _ = read_xlsx(path, "formula.xlsx", state.forms)
    assert read["entries"][0]["crm_at"] == "00:30"


def test_protected_sheet_is_read(state: engine.State, tmp_path: Path) -> None:
    wb, ws, _, _ = _sheet_with_entries(state)
    ws.protection.sheet = True
    ws.protection.password = "1234"
    path = tmp_path / "protected.xlsx"
    wb.save(path)
    report = check_xlsx(str(path), "protected.xlsx", state)
    assert report.readable and report.findings == []


def test_enumeration_typed_where_there_is_no_dropdown(state: engine.State, tmp_path: Path) -> None:
    wb, ws, col, head = _sheet_with_entries(state)
    r = head + 600  # below the rows the template validated
    for name, value in (("序号", 2), ("受理时间", dt.time(3, 0)), ("渠道", "电邮"), ("类别", "咨询"),
                        ("事项内容", "询问"), ("状态", "已完成")):
        ws.cell(row=r, column=col[name], value=value)
    path = tmp_path / "typed.xlsx"
    wb.save(path)
    report = check_xlsx(str(path), "typed.xlsx", state)
    bad = [f for f in report.findings if f.rule == "bad-value"]
    assert len(bad) == 1 and bad[0].field == "channel"
    assert bad[0].cell == f"值班记录!{ws.cell(row=r, column=col['渠道']).column_letter}{r}"
    assert "电邮" in bad[0].render() and "电话" in bad[0].render()
    assert f"typed.xlsx:{bad[0].cell}" in bad[0].text()


# --------------------------------------------------------------------------
# Not a record at all: code 2, a Chinese message naming the file, the file untouched


def _bad_files(tmp: Path, state: engine.State) -> dict[str, tuple[Path, str]]:
    out: dict[str, tuple[Path, str]] = {}
    other = openpyxl.Workbook()
    other.active.append(["姓名", "电话"])
    other.active.append(["张三", "138****0000"])
    p = tmp / "通讯录.xlsx"
    other.save(p)
    out["not-template"] = (p, "不是 kefu 记录表")
    good = workbook(state.book, state.forms["shift-log"])
    p = tmp / "corrupt.xlsx"
    p.write_bytes(good[: len(good) // 2])
    out["corrupt"] = (p, "损坏")
    p = tmp / "old.xls"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "Workbook".encode("utf-16-le") + b"\0" * 1000)
    out["xls"] = (p, ".xls")
    from msoffcrypto.format.ooxml import OOXMLFile

    locked = io.BytesIO()
    OOXMLFile(io.BytesIO(good)).encrypt("1234", locked)  # what Excel's 用密码进行加密 writes
    p = tmp / "locked.xlsx"
    p.write_bytes(locked.getvalue())
    out["password"] = (p, "密码")
    p = tmp / "renamed.xlsx"
    p.write_text("项目,日期\n东湖湾名苑,2026-11-23\n", encoding="utf-8-sig")
    out["csv"] = (p, "CSV")
    p = tmp / "big.xlsx"
    big = openpyxl.Workbook(write_only=True)
    ws = big.create_sheet("值班记录")
    ws.append(["表单", "值班记录表"])
    for i in range(100_000):
        ws.append([i, "23:40", "电话", "咨询", "询问"])
    big.save(p)
    out["100k-rows"] = (p, "5000")
    return out


def test_bad_workbooks_are_one_message_each_and_untouched(state: engine.State, tmp_path: Path) -> None:
    bad = _bad_files(tmp_path, state)
    before = {k: hashlib.sha256(p.read_bytes()).hexdigest() for k, (p, _) in bad.items()}
    for name, (path, words) in bad.items():
        with pytest.raises(LoadError) as info:
            read_xlsx(path, path.name, state.forms)
        assert words in info.value.zh, (name, info.value.zh)
        assert path.name in str(info.value)
        report = check_xlsx(str(path), path.name, state)
        assert not report.readable and report.findings[0].rule == "unreadable"
        assert words in report.findings[0].render()
    after = {k: hashlib.sha256(p.read_bytes()).hexdigest() for k, (p, _) in bad.items()}
    assert after == before


def test_a_form_cell_naming_no_form_says_which_names_work(state: engine.State, tmp_path: Path) -> None:
    wb, ws, _, _ = _sheet_with_entries(state)
    cell = next(c for row in ws.iter_rows(max_row=5) for c in row if c.value == "表单")
    ws.cell(row=cell.row, column=cell.column + 1, value="值班表")
    path = tmp_path / "renamed-form.xlsx"
    wb.save(path)
    with pytest.raises(LoadError) as info:
        read_xlsx(path, path.name, state.forms)
    message = str(info.value)
    assert f"值班记录!B{cell.row}" in message and "值班表" in message and "值班记录表" in message


def test_unknown_column_is_an_unknown_key_naming_the_cell(state: engine.State, tmp_path: Path) -> None:
    wb, ws, col, head = _sheet_with_entries(state)
    extra = max(col.values()) + 1
    ws.cell(row=head, column=extra, value="业主评价")
    ws.cell(row=head + 1, column=extra, value="很好")
    path = tmp_path / "extra.xlsx"
    wb.save(path)
    report = check_xlsx(str(path), "extra.xlsx", state)
    unknown = [f for f in report.findings if f.rule == "unknown-key"]
    assert len(unknown) == 1 and unknown[0].field == "业主评价"
    assert unknown[0].cell.endswith(f"{ws.cell(row=head + 1, column=extra).column_letter}{head + 1}")


def test_an_added_entry_field_is_a_column_and_is_read(state: engine.State, tmp_path: Path) -> None:
    """A company's own entry field (company-rules.md) appears in the template and reads back."""
    import copy

    form = copy.deepcopy(state.forms["shift-log"])
    table = next(f for f in form.fields if f.key == "entries")
    table.fields.append(FormField(key="responded_at", label="首次响应时间", type="time"))
    lay = layout(form)
    assert lay.columns[-1].label == "首次响应时间"
    record = plain(read_yaml(EXAMPLES / "night-shift.ok.yaml"))
    record["entries"][0]["responded_at"] = "23:45"
    path = tmp_path / "added.xlsx"
    path.write_bytes(fill_bytes(workbook(state.book, form), form, record))
    ws = openpyxl.load_workbook(path).worksheets[0]
    header = next(r for r in ws.iter_rows() if r[0].value == "序号")
    assert header[len(lay.columns) - 1].value == "首次响应时间"
    read, _ = read_xlsx(path, "added.xlsx", form)
    assert read["entries"][0]["responded_at"] == "23:45"


def test_report_reads_a_folder_of_workbooks(state: engine.State, tmp_path: Path) -> None:
    """kefu report over .xlsx records: the findings name sheet and cell."""
    folder = tmp_path / "logs"
    folder.mkdir()
    form = state.forms["shift-log"]
    for p in (EXAMPLES / "complaint-late-crm.bad.yaml", EXAMPLES / "night-shift.ok.yaml"):
        (folder / (p.stem + ".xlsx")).write_bytes(fill_bytes(workbook(state.book, form), form,
                                                             plain(read_yaml(p))))
    run = subprocess.run([*KEFU, "report", str(folder), "--no-pdf", "--out", str(tmp_path / "r")],
                         capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 0, run.stderr
    findings = (tmp_path / "r" / "findings.csv").read_text(encoding="utf-8-sig")
    assert "complaint-late-crm.bad.xlsx" in findings and "值班记录!" in findings
    assert "投诉受理后 2 小时内录入 CRM" in findings


@pytest.mark.parametrize("case", ["repair-accept", "estate-limit"])
def test_company_fields_and_rules_read_from_a_workbook_as_from_yaml(case: str, tmp_path: Path) -> None:
    """A company's own entry field is a column of its template; its own rule finds the same in both."""
    folder = EXAMPLES / "company" / case
    book, _ = require(REPO / "procedures", folder / "kefu.yaml", records_only=True)
    company = engine.State.build(book, engine.Settings())
    form = company.forms["shift-log"]
    for path in sorted(folder.glob("*.yaml")):
        if path.name == "kefu.yaml":
            continue
        record = plain(read_yaml(path))
        xlsx = tmp_path / (path.stem + ".xlsx")
        xlsx.write_bytes(fill_bytes(workbook(book, form), form, record))
        from_yaml = check_yaml(str(path), path.name, company)
        from_xlsx = check_xlsx(str(xlsx), xlsx.name, company)
        assert findings_of(from_xlsx) == findings_of(from_yaml)
        assert from_yaml.findings, "the example is a .bad one"
        assert all(f.cell for f in from_xlsx.findings)


# --------------------------------------------------------------------------
# kefu check itself reads workbooks (a supervisor's folder may hold both)


@pytest.mark.parametrize("case", ["handover-dropped", "suggestion-unanswered", "follows-typo"])
def test_kefu_check_on_a_folder_of_workbooks_gives_the_yaml_findings_with_cells(
        state: engine.State, tmp_path: Path, case: str) -> None:
    """The contract's items examples as workbooks: the same (entry, field, rule) per file, linked across
    shifts, each finding naming its sheet and cell; the workbooks are not changed by the check."""
    from checkhelp import found, kefu

    folder = EXAMPLES / "items" / case
    form = state.forms["shift-log"]
    books = tmp_path / "books"
    books.mkdir()
    for path in sorted(folder.glob("*.yaml")):
        filled(state, form, plain(read_yaml(path)), books, path.stem.replace(".ok", "").replace(".bad", "") + ".xlsx")
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in books.iterdir()}
    from_yaml = kefu("check", "--format", "json", str(folder)).json
    from_xlsx = kefu("check", "--format", "json", str(books))
    assert from_xlsx.code == (1 if from_yaml["summary"]["errors"] else 0)
    want = {Path(f["path"]).name.split(".")[0]: found(f, "error") for f in from_yaml["files"]}
    got = {Path(f["path"]).name.split(".")[0]: found(f, "error") for f in from_xlsx.json["files"]}
    assert got == want
    for f in from_xlsx.json["files"]:
        for finding in f["findings"]:
            assert finding["cell"] and finding["cell"].startswith("值班记录!"), finding
    assert before == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in books.iterdir()}
    text = kefu("check", str(books)).stdout
    assert re.search(r"\.xlsx:值班记录![A-Z]+\d+: error ", text), text
