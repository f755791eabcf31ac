"""``kefu check``: supervisors' checker of filled-in records.

Two phases.  Each file is read, validated against its form and checked by the
rules that need only that file (:func:`read_file`); a shift log keeps a
:class:`~kefu.check.items.Log` of its entries.  Then the logs of each project
are linked into items across shifts and the item rules run once per item
(:mod:`kefu.check.items`, :func:`check_results`), and the reports are rendered in
the order the files were given (:func:`run`).  Nothing here writes to a record.

On a folder, both phases run in worker processes, one estate at a time
(:func:`check_paths`): files are grouped by the ``project:`` their first lines
name, so a worker links and judges a whole project and sends back only
findings and items, never the entries themselves.  A file whose project turns
out to be another (or cannot be told from its first lines, a workbook) is
linked in the parent instead, with every other file of that project, so the
result is the same as checking everything in one process.  What each rule means is in :mod:`kefu.check.rules` (coded rules) and
:mod:`kefu.check.timed` (rules declared as data); how values are read is in
:mod:`kefu.check.record`.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import re
import stat
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from kefu.check import timed
from kefu.check.items import Log, choice_fields, run_items
from kefu.check.privacy import mask
from kefu.check.record import Node, Reader
from kefu.check.rules import Ctx, coded, registered
from kefu.check.workdays import TimeError, Window, WorkCalendar, parse_date, parse_full, zone
from kefu.findings import Finding, did_you_mean
from kefu.load import LineMap, LoadError, read_yaml, require
from kefu.model import Form, Handbook
from kefu.variant import config_of, converter, to_simplified

WORKBOOKS = (".xlsx", ".xlsm")
SUFFIXES = (".yaml", ".yml", ".json", *WORKBOOKS)
#: files per task sent to a worker: large enough to amortise the pickling, small enough to balance
CHUNK = 16
#: ``project: NAME`` as a top-level line near the start of a YAML record (only to group files for workers)
PROJECT_LINE = re.compile(rb"^project:[ \t]*(\S[^\r\n]*?)[ \t]*\r?$", re.M)


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
    def build(cls, book: Handbook, settings: Settings) -> State:
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
    """``--as-of "YYYY-MM-DD HH:MM"`` (local time), ISO 8601, or a date: the end of that day."""
    try:
        day = parse_date(text)
        if day is not None:
            return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=tz)
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
                    if name.lower().endswith(SUFFIXES) and not name.startswith("~$"):  # ~$: Excel's lock file
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
# One file (phase 1, in a worker)


@dataclass
class FileResult:
    """One file's report so far, and what the item phase needs of it (cheap to send between processes)."""

    path: str
    form: str | None
    readable: bool
    findings: list[Finding]
    record: dict[str, Any] | None = None
    log: Log | None = None
    #: a workbook's cell map (row, key) -> sheet and cell, so every finding can name its cell
    cells: Any = None


def _unreadable(shown: str, line: int | None, zh: str, en: str, code: str = "unreadable",
                params: dict[str, Any] | None = None) -> FileResult:
    finding = Finding(shown, line, "error", "unreadable", code=code if code != "unreadable" else None,
                      params=params if params is not None else {"zh": zh, "en": en})
    return FileResult(shown, None, False, [finding])


def read_file(path: str, shown: str, state: State) -> FileResult:
    """Read and check one file on its own (never raises: a bug becomes a finding naming the file)."""
    try:
        return _read_file(path, shown, state)
    except Exception as exc:  # a bug must not stop a month of logs; name the file and say what broke
        if os.environ.get("KEFU_CHECK_RAISE"):
            raise
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return _unreadable(shown, None, "", "", code="internal",
                           params={"type": type(exc).__name__, "where": f"{Path(where.filename).name}:{where.lineno}"})


