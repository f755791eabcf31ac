"""The records a report is about: ``kefu check --format json`` outputs, merged, or a check run here.

A batch runner may shard a month by estate and run ``kefu check --format
json`` per shard; :func:`merge` makes one document of them, and a report
built from it equals the report of one check over all the files (items are
linked within one project, so shards by project lose nothing).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

SUMMARY_KEYS = ("files", "unreadable", "errors", "warnings")


class ReportError(Exception):
    """An input the report cannot use: exit 2 with this message (file named, in Chinese)."""


def load_json(path: str) -> dict[str, Any]:
    """One ``kefu check --format json`` output; anything else is a ReportError naming the file."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ReportError(f"{path}: 文件不存在") from None
    except IsADirectoryError:
        raise ReportError(f"{path}: 这是一个目录；--from 需要 kefu check --format json 的输出文件") from None
    except UnicodeDecodeError:
        raise ReportError(f"{path}: 不是 UTF-8 文本；--from 需要 kefu check --format json 的输出") from None
    except OSError as exc:
        raise ReportError(f"{path}: 无法读取：{exc.strerror}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path}:{exc.lineno}: 不是有效的 JSON（{exc.msg}）；"
                          "--from 需要 kefu check --format json 的输出") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("files"), list):
        raise ReportError(f"{path}: 不是 kefu check --format json 的输出（缺少 files 列表）")
    for i, f in enumerate(doc["files"]):
        if not isinstance(f, dict) or not isinstance(f.get("path"), str) or not isinstance(f.get("findings", []), list):
            raise ReportError(f"{path}: files 第 {i + 1} 项不是 kefu check 的文件结果")
    if not isinstance(doc.get("items", []), list):
        raise ReportError(f"{path}: items 应为列表")
    return doc


