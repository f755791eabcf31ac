"""``kefu check`` as supervisors use it: the contract's examples, every rule on both sides of
its limit, bad input of every kind, personal data, languages, company overrides, many files."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from checkhelp import EXAMPLES, RECORDS, REPO, SITE, found, kefu, make_content, read_expect
from kefu.check.contract import CONTRACT_RULES, RECORD_FORMS
from kefu.check.rules import REGISTRY

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
FIXTURE_FILES = sorted(RECORDS.glob("*.yaml"))


def check_json(path: Path, *extra: str) -> dict:
    res = kefu("check", "--format", "json", str(path), *extra)
    assert res.code in (0, 1, 2), res.stderr
    return res.json


# --------------------------------------------------------------------------- the contract


def test_contract_examples_are_in_the_repository() -> None:
    """The repository's copy of the contracts holds the examples: none may be silently left out."""
    assert len(EXAMPLE_FILES) >= 6, f"no contract examples in {EXAMPLES}"


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_contract_example(path: Path) -> None:
    """Each example gives exactly the (entry, field) errors its `# expect:` lines name."""
    expect = read_expect(path)
    extra = ["--as-of", expect.as_of] if expect.as_of else []
    res = kefu("check", "--format", "json", str(path), *extra)
    report = res.json["files"][0]
    assert report["readable"] is True
    errors = found(report, "error", with_rule=False)
    assert errors == expect.errors, report["findings"]
    assert res.code == (1 if expect.errors else 0)


def test_every_contract_rule_is_applied(shipped) -> None:
    """Each contract id is applied: a timed declaration in YAML, or implemented once in code."""
    book, _ = shipped
    for rule_id, (form, _) in CONTRACT_RULES.items():
        rule = book.rules[rule_id]
        assert rule.checked and rule.form == form, rule_id
        assert rule_id in REGISTRY or rule.timed, rule_id


def test_fixtures_cover_every_rule() -> None:
    """Every rule id of the contract is expected in at least one failing fixture."""
    named = set()
    for path in FIXTURE_FILES:
        named |= {rule for (_, _, rule) in read_expect(path).errors}
    between_logs = {"follows", "handover-followup"}  # test_items.py checks them on folders of logs
    assert set(CONTRACT_RULES) - between_logs <= named, set(CONTRACT_RULES) - named


# --------------------------------------------------------------------------- every rule, both sides


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
def test_fixture(path: Path, content: Path) -> None:
    """The (entry, field, rule) of errors and warnings are exactly those the header names."""
    expect = read_expect(path)
    extra = ["--as-of", expect.as_of] if expect.as_of else []
    res = kefu("check", "--format", "json", "--content", str(content), str(path), *extra)
    report = res.json["files"][0]
    assert report["readable"], report
    assert found(report, "error") == expect.errors, report["findings"]
    assert found(report, "warning") == expect.warnings, report["findings"]
    assert res.code == (1 if expect.errors else 0)
    assert path.name.endswith(".bad.yaml") == bool(expect.errors)


def test_finding_names_expected_and_found(content: Path) -> None:
    """A message says what the record says and what the limit is, and links the rule's page."""
    res = kefu("check", "--content", str(content), str(RECORDS / "complaint-crm-late.bad.yaml"))
    assert res.code == 1
    line = res.stdout.splitlines()[0]
    assert re.match(r"^.*complaint-crm-late\.bad\.yaml:\d+: error complaint-crm-entry: ", line), line
    assert "投诉受理 09:00" in line and "录入 CRM 11:01" in line
    assert "超时 1 分钟" in line and "时限 2 小时" in line
    assert line.endswith(f" {SITE}sla/#complaint-crm-entry")
    assert "1 个错误" in res.stdout.splitlines()[-1]


def test_night_shift_message_uses_record_times(content: Path) -> None:
    report = check_json(RECORDS / "night-cross-midnight-late.bad.yaml", "--content", str(content))["files"][0]
    (f,) = report["findings"]
    assert "23:30" in f["message"] and "01:40" in f["message"] and "10 分钟" in f["message"]
    assert f["help"] == f"{SITE}sla/#complaint-crm-entry"


def test_line_points_at_the_value(content: Path) -> None:
    path = RECORDS / "complaint-crm-late.bad.yaml"
    (f,) = check_json(path, "--content", str(content))["files"][0]["findings"]
    assert path.read_text(encoding="utf-8").splitlines()[f["line"] - 1].strip() == 'crm_at: "11:01"'