def _read_file(path: str, shown: str, state: State) -> FileResult:
    base = os.path.basename(path)
    if base.lower().endswith(WORKBOOKS) and not base.startswith("~$") and os.path.isfile(path):
        from kefu.check.xlsx_record import read_xlsx_file  # openpyxl only for workbooks

        result, cells = read_xlsx_file(path, shown, state)
        book: FileResult = result
        book.cells = cells
        return book
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return _unreadable(shown, None, "文件不存在", "no such file")
    except OSError as exc:
        return _unreadable(shown, None, f"无法读取：{exc.strerror}", f"cannot read: {exc.strerror}")
    if not stat.S_ISREG(st.st_mode):
        return _unreadable(shown, None, "不是普通文件", "not a regular file")
    try:
        data = read_yaml(path, shown)
    except LoadError as exc:
        return _unreadable(shown, exc.line, exc.zh, exc.en)
    if not isinstance(data, LineMap):
        return _unreadable(shown, getattr(data, "line", 1),
                           "记录应是以 form: 开头的“键: 值”映射（shift-log、incident-report、inspection）",
                           "a record is a mapping that starts with form: (shift-log, incident-report, inspection)")
    name = data.get("form")
    if not isinstance(name, str) or not name.strip():
        return _unreadable(shown, data.line, "缺少 form:（记录表的名称，如 shift-log）",
                           "no form: key naming the record's form")
    form = state.forms.get(name.strip()) or state.forms.get(to_simplified(name.strip()))
    if form is None:
        names = [f for f in state.forms if f.isascii()]
        line = data.value_lines.get("form", data.line)
        return _unreadable(shown, line, f"未知的表单 “{name}”{did_you_mean(name, names, 'zh')}",
                           f"unknown form '{name}'{did_you_mean(name, names, 'en')}")
    return check_record(data, form, shown, state, _text_of(path))


def _text_of(path: str) -> str:
    """The file's text for the personal-data scan (read_yaml refused anything too big or not UTF-8)."""
    data = Path(path).read_bytes()
    return data.decode("utf-8-sig", errors="replace")


def calendar(book: Handbook) -> WorkCalendar:
    return WorkCalendar.from_company(book.company.holidays, book.company.workdays, book.company.calendar_years)


def check_record(data: LineMap, form: Form, shown: str, state: State, text: str = "") -> FileResult:
    """Read the record against its form, then apply the rules that need only this record."""
    book, settings = state.book, state.settings
    project = data.get("project") if isinstance(data.get("project"), str) else None
    rules = book.rules_for(project)
    ctx = Ctx(book, rules, form, shown, settings.as_of or dt.datetime.now(state.tz), calendar(book),
              text=text, data=data)

    def report(code: str, line: int | None, entry: Any, key: str | None, variant: str,
               params: dict[str, Any]) -> None:
        ctx.add(code, line, entry, key, variant, params)

    reader = Reader(form, state.tz, report, settings.lang)
    top = reader.read(data)
    ctx.window = reader.window
    if settings.as_of is None and reader.window is not None:
        ctx.as_of = reader.window.end  # a shift log is checked as of the end of its shift
    entries = top.values.get("entries") or top.values.get("items") or []
    if not isinstance(entries, list):
        entries = []
    _unique_numbers(ctx, entries)
    for reg in registered(form.id, "record"):
        rule = rules.get(reg.id)
        if rule is not None and rule.enabled:
            reg.fn(ctx, rule, top, entries)
    outcomes: dict[str, timed.Outcome] = {}
    if form.id != "shift-log":  # a shift log's timed rules run on items, after linking
        subject = RecordSubject(ctx, top)
        for rule in rules.values():
            if rule.form == form.id and rule.timed and not coded(rule.id):
                outcome = timed.apply(rule, subject, ctx.as_of)
                if outcome is not None:
                    outcomes[rule.id] = outcome
    log = None
    if form.id == "shift-log":
        log = Log(0, shown, project, top.raw("date"), top.raw("shift"),
                  reader.window.start if reader.window else None, reader.window.end if reader.window else None,
                  [e for e in entries if isinstance(e, Node)],
                  top.values.get("handover") if isinstance(top.values.get("handover"), Node) else None,
                  [v.raw for v in top.values.get("staff") or []])
    window: dict[str, str | None] = {"start": None, "end": None}
    if reader.window is not None:
        window = {"start": f"{reader.window.start:%Y-%m-%d %H:%M}", "end": f"{reader.window.end:%Y-%m-%d %H:%M}"}
    return FileResult(shown, form.id, True, ctx.close(), record_meta(form, top, outcomes, window), log)


