"""``kefu check``: supervisors' checker of filled-in records.

One record file in, a list of findings out (:func:`check_file`); a month of
logs is checked in parallel and streamed (:func:`run`), so a broken file is
reported with the others and memory does not grow with the number of files.
Nothing here writes to a record.  What each rule means is in
:mod:`kefu.check.rules`; how values are read is in :mod:`kefu.check.record`.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import multiprocessing
import os
import stat
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

from kefu.check.privacy import mask
from kefu.check.record import Reader
from kefu.check.rules import Ctx, rules_for
from kefu.check.workdays import TimeError, WorkCalendar, parse_full, zone
from kefu.findings import Finding, did_you_mean
from kefu.load import LineMap, LoadError, read_yaml, require
from kefu.model import Form, Handbook

SUFFIXES = (".yaml", ".yml", ".json")
#: files per task sent to a worker: large enough to amortise the pickling, small enough to stream
CHUNK = 16


class SetupError(Exception):
    """The handbook or the command line cannot be used: exit 2 with this message."""


@dataclass
class Settings:
    """What every worker needs to check files the same way."""

    lang: str = "zh"
    as_of: dt.datetime | None = None
    fmt: str = "text"


@dataclass
class State:
    """The handbook and the derived lookups, built once per process."""

    book: Handbook
    forms: dict[str, Form]
    tz: dt.tzinfo
    settings: Settings

    @classmethod
    def build(cls, book: Handbook, settings: Settings) -> "State":
        forms: dict[str, Form] = {}
        for form in book.forms.values():
            if form.kind != "record":
                continue
            forms[form.id] = form
            names = next((f for f in form.fields if f.key == "form"), None)
            for c in names.choices if names else []:
                for alias in (c.value, c.label, *c.aliases):
                    forms.setdefault(alias, form)
        return cls(book, forms, zone(book.company.timezone), settings)


# --------------------------------------------------------------------------
# Setup


def parse_as_of(text: str, tz: dt.tzinfo) -> dt.datetime:
    """``--as-of "YYYY-MM-DD HH:MM"`` (local time) or ISO 8601; raises SetupError."""
    try:
        value = parse_full(text, tz)
    except TimeError as exc:
        raise SetupError(f"--as-of: {exc.en}") from None
    if value is None:
        raise SetupError(f"--as-of: expected \"YYYY-MM-DD HH:MM\", got {text!r}")
    return value


def discover(paths: Iterable[str]) -> list[tuple[str, str]]:
    """(path, shown) of every record file: files as given, folders searched recursively and sorted."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()

    def add(path: str) -> None:
        key = os.path.normpath(path)
        if key not in seen:
            seen.add(key)
            out.append((path, path))

    for arg in paths:
        if os.path.isdir(arg):
            found = []
            for root, dirs, files in os.walk(arg):
                dirs.sort()
                for name in files:
                    if name.lower().endswith(SUFFIXES):
                        full = os.path.join(root, name)
                        try:
                            if stat.S_ISREG(os.stat(full).st_mode):
                                found.append(full)
                        except OSError:
                            found.append(full)  # reported as unreadable
            for full in sorted(found):
                add(full)
        else:
            add(arg)
    return out


# --------------------------------------------------------------------------
# One file


def _unreadable(shown: str, line: int | None, message: str) -> dict[str, Any]:
    finding = Finding(shown, line, "error", "unreadable", mask(message))
    return {"path": shown, "form": None, "readable": False, "findings": [finding]}


def check_file(path: str, shown: str, state: State) -> dict[str, Any]:
    """The report of one file: path, form, readable and findings (never raises)."""
    lang = state.settings.lang
    try:
        return _check_file(path, shown, state)
    except Exception as exc:  # a bug must not stop a month of logs; name the file and say what broke
        if os.environ.get("KEFU_CHECK_RAISE"):
            raise
        where = traceback.extract_tb(exc.__traceback__)[-1]
        zh = f"检查时出现内部错误（{type(exc).__name__}，{Path(where.filename).name}:{where.lineno}），请报告此问题"
        en = f"internal error while checking ({type(exc).__name__} at {Path(where.filename).name}:{where.lineno}); please report it"
        return _unreadable(shown, None, en if lang == "en" else zh)