def test_unknown_key_names_the_nearest(content: Path) -> None:
    report = check_json(RECORDS / "bad-values.bad.yaml", "--content", str(content))["files"][0]
    (f,) = [f for f in report["findings"] if f["rule"] == "unknown-key"]
    assert "crm_ta" in f["message"] and "crm_at" in f["message"]


def test_as_of_earlier_makes_deadline_pending(content: Path) -> None:
    """Checked at 10:00, a complaint taken at 09:00 with no CRM entry is not yet late."""
    path = RECORDS / "complaint-crm-missing.bad.yaml"
    assert kefu("check", "--content", str(content), str(path), "--as-of", "2026-11-20 10:00").code == 0
    assert kefu("check", "--content", str(content), str(path), "--as-of", "2026-11-20 11:01").code == 1


# --------------------------------------------------------------------------- company file


def test_company_limit_override_changes_verdict(tmp_path: Path) -> None:
    content = make_content(tmp_path)
    path = RECORDS / "complaint-crm-late.bad.yaml"
    assert kefu("check", "--content", str(content), str(path)).code == 1
    cfg = tmp_path / "company.yaml"
    cfg.write_text((tmp_path / "kefu.yaml").read_text(encoding="utf-8")
                   + "rules:\n  complaint-crm-entry:\n    limit: {value: 3, unit: hours}\n", encoding="utf-8")
    res = kefu("check", "--content", str(content), "--config", str(cfg), str(path))
    assert res.code == 0, res.stdout
    stricter = tmp_path / "strict.yaml"
    stricter.write_text((tmp_path / "kefu.yaml").read_text(encoding="utf-8")
                        + "rules:\n  complaint-crm-entry:\n    limit: {value: 30, unit: minutes}\n", encoding="utf-8")
    res = kefu("check", "--content", str(content), "--config", str(stricter),
               str(RECORDS / "complaint-crm-at-limit.ok.yaml"))
    assert res.code == 1 and "时限 30 分钟" in res.stdout


def test_company_holiday_and_workday(tmp_path: Path) -> None:
    """A company day off pushes the deadline; a company working Saturday pulls it in."""
    content = make_content(tmp_path)
    at_limit = RECORDS / "suggestion-reply-at-limit.ok.yaml"  # Fri 11-20 -> Wed 11-25
    over = RECORDS / "suggestion-reply-over.bad.yaml"  # reply due Thu 11-26
    base = (tmp_path / "kefu.yaml").read_text(encoding="utf-8")
    holiday = tmp_path / "holiday.yaml"
    holiday.write_text(base.replace("  site_url", "  holidays: [2026-11-23]\n  site_url"), encoding="utf-8")
    assert kefu("check", "--content", str(content), "--config", str(holiday), str(over)).code == 0
    workday = tmp_path / "workday.yaml"
    workday.write_text(base.replace("  site_url", "  workdays: [2026-11-21]\n  site_url"), encoding="utf-8")
    assert kefu("check", "--content", str(content), "--config", str(workday), str(at_limit)).code == 1


def test_variant_override(tmp_path: Path) -> None:
    content = make_content(tmp_path)
    cfg = tmp_path / "c.yaml"
    cfg.write_text((tmp_path / "kefu.yaml").read_text(encoding="utf-8")
                   + "rules:\n  warranty-completion:\n"
                   "    variants: [{when: {major: true}, limit: {value: 5, unit: days}}]\n", encoding="utf-8")
    res = kefu("check", "--format", "json", "--content", str(content), "--config", str(cfg),
               str(RECORDS / "warranty-major-at-limit.ok.yaml"), "--as-of", "2026-11-28 09:00")
    assert found(res.json["files"][0], "error") == {("1", "done_at", "warranty-completion")}


# --------------------------------------------------------------------------- personal data


ID = "11010519491231002X"


def test_personal_data_masked_in_text_and_json(content: Path) -> None:
    path = RECORDS / "personal-data.bad.yaml"
    assert ID in path.read_text(encoding="utf-8")
    text = kefu("check", "--content", str(content), str(path))
    js = kefu("check", "--format", "json", "--content", str(content), str(path))
    en = kefu("check", "--lang", "en", "--content", str(content), str(path))
    for out in (text.stdout + text.stderr, js.stdout + js.stderr, en.stdout + en.stderr):
        assert ID not in out and "粤B12345" not in out and "粤BD12345" not in out
        assert "1101**********002X" in out and "粤B***45" in out and "粤B****45" in out
    assert text.code == 1 and js.code == 1