class RecordSubject:
    """A whole record (an incident report) as the subject of a timed rule."""

    intake = True

    def __init__(self, ctx: Ctx, top: Node) -> None:
        self.ctx, self.top = ctx, top

    def get(self, key: str) -> Any:
        return self.top.get(key)

    def raw(self, key: str) -> str:
        return self.top.raw(key)

    def bad(self, key: str) -> bool:
        return key in self.top.bad

    def label(self, key: str) -> str:
        return self.ctx.form.label_of(key)

    def matches(self, when: dict[str, Any]) -> bool:
        return all(self.top.get(k) in (v if isinstance(v, list) else [v]) for k, v in when.items())

    def report(self, rule: Any, key: str, variant: str, params: dict[str, Any]) -> None:
        self.ctx.add(rule.id, self.top.line_of(key), None, key, variant, params, code="timed")

    def report_status(self, rule: Any, variant: str, params: dict[str, Any]) -> None:
        self.ctx.add(rule.id, self.top.line_of("status"), None, "status", variant, params, code="timed")

    def show(self, moment: dt.datetime) -> str:
        return self.ctx.show(moment)

    def deadline(self, start: dt.datetime, limit: Any, key: str) -> dt.datetime:
        return self.ctx.deadline(start, limit, self.top.line_of(key), None, key)


def _unique_numbers(ctx: Ctx, entries: list[Any]) -> None:
    """Entry numbers name entries in handovers and findings: a repeated ``no`` is a bad value."""
    seen: dict[Any, int] = {}
    for e in entries:
        no = e.get("no")
        if no is None:
            continue
        if no in seen:
            ctx.add("bad-value", e.line_of("no"), e.entry, "no", "repeated-no", {"no": no, "first": seen[no]})
        else:
            seen[no] = e.line_of("no")


def _outcome_json(o: timed.Outcome) -> dict[str, Any]:
    """``stopped``: the stop was written (done late) or not (never done, judged as of the check)."""
    return {"status": o.status, "due": f"{o.due:%Y-%m-%d %H:%M}" if o.due else None,
            "late_minutes": o.late_minutes, "stopped": o.stopped}


def record_meta(form: Form, top: Node, outcomes: dict[str, timed.Outcome],
                window: dict[str, str | None]) -> dict[str, Any]:
    """The record's own facts for grouping (project, date, shift, staff ...), values as written, masked."""
    def raw(key: str) -> str | None:
        value = top.values.get(key)
        return mask(value.raw) if value is not None and hasattr(value, "raw") else None

    def listed(key: str) -> list[str]:
        return [mask(v.raw) for v in top.values.get(key) or [] if hasattr(v, "raw")]

    if form.id == "shift-log":
        meta: dict[str, Any] = {"project": raw("project"), "date": raw("date"), "shift": raw("shift"),
                                "staff": listed("staff")}
        return meta | window
    if form.id == "inspection":
        items = []
        for item in top.values.get("items") or []:
            deducted = sum(d.get("points") or 0 for d in item.values.get("deductions") or [])
            mx = item.get("max")
            items.append({"component": item.get("component"), "max": mx, "deducted": deducted,
                          "score": max(0, mx - deducted) if isinstance(mx, (int, float)) else None})
        return {k: raw(k) for k in ("kind", "role", "staff", "inspector", "date", "total")} | {"items": items}
    meta = {f.key: raw(f.key) for f in form.fields if f.type not in ("list", "table", "mapping") and f.key != "form"}
    for f in form.fields:
        if f.type == "list":
            meta[f.key] = listed(f.key)
    meta["rules"] = {k: _outcome_json(v) for k, v in outcomes.items()}
    return meta


# --------------------------------------------------------------------------
# Many files: read in parallel, then items per project

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


def _work(chunk: list[tuple[str, str]]) -> list[FileResult]:
    assert _STATE is not None
    return [read_file(path, shown, _STATE) for path, shown in chunk]