def _check_file(path: str, shown: str, state: State) -> dict[str, Any]:
    lang = state.settings.lang
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return _unreadable(shown, None, "no such file" if lang == "en" else "文件不存在")
    except OSError as exc:
        return _unreadable(shown, None, f"cannot read: {exc.strerror}" if lang == "en" else f"无法读取：{exc.strerror}")
    if not stat.S_ISREG(st.st_mode):
        return _unreadable(shown, None, "not a regular file" if lang == "en" else "不是普通文件")
    try:
        data = read_yaml(path, shown)
    except LoadError as exc:
        return _unreadable(shown, exc.line, exc.message(lang))
    if not isinstance(data, LineMap):
        return _unreadable(shown, getattr(data, "line", 1),
                           "a record is a mapping that starts with form: (shift-log, incident-report, inspection)"
                           if lang == "en" else
                           "记录应是以 form: 开头的“键: 值”映射（shift-log、incident-report、inspection）")
    name = data.get("form")
    if not isinstance(name, str) or not name.strip():
        return _unreadable(shown, data.line, "no form: key naming the record's form" if lang == "en"
                           else "缺少 form:（记录表的名称，如 shift-log）")
    form = state.forms.get(name.strip())
    if form is None:
        near = did_you_mean(name, [f for f in state.forms if f.isascii()], lang)
        line = data.value_lines.get("form", data.line)
        return _unreadable(shown, line, f"unknown form '{name}'{near}" if lang == "en"
                           else f"未知的表单 “{name}”{near}")
    findings = check_record(data, form, shown, state, _text_of(path))
    findings.sort(key=lambda f: (f.line or 0, f.rule, str(f.entry), f.field or ""))
    return {"path": shown, "form": form.id, "readable": True, "findings": findings}


def _text_of(path: str) -> str:
    """The file's text for the personal-data scan (read_yaml refused anything too big or not UTF-8)."""
    data = Path(path).read_bytes()
    return data.decode("utf-8-sig", errors="replace")


def check_record(data: LineMap, form: Form, shown: str, state: State, text: str = "") -> list[Finding]:
    """Read the record against its form, then apply every rule of that form."""
    book, settings = state.book, state.settings
    cal = WorkCalendar.from_company(book.company.holidays, book.company.workdays, book.company.calendar_years)
    ctx = Ctx(book, form, shown, settings.lang, settings.as_of or dt.datetime.now(state.tz), cal,
              text=text, data=data)

    def report(rule: str, line: int | None, entry: Any, key: str | None, zh: str, en: str) -> None:
        ctx.add(rule, line, entry, key, zh, en)

    reader = Reader(form, state.tz, report, settings.lang)
    top = reader.read(data)
    ctx.window = reader.window
    if settings.as_of is None and reader.window is not None:
        ctx.as_of = reader.window.end  # a shift log is checked as of the end of its shift
    entries = top.values.get("entries") or top.values.get("items") or []
    if not isinstance(entries, list):
        entries = []
    _unique_numbers(ctx, entries)
    for registered in rules_for(form.id):
        rule = book.rules.get(registered.id)
        if rule is None or not rule.checked:
            continue
        registered.fn(ctx, rule, top, entries)
    for year, (line, entry, key) in sorted(ctx.no_calendar.items()):
        ctx.add("no-calendar", line, entry, key,
                f"{year} 年没有法定节假日和调休数据，工作日暂按周一至周五计算",
                f"no working calendar for {year}: working days counted Monday to Friday", severity="warning")
    return ctx.findings


def _unique_numbers(ctx: Ctx, entries: list[Any]) -> None:
    """Entry numbers name entries in handovers and findings: a repeated ``no`` is a bad value."""
    seen: dict[Any, int] = {}
    for e in entries:
        no = e.get("no")
        if no is None:
            continue
        if no in seen:
            ctx.add("bad-value", e.line_of("no"), e.entry, "no",
                    f"序号 {no} 重复（第一次在第 {seen[no]} 行）", f"entry number {no} repeats (first on line {seen[no]})")
        else:
            seen[no] = e.line_of("no")


# --------------------------------------------------------------------------
# Many files: parallel, streamed, in a stable order

_STATE: State | None = None