def test_personal_data_never_echoed_by_other_findings(content: Path, tmp_path: Path) -> None:
    """An ID number written as an enum value or a key is masked in bad-value/unknown-key messages too."""
    src = (RECORDS / "complaint-crm-at-limit.ok.yaml").read_text(encoding="utf-8")
    path = tmp_path / "leak.yaml"
    path.write_text(src.replace("channel: phone", f"channel: {ID}\n    {ID}: x"), encoding="utf-8")
    res = kefu("check", "--format", "json", "--content", str(content), str(path))
    assert ID not in res.stdout
    rules = {f["rule"] for f in res.json["files"][0]["findings"]}
    assert {"bad-value", "unknown-key", "personal-data"} <= rules


# --------------------------------------------------------------------------- language and CLI


def test_english_messages(content: Path) -> None:
    res = kefu("check", "--lang", "en", "--content", str(content), str(RECORDS / "complaint-crm-late.bad.yaml"))
    assert res.code == 1
    assert "1 min late" in res.stdout and "limit 2 h" in res.stdout
    assert not re.search(r"[\u4e00-\u9fff]", res.stdout.splitlines()[-1])
    assert "1 error(s)" in res.stdout


@pytest.mark.parametrize("args, needle", [  # no path at all: Chinese usage, tests/test_cli.py
    (("--as-of", "2026-13-01 10:00", "x.yaml"), "--as-of"),
    (("--as-of", "tomorrow", "x.yaml"), "--as-of"),
    (("--as-of", "2026-11-20 25:00", "x.yaml"), "--as-of"),
])
def test_command_line_errors(args: tuple[str, ...], needle: str, content: Path) -> None:
    res = kefu("check", "--content", str(content), *args)
    assert res.code == 2
    assert needle in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert res.stdout == ""


def test_missing_company_file(content: Path) -> None:
    res = kefu("check", "--content", str(content), "--config", "/nonexistent/kefu.yaml",
               str(RECORDS / "repair-ok.ok.yaml"))
    assert res.code == 2 and "公司文件不存在" in res.stderr


def test_json_shape(content: Path) -> None:
    res = kefu("check", "--format", "json", "--content", str(content), str(RECORDS / "complaint-crm-late.bad.yaml"),
               str(RECORDS / "repair-ok.ok.yaml"))
    data = res.json
    assert set(data) == {"files", "items", "summary"}
    assert data["summary"] == {"files": 2, "unreadable": 0, "errors": 1, "warnings": 0}
    bad, good = data["files"]
    assert good["findings"] == [] and good["form"] == "shift-log" and good["readable"] is True
    assert bad["record"] == {"project": "东湖湾名苑", "date": "2026-11-20", "shift": "白班", "staff": ["王芳"],
                             "start": "2026-11-20 08:00", "end": "2026-11-20 20:00"}
    (f,) = bad["findings"]
    assert set(f) == {"rule", "severity", "line", "entry", "field", "message", "help", "item"}
    assert f["item"] == "2026-11-20/白班/1"
    (item,) = [i for i in data["items"] if i["id"] == f["item"] and i["entries"][0]["path"] == bad["path"]]
    assert item["type"] == "complaint" and item["received"] == "2026-11-20 09:00"
    assert item["rules"]["complaint-crm-entry"] == {"status": "breached", "due": "2026-11-20 11:00", "late_minutes": 1,
                                                   "stopped": True}
    assert (f["rule"], f["severity"], f["entry"], f["field"]) == ("complaint-crm-entry", "error", 1, "crm_at")
    assert isinstance(f["line"], int)


# --------------------------------------------------------------------------- bad input


def _valid_log() -> str:
    return (RECORDS / "complaint-crm-at-limit.ok.yaml").read_text(encoding="utf-8")