def merge(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """One check output from several: files once each (by path), items once each (by project and id)."""
    files: dict[str, dict[str, Any]] = {}
    items: dict[tuple[Any, ...], dict[str, Any]] = {}
    for doc in docs:
        for f in doc.get("files", []):
            files.setdefault(os.path.normpath(f["path"]), f)
        for item in doc.get("items", []) or []:
            if isinstance(item, dict):
                # an item is its entries: two logs may both have a 夜班/1 of the same date (or day)
                entries = tuple((os.path.normpath(str(e.get("path"))), str(e.get("entry")))
                                for e in item.get("entries") or [] if isinstance(e, dict))
                items.setdefault((str(item.get("project")), str(item.get("id")), entries), item)
    ordered = [files[k] for k in sorted(files)]
    summary = {"files": len(ordered), "unreadable": sum(1 for f in ordered if not f.get("readable", True)),
               "errors": sum(1 for f in ordered for x in f.get("findings", []) if x.get("severity") == "error"),
               "warnings": sum(1 for f in ordered for x in f.get("findings", []) if x.get("severity") == "warning")}
    return {"files": ordered, "items": [items[k] for k in sorted(items)],
            "summary": summary}


def run_check(paths: list[str], content: str | None, config: str | None, as_of: str | None,
              jobs: int | None, progress: bool) -> dict[str, Any]:
    """What ``kefu check --format json`` prints for ``paths``, as data, checked in this process.

    Phase 1 reads every file (YAML and JSON through the engine, workbooks
    through :mod:`kefu.check.xlsx_record`) in worker processes; phase 2 links
    the shift logs of each project into items, as ``kefu check`` does, so the
    report of a direct run equals the report ``--from`` that command's output.
    """
    import kefu.check.engine as check
    from kefu.check.workdays import zone
    from kefu.check.xlsx_record import is_workbook, name_cells
    from kefu.load import HandbookError, locate, require

    try:
        book, _ = require(content, config, records_only=True)
    except HandbookError as exc:
        raise ReportError(str(exc)) from None
    root, cfg = locate(content, config)
    try:
        moment = check.parse_as_of(as_of, zone(book.company.timezone)) if as_of else None
    except check.SetupError as exc:
        raise ReportError(str(exc)) from None
    state = check.State.build(book, check.Settings(lang="zh", as_of=moment, fmt="json"))
    records = [p for p in paths if not (os.path.isfile(p) and is_workbook(p))]
    files = check.discover(records) if records else []
    files += [(p, p) for p in _workbooks(paths)]
    bar = Progress(len(files), "检查记录") if progress else None
    results, cells = [], []
    for result, cell_map in _phase1(files, state, root, cfg, jobs):
        results.append(result)
        cells.append(cell_map)
        if bar:
            bar.tick()
    run = check.check_results(results, state)
    for result, cell_map in zip(run.files, cells, strict=True):
        name_cells(result, cell_map)
    if bar:
        bar.done()
    return merge([{"files": [check.file_json(r) for r in run.files],
                   "items": [check.item_json(i, {}) for p in run.projects for i in p.items]}])


_STATE: Any = None
#: files per task sent to a worker (as the engine does)
CHUNK = 16


def _read(path: str, shown: str) -> tuple[Any, Any]:
    from kefu.check.engine import read_file
    from kefu.check.xlsx_record import is_workbook, read_xlsx_file

    if is_workbook(path):
        return read_xlsx_file(path, shown, _STATE)
    return read_file(path, shown, _STATE), None


def _work(chunk: list[tuple[str, str]]) -> list[tuple[Any, Any]]:
    return [_read(path, shown) for path, shown in chunk]


def _init(book: Any, settings: Any, content: str, config: str | None) -> None:
    import kefu.check.engine as check
    from kefu.load import require

    global _STATE
    if book is None:
        book, _ = require(content, config, records_only=True)
    _STATE = check.State.build(book, settings)
    check.tune_gc()


def _phase1(files: list[tuple[str, str]], state: Any, root: Path, cfg: Path | None,
            jobs: int | None) -> Any:
    """(FileResult, cell map or None) of each file, in order, in worker processes when there are enough."""
    import multiprocessing

    import kefu.check.engine as check

    global _STATE
    _STATE = state
    check.tune_gc()
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(files) < 2 * CHUNK:
        for path, shown in files:
            yield _read(path, shown)
        return
    methods = multiprocessing.get_all_start_methods()
    mp = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    inherit = state.book if mp.get_start_method() == "fork" else None
    with mp.Pool(jobs, initializer=_init,
                 initargs=(inherit, state.settings, str(root), str(cfg) if cfg else None)) as pool:
        for batch in pool.imap(_work, [files[i:i + CHUNK] for i in range(0, len(files), CHUNK)]):
            yield from batch


def _workbooks(paths: list[str]) -> list[str]:
    """Excel records among the paths (folders searched), until the engine's discover finds them itself."""
    from kefu.check.engine import SUFFIXES as ENGINE_SUFFIXES
    from kefu.check.xlsx_record import SUFFIXES, is_workbook

    if ".xlsx" in ENGINE_SUFFIXES:
        return [p for p in paths if os.path.isfile(p) and is_workbook(p)]  # folders: discover has them
    found: list[str] = []
    for arg in paths:
        if os.path.isdir(arg):
            for root, dirs, files in os.walk(arg):
                dirs.sort()
                found += sorted(os.path.join(root, n) for n in files if is_workbook(n) and n.lower().endswith(SUFFIXES))
        elif is_workbook(arg):
            found.append(arg)
    return found


class Progress:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, total: int, label: str) -> None:
        self.total, self.label, self.n = max(total, 1), label, 0
        self.on = sys.stderr.isatty()
        self.last = -1

    def tick(self) -> None:
        self.n += 1
        if not self.on:
            return
        percent = min(100, self.n * 100 // self.total)
        if percent != self.last:
            self.last = percent
            filled = percent * 30 // 100
            sys.stderr.write(f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {self.n}/{self.total}")
            sys.stderr.flush()

    def done(self) -> None:
        if self.on:
            sys.stderr.write("\r" + " " * (len(self.label) * 2 + 50) + "\r")
            sys.stderr.flush()
