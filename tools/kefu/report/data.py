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
    run = check.check_paths(paths, state, root, cfg, jobs, progress)
    return merge([{"files": [check.file_json(r) for r in run.files],
                   "items": run.items}])


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