def tune_gc() -> None:
    """Records build many small acyclic objects: collect rarely, and never scan the handbook again.

    With the default thresholds the cyclic collector ran every few hundred
    allocations and cost more than some rules; reference counting frees
    records anyway.
    """
    gc.freeze()
    gc.set_threshold(100_000, 50, 50)


def _init_worker(book: Handbook | None, settings: Settings, content: str, config: str | None) -> None:
    """Each worker holds one handbook: inherited when forked, else loaded once here."""
    global _STATE
    if book is None:
        book, _ = require(content, config, records_only=True)
    _STATE = State.build(book, settings)
    tune_gc()


@dataclass
class Rendered:
    """One file's report as output text, with what the summary counts (cheap to send between processes)."""

    text: str
    readable: bool
    errors: int
    warnings: int


def render(report: dict[str, Any], fmt: str, lang: str = "zh") -> Rendered:
    findings = report["findings"]
    errors = sum(1 for f in findings if f.severity == "error")
    if fmt == "json":
        body = json.dumps(file_json(report, lang), ensure_ascii=False, indent=2)
        text = "\n".join("    " + line for line in body.split("\n"))
    else:
        text = "".join(f.text(lang) + "\n" for f in findings)
    return Rendered(text, report["readable"], errors, len(findings) - errors)


def _work(chunk: list[tuple[str, str]]) -> list[Rendered]:
    assert _STATE is not None
    fmt, lang = _STATE.settings.fmt, _STATE.settings.lang
    return [render(check_file(path, shown, _STATE), fmt, lang) for path, shown in chunk]


def _chunks(items: list[tuple[str, str]], size: int) -> Iterator[list[tuple[str, str]]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def iter_reports(files: list[tuple[str, str]], state: State, content: Path, config: Path | None,
                 jobs: int | None = None) -> Iterator[Rendered]:
    """Rendered reports in the order of ``files``; in worker processes when there are enough files."""
    jobs = jobs or os.cpu_count() or 1
    tune_gc()
    if jobs <= 1 or len(files) < 2 * CHUNK:
        for path, shown in files:
            yield render(check_file(path, shown, state), state.settings.fmt, state.settings.lang)
        return
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    inherit = state.book if ctx.get_start_method() == "fork" else None
    with ctx.Pool(jobs, initializer=_init_worker,
                  initargs=(inherit, state.settings, str(content), str(config) if config else None)) as pool:
        for batch in pool.imap(_work, _chunks(files, CHUNK)):
            yield from batch


# --------------------------------------------------------------------------
# Rendering


def file_json(report: dict[str, Any], lang: str = "zh") -> dict[str, Any]:
    return {"path": report["path"], "form": report["form"], "readable": report["readable"],
            "findings": [f.as_json(lang) for f in report["findings"]]}


def summary_line(files: int, unreadable: int, errors: int, warnings: int, lang: str) -> str:
    if lang == "en":
        return (f"{files} file(s) checked: {errors} error(s), {warnings} warning(s), "
                f"{unreadable} unreadable")
    return f"共检查 {files} 个文件：{errors} 个错误，{warnings} 个警告，{unreadable} 个文件无法读取"


def run(paths: list[str], state: State, out: IO[str], content: Path, config: Path | None,
        jobs: int | None = None) -> int:
    """Check, write each file's report as it comes (in a stable order), return the exit code."""
    fmt = state.settings.fmt
    files = discover(paths)
    counts = {"files": 0, "unreadable": 0, "errors": 0, "warnings": 0}
    if fmt == "json":
        out.write('{\n  "files": [')
    for report in iter_reports(files, state, content, config, jobs):
        if fmt == "json":
            out.write(("\n" if counts["files"] == 0 else ",\n") + report.text)
        else:
            out.write(report.text)
        counts["files"] += 1
        counts["unreadable"] += not report.readable
        counts["errors"] += report.errors
        counts["warnings"] += report.warnings
    if fmt == "json":
        out.write(("\n  ],\n" if counts["files"] else "],\n") + '  "summary": ' + json.dumps(counts) + "\n}\n")
    else:
        out.write(summary_line(counts["files"], counts["unreadable"], counts["errors"], counts["warnings"],
                               state.settings.lang) + "\n")
    out.flush()
    if counts["unreadable"]:
        return 2
    return 1 if counts["errors"] else 0
