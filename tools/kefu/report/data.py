"""The records a report is about: ``kefu check --format json`` outputs, merged, or a check run here.

A batch runner may shard a month by estate and run ``kefu check --format
json`` per shard; :func:`merge` makes one document of them, and a report
built from it equals the report of one check over all the files (items are
linked within one project, so shards by project lose nothing).
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Callable
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
    items: dict[tuple[Any, Any], dict[str, Any]] = {}
    for doc in docs:
        for f in doc.get("files", []):
            files.setdefault(os.path.normpath(f["path"]), f)
        for item in doc.get("items", []) or []:
            if isinstance(item, dict):
                items.setdefault((item.get("project"), item.get("id")), item)
    ordered = [files[k] for k in sorted(files)]
    summary = {"files": len(ordered), "unreadable": sum(1 for f in ordered if not f.get("readable", True)),
               "errors": sum(1 for f in ordered for x in f.get("findings", []) if x.get("severity") == "error"),
               "warnings": sum(1 for f in ordered for x in f.get("findings", []) if x.get("severity") == "warning")}
    return {"files": ordered, "items": [items[k] for k in sorted(items, key=lambda k: (str(k[0]), str(k[1])))],
            "summary": summary}


class _Counting(io.StringIO):
    """The JSON the engine streams, counting files as they come (for the progress bar)."""

    def __init__(self, tick: Callable[[], None]) -> None:
        super().__init__()
        self.tick = tick

    def write(self, s: str) -> int:
        if s.startswith(("\n    {", ",\n    {")):
            self.tick()
        return super().write(s)


def run_check(paths: list[str], content: str | None, config: str | None, as_of: str | None,
              jobs: int | None, progress: bool) -> dict[str, Any]:
    """``kefu check --format json`` over ``paths`` in this process (YAML/JSON by the engine, .xlsx here)."""
    import kefu.check.engine as check
    from kefu.check.workdays import zone
    from kefu.check.xlsx_record import SUFFIXES
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
    workbooks = _workbooks(paths, SUFFIXES)
    records = [p for p in paths if not (os.path.isfile(p) and p.lower().endswith(SUFFIXES))]
    total = len(check.discover(records)) + len(workbooks) if records else len(workbooks)
    bar = Progress(total, "检查记录") if progress else None
    out = _Counting(bar.tick if bar else lambda: None)
    if records:
        check.run(records, state, out, root, cfg, jobs)
        doc = json.loads(out.getvalue())
    else:
        doc = {"files": [], "items": []}
    for result in _check_workbooks(workbooks, state, jobs):
        doc["files"].append(result)
        if bar:
            bar.tick()
    if bar:
        bar.done()
    return merge([doc])


_STATE: Any = None


def _one_workbook(path: str) -> dict[str, Any]:
    from kefu.check.engine import file_json
    from kefu.check.xlsx_record import check_xlsx

    return file_json(check_xlsx(path, path, _STATE))


def _check_workbooks(paths: list[str], state: Any, jobs: int | None) -> Any:
    """Each workbook's file JSON, in order; in forked workers when there are many (as the engine does)."""
    import multiprocessing

    global _STATE
    _STATE = state
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(paths) < 32 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(_one_workbook, paths)
        return
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        yield from pool.imap(_one_workbook, paths, chunksize=16)


def _workbooks(paths: list[str], suffixes: tuple[str, ...]) -> list[str]:
    """Excel records among the paths (folders searched), until the engine dispatches them itself."""
    found: list[str] = []
    for arg in paths:
        if os.path.isdir(arg):
            for root, dirs, files in os.walk(arg):
                dirs.sort()
                found += sorted(os.path.join(root, n) for n in files
                                if n.lower().endswith(suffixes) and not n.startswith("~$"))
        elif arg.lower().endswith(suffixes):
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