BAD_INPUTS = {
    "gbk.yaml": lambda: _valid_log().replace("楼上噪音", "楼上噪音").encode("gbk"),
    "tabs.yaml": lambda: _valid_log().replace("  - no: 1", "\t- no: 1").encode(),
    "alias-bomb.yaml": lambda: ("form: shift-log\na: &a [x, x, x, x, x, x, x, x, x]\n"
                                + "".join(f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
                                          for p, c in zip("abcdefgh", "bcdefghi", strict=True))).encode(),
    "deep.yaml": lambda: ("form: shift-log\nx: " + "[" * 10000 + "]" * 10000 + "\n").encode(),
    "deep-block.yaml": lambda: ("form: shift-log\n" + "".join(" " * i + f"k{i}:\n" for i in range(3000))).encode(),
    "empty.yaml": lambda: b"",
    "blank.yaml": lambda: b"   \n\n# only a comment\n",
    "list.yaml": lambda: b"- form: shift-log\n- a\n",
    "scalar.yaml": lambda: b"just some words\n",
    "unknown-form.yaml": lambda: b"form: shift-logg\nproject: x\n",
    "no-form.yaml": lambda: b"project: x\n",
    "duplicate-key.yaml": lambda: _valid_log().replace("shift: 白班", "shift: 白班\nshift: 夜班").encode(),
    "syntax.yaml": lambda: b"form: shift-log\nentries: [\n",
    "tag.yaml": lambda: b"form: !!python/object:os.system shift-log\n",
    "binary.json": lambda: bytes(range(256)),
    "broken.json": lambda: b'{"form": "shift-log", ',
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_reported_not_crashed(name: str, tmp_path: Path, content: Path) -> None:
    path = tmp_path / name
    path.write_bytes(BAD_INPUTS[name]())
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    res = kefu("check", "--format", "json", "--content", str(content), str(path))
    assert res.code == 2, res.stdout
    (report,) = res.json["files"]
    assert report["readable"] is False and report["path"] == str(path)
    (f,) = report["findings"]
    assert f["rule"] == "unreadable" and f["severity"] == "error" and f["message"]
    assert res.json["summary"]["unreadable"] == 1
    text = kefu("check", "--content", str(content), str(path))
    assert text.code == 2 and text.stdout.startswith(f"{path}")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_huge_file_refused_quickly(tmp_path: Path, content: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as fh:
        fh.write(b"form: shift-log\nnotes: |\n")
        line = b"  " + b"x" * 1000 + b"\n"
        for _ in range(50 * 1024):
            fh.write(line)
    res = kefu("check", "--format", "json", "--content", str(content), str(path), timeout=60)
    assert res.code == 2
    assert res.json["files"][0]["findings"][0]["rule"] == "unreadable"


def test_missing_path_reported_with_the_others(tmp_path: Path, content: Path) -> None:
    res = kefu("check", "--format", "json", "--content", str(content), str(tmp_path / "nope.yaml"),
               str(RECORDS / "repair-ok.ok.yaml"))
    assert res.code == 2
    missing, ok = res.json["files"]
    assert missing["readable"] is False and ok["readable"] is True and ok["findings"] == []


@pytest.mark.parametrize("variant", ["bom", "crlf", "json", "json-tabs", "yml"])
def test_tolerated_encodings_and_formats(variant: str, tmp_path: Path, content: Path) -> None:
    """A BOM, Windows line ends and JSON with the same structure are read like the YAML."""
    from kefu.load import parse_text, plain

    text = _valid_log()
    if variant == "bom":
        path, data = tmp_path / "r.yaml", b"\xef\xbb\xbf" + text.encode()
    elif variant == "crlf":
        path, data = tmp_path / "r.yaml", text.replace("\n", "\r\n").encode()
    elif variant == "yml":
        path, data = tmp_path / "r.yml", text.encode()
    else:
        record = plain(parse_text(text, "r.yaml"))
        dump = json.dumps(record, ensure_ascii=False, indent="\t" if variant == "json-tabs" else 2)
        path, data = tmp_path / "r.json", dump.encode()
    path.write_bytes(data)
    res = kefu("check", "--format", "json", "--content", str(content), str(path))
    assert res.code == 0, res.stdout
    assert res.json["files"][0]["readable"] is True


def test_unquoted_times_and_yaml11_words(tmp_path: Path, content: Path) -> None:
    """Unquoted 22:15 is a time (not 1335), `no` is a key, `no: 010` is not octal."""
    text = _valid_log().replace('"', "")
    path = tmp_path / "plain.yaml"
    path.write_text(text, encoding="utf-8")
    assert kefu("check", "--content", str(content), str(path)).code == 0


# --------------------------------------------------------------------------- many files


def test_folder_all_files_reported_in_sorted_order(tmp_path: Path, content: Path) -> None:
    logs = tmp_path / "logs"
    (logs / "2026-11").mkdir(parents=True)
    names = []
    for i, src in enumerate(sorted(RECORDS.glob("*.ok.yaml"))[:40]):
        target = logs / "2026-11" / f"{i:03d}-{src.name}"
        shutil.copy(src, target)
        names.append(str(target))
    (logs / "2026-11" / "zz-broken.yaml").write_bytes(b"\xff\xfe")
    (logs / "notes.txt").write_text("not a record", encoding="utf-8")
    (logs / "a.json").write_text("[]", encoding="utf-8")
    res = kefu("check", "--format", "json", "--content", str(content), "--jobs", "2", str(logs))
    paths = [f["path"] for f in res.json["files"]]
    assert paths == sorted(paths)
    assert len(paths) == len(names) + 2
    assert res.code == 2
    assert res.json["summary"]["unreadable"] == 2
    assert all(f["readable"] for f in res.json["files"] if f["path"] in names)
    serial = kefu("check", "--format", "json", "--content", str(content), "--jobs", "1", str(logs))
    assert serial.stdout == res.stdout


def test_form_examples_pass(tmp_path: Path) -> None:
    """The example printed with each record form is itself a clean record (shipped handbook)."""
    from kefu.load import load_handbook

    book, _ = load_handbook(REPO / "procedures", REPO / "kefu.yaml")
    for form_id in RECORD_FORMS:
        example = book.forms[form_id].example
        assert example, form_id
        path = tmp_path / f"{form_id}.json"
        path.write_text(json.dumps(example, ensure_ascii=False), encoding="utf-8")
        res = kefu("check", "--format", "json", str(path), "--as-of", "2026-11-24 12:00")
        assert res.json["files"][0]["findings"] == [], res.stdout


def test_text_output_names_the_entry_in_both_languages(content: Path) -> None:
    example = str(EXAMPLES / "complaint-late-crm.bad.yaml")
    zh = kefu("check", "--content", str(content), example)
    line = next(x for x in zh.stdout.splitlines() if "complaint-crm-entry" in x)
    assert re.match(r".*complaint-late-crm\.bad\.yaml:\d+: error complaint-crm-entry: 第 2 项：", line), line
    assert line.endswith(f"{SITE}sla/#complaint-crm-entry")
    en = kefu("check", "--lang", "en", "--content", str(content), example)
    assert "error complaint-crm-entry: entry 2: " in en.stdout


def test_as_of_a_date_means_the_end_of_that_day(content: Path) -> None:
    """A supervisor checking "as of the 20th" means the whole day: the 11:00 CRM deadline has passed."""
    path = RECORDS / "complaint-crm-missing.bad.yaml"
    day = kefu("check", "--format", "json", "--content", str(content), str(path), "--as-of", "2026-11-20")
    assert day.code == 1 and "23:59" in day.json["files"][0]["findings"][0]["message"]
    bad = kefu("check", "--content", str(content), str(path), "--as-of", "2026-11-31")
    assert bad.code == 2 and "--as-of" in bad.stderr and "Traceback" not in bad.stderr


def test_traditional_labels_are_read_and_findings_written_in_traditional(tmp_path: Path) -> None:
    """A Hong Kong estate writes 投訴、電話 in its log; its findings come back in traditional characters."""
    hant = REPO / "tests" / "fixtures" / "site" / "hant" / "kefu.yaml"
    text = (EXAMPLES / "complaint-late-crm.bad.yaml").read_text(encoding="utf-8")
    log = tmp_path / "log.yaml"
    log.write_text(text.replace("type: complaint", "type: 投訴").replace("channel: phone", "channel: 電話"),
                   encoding="utf-8")
    res = kefu("check", "--format", "json", "--config", str(hant), str(log))
    report = res.json["files"][0]
    assert found(report, "error", with_rule=False) == read_expect(EXAMPLES / "complaint-late-crm.bad.yaml").errors
    (f,) = report["findings"]
    assert "錄入" in f["message"] and "超時" in f["message"] and "录入" not in f["message"]
    plain = kefu("check", "--config", str(hant), str(log))
    assert "第 2 項" in plain.stdout and "共檢查 1 個文件" in plain.stdout
    assert str(log) in plain.stdout  # paths are never converted