def _chunks(items: list[tuple[str, str]], size: int) -> Iterator[list[tuple[str, str]]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _pool(state: State, content: Path | None, config: Path | None, jobs: int) -> Any:
    """Worker processes that each hold the handbook: inherited when forked, else loaded once per worker."""
    import multiprocessing  # only for folders: a single file need not pay for it

    methods = multiprocessing.get_all_start_methods()
    mp = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    inherit = state.book if mp.get_start_method() == "fork" else None
    return mp.Pool(jobs, initializer=_init_worker,
                   initargs=(inherit, state.settings, str(content or ""), str(config) if config else None))


def read_all(files: list[tuple[str, str]], state: State, content: Path | None = None, config: Path | None = None,
             jobs: int | None = None, on_file: Callable[[], None] | None = None) -> list[FileResult]:
    """Phase 1: every file read and checked on its own, in worker processes when there are enough files.

    ``on_file`` is called once per file read (a progress bar on a terminal).
    """
    jobs = jobs or os.cpu_count() or 1
    tune_gc()
    tick = on_file or (lambda: None)
    if jobs <= 1 or len(files) < 2 * CHUNK:
        alone = []
        for path, shown in files:
            alone.append(read_file(path, shown, state))
            tick()
        return alone
    out: list[FileResult] = []
    with _pool(state, content, config, jobs) as pool:
        for batch in pool.imap(_work, _chunks(files, CHUNK)):
            out.extend(batch)
            for _ in batch:
                tick()
    return out


@dataclass
class Run:
    """Everything one ``kefu check`` found: the files' reports and the items of their shift logs.

    ``items`` are in the JSON form of :func:`item_json`, grouped by project in the
    order the projects' first files were given.
    """

    files: list[FileResult]
    items: list[dict[str, Any]]


def check_paths(paths: list[str], state: State, content: Path | None = None, config: Path | None = None,
                jobs: int | None = None, progress: bool = False) -> Run:
    """Check files and folders as one run: items are linked across all the shift logs given.

    ``progress`` draws a bar on stderr when it is a terminal (never in redirected output).
    """
    files = discover(paths)
    bar = None
    if progress and sys.stderr.isatty():  # a bar only on a terminal, so a script's run imports nothing for it
        from kefu.report.data import Progress

        bar = Progress(len(files), "检查记录")
    tick = bar.tick if bar else None
    jobs = jobs or os.cpu_count() or 1
    groups = shards(files) if jobs > 1 and len(files) >= 2 * CHUNK else []  # a file or two: no heads read twice
    if len(groups) >= 2 * jobs:
        run = check_sharded(files, groups, state, content, config, jobs, tick)
    else:  # one estate (or a few): read in parallel, link in this process
        run = check_results(read_all(files, state, content, config, jobs, tick), state)
    if bar:
        bar.done()
    return run


def guess_project(path: str) -> str | None:
    """The project a YAML record's first lines name, as written; None for anything else.

    Only a hint for grouping files per worker: :func:`check_sharded` checks it
    against what the reader found, so a wrong guess costs time, never a finding.
    """
    if not path.lower().endswith((".yaml", ".yml")):
        return None
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    found = PROJECT_LINE.search(head)
    if found is None:
        return None
    value = found.group(1)
    if value[:1] in (b"'", b'"') and value[-1:] == value[:1] and len(value) > 1:
        value = value[1:-1]
    elif value[:1] in b"{[&*!|>#" or b" #" in value:
        return None
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return None


def shards(files: list[tuple[str, str]]) -> list[tuple[str | None, list[int]]]:
    """Indices of ``files`` grouped by guessed project, largest group first; the rest in chunks."""
    by: dict[str, list[int]] = {}
    unknown: list[int] = []
    for n, (path, _) in enumerate(files):
        guess = guess_project(path)
        if guess is None:
            unknown.append(n)
        else:
            by.setdefault(guess, []).append(n)
    groups: list[tuple[str | None, list[int]]] = sorted(by.items(), key=lambda kv: len(kv[1]), reverse=True)
    return groups + [(None, unknown[i:i + CHUNK]) for i in range(0, len(unknown), CHUNK)]


@dataclass
class Shard:
    """What a worker sends back for one group of files: reports, items per project, and the misfits."""

    indices: list[int]
    results: list[FileResult]  #: in the order of ``indices``; only loose ones keep their log
    items: dict[str | None, list[dict[str, Any]]]  #: project -> its items (JSON)
    judged: dict[str | None, list[int]]  #: project -> indices of the files whose items were judged here
    loose: list[int]  #: shift logs of another project than the group's (or of none): linked in the parent


def _work_shard(task: tuple[str | None, list[int], list[tuple[str, str]]]) -> Shard:
    assert _STATE is not None
    guess, indices, group = task
    results = [read_file(path, shown, _STATE) for path, shown in group]
    pairs = list(zip(indices, results, strict=True))
    loose = {n for n, r in pairs if r.log is not None and (guess is None or r.log.project != guess)}
    here = [(n, r) for n, r in pairs if n not in loose]
    run = check_results([r for _, r in here], _STATE)
    judged: dict[str | None, list[int]] = {}
    for n, r in here:
        if r.log is not None:
            judged.setdefault(r.log.project, []).append(n)
        r.log = r.cells = None  # the entries stay here: only findings and items travel
    items: dict[str | None, list[dict[str, Any]]] = {}
    for item in run.items:
        items.setdefault(item["project"], []).append(item)
    return Shard(indices, results, items, judged, sorted(loose))


def check_sharded(files: list[tuple[str, str]], groups: list[tuple[str | None, list[int]]], state: State,
                  content: Path | None,
                  config: Path | None, jobs: int, tick: Callable[[], None] | None) -> Run:
    """Both phases in workers, one project per task (see the module's docstring)."""
    results: dict[int, FileResult] = {}
    items: dict[str | None, list[dict[str, Any]]] = {}
    judged: dict[str | None, list[int]] = {}
    loose: list[int] = []
    tasks = [(guess, g, [files[n] for n in g]) for guess, g in groups]
    tune_gc()
    with _pool(state, content, config, jobs) as pool:
        for shard in pool.imap_unordered(_work_shard, tasks):
            results.update(zip(shard.indices, shard.results, strict=True))
            for project, found in shard.items.items():
                items.setdefault(project, []).extend(found)
            for project, found_in in shard.judged.items():
                judged.setdefault(project, []).extend(found_in)
            loose += shard.loose
            for _ in shard.indices:
                if tick:
                    tick()
    # a project with a loose log is linked here, with all its logs (rare for YAML: a wrong guess)
    redo: list[int] = []
    for n in loose:
        log = results[n].log
        project = log.project if log is not None else None
        if project in judged:
            redo += judged.pop(project)
            items.pop(project, None)
    for n in redo:
        results[n] = read_file(*files[n], state)
    first = {project: min(found_in) for project, found_in in judged.items()}
    again = sorted(set(loose) | set(redo))
    if again:
        done = [results[n] for n in again]
        for n, r in zip(again, done, strict=True):
            if r.log is not None:
                first.setdefault(r.log.project, n)
        for item in check_results(done, state).items:
            items.setdefault(item["project"], []).append(item)
        for r in done:
            r.log = None
    order = sorted(items, key=lambda p: first.get(p, len(files)))
    return Run([results[n] for n in range(len(files))], [i for p in order for i in items[p]])


def check_results(results: list[FileResult], state: State) -> Run:
    """Phase 2: link the shift logs of each project into items and apply the item rules."""
    book = state.book
    form = book.forms["shift-log"]
    logs = []
    for n, r in enumerate(results):
        if r.log is not None:
            r.log.file = n
            logs.append(r.log)
    cal = calendar(book)
    ctxs: dict[int, Ctx] = {}
    now = dt.datetime.now(state.tz)

    def ctx_of(log: Log) -> Ctx:
        ctx = ctxs.get(log.file)
        if ctx is None:
            window = Window(log.start, log.end) if log.start and log.end else None
            ctx = Ctx(book, book.rules_for(log.project), form, log.path,
                      state.settings.as_of or log.end or now, cal, window)
            ctxs[log.file] = ctx
        return ctx

    projects = run_items(book, logs, form, ctx_of, state.settings.as_of, now)
    for n, ctx in ctxs.items():
        found = ctx.close()
        have = {(f.rule, f.params.get("year")) for f in results[n].findings if f.rule == "no-calendar"}
        results[n].findings += [f for f in found
                                if f.rule != "no-calendar" or (f.rule, f.params.get("year")) not in have]
    for r in results:
        if r.cells is not None:
            from kefu.check.xlsx_record import name_cells

            name_cells(r, r.cells)  # findings of the item phase get their cell too
        r.findings.sort(key=lambda f: (f.line or 0, f.rule, str(f.entry), f.field or ""))
    choices = choice_fields(form)
    return Run(results, [item_json(i, choices) for p in projects for i in p.items])


# --------------------------------------------------------------------------
# Rendering


def file_json(report: FileResult, lang: str = "zh") -> dict[str, Any]:
    out: dict[str, Any] = {"path": report.path, "form": report.form, "readable": report.readable}
    if report.record is not None:
        out["record"] = report.record
    out["findings"] = [f.as_json(lang) for f in report.findings]
    return out


def item_json(item: Any, choices: list[str]) -> dict[str, Any]:
    """An item for scripts, spreadsheets and ``kefu report``: what it is, where, and each timed rule's outcome."""
    received = item.get("at") if item.intake else None
    out = {
        "id": mask(item.id), "project": item.latest.log.project, "type": item.get("type"),
        "channel": item.get("channel"), "urgency": item.get("urgency") or item._defaults.get("urgency"),
        "validity": item.get("validity"), "received": f"{received:%Y-%m-%d %H:%M}" if received else None,
        "closed": item.latest.node.get("status") == "closed",
        "entries": [{"path": m.log.path, "entry": m.node.entry, "line": m.node.line, "date": m.log.date,
                     "shift": m.log.shift, "staff": [mask(s) for s in m.log.staff]} for m in item.members],
        "rules": {k: _outcome_json(v) for k, v in item.outcomes.items()},
    }
    for key in choices:  # 回访结果 and any other enumerated field (choice_fields), merged over the entries
        out.setdefault(key, item.get(key))
    return out


def write_json(out: IO[str], files: list[dict[str, Any]], items: list[dict[str, Any]],
               counts: dict[str, int]) -> None:
    """The JSON report with one file or item per line: a month of logs is tens of megabytes,
    which one pretty-printed string would hold in memory several times over (and take
    seconds to indent), while a line per file still reads and greps well."""
    import json

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    for key, rows in (("files", files), ("items", items)):
        out.write(("{" if key == "files" else ",\n ") + f'"{key}": [')
        for n, row in enumerate(rows):
            out.write(("," if n else "") + "\n  " + dump(row))
        out.write("\n ]" if rows else "]")
    out.write(f',\n "summary": {dump(counts)}\n}}\n')


def summary_line(files: int, unreadable: int, errors: int, warnings: int, lang: str) -> str:
    if lang == "en":
        return (f"{files} file(s) checked: {errors} error(s), {warnings} warning(s), "
                f"{unreadable} unreadable")
    return f"共检查 {files} 个文件：{errors} 个错误，{warnings} 个警告，{unreadable} 个文件无法读取"


def summary(run: Run) -> dict[str, int]:
    counts = {"files": len(run.files), "unreadable": 0, "errors": 0, "warnings": 0}
    for r in run.files:
        counts["unreadable"] += not r.readable
        for f in r.findings:
            counts["errors" if f.severity == "error" else "warnings"] += 1
    return counts


def exit_code(counts: dict[str, int]) -> int:
    if counts["unreadable"]:
        return 2
    return 1 if counts["errors"] else 0


def run(paths: list[str], state: State, out: IO[str], content: Path | None = None, config: Path | None = None,
        jobs: int | None = None, progress: bool = True) -> int:
    """Check, write the reports in the order the files were given, return the exit code."""
    result = check_paths(paths, state, content, config, jobs, progress)
    lang = state.settings.lang
    # the company's traditional-Chinese edition: messages converted, paths and ids never
    edition = converter(state.book.company) if lang == "zh" else (lambda text: text)
    counts = summary(result)
    if state.settings.fmt == "json":
        if config_of(state.book.company) and lang == "zh":
            for r in result.files:
                for f in r.findings:
                    f.message, f.params = edition(f.render(lang)), {}
        write_json(out, [file_json(r, lang) for r in result.files], result.items, counts)
    else:
        for r in result.files:
            for f in r.findings:
                head, _, tail = f.text(lang).partition(f" {f.severity} {f.rule}: ")
                out.write(f"{head} {f.severity} {f.rule}: {edition(tail)}\n")
        out.write(edition(summary_line(counts["files"], counts["unreadable"], counts["errors"], counts["warnings"],
                                       lang)) + "\n")
    out.flush()
    return exit_code(counts)
