"""Writing a :class:`~kefu.report.build.Report`: HTML (opens from disk), A4 PDF, Excel and CSV.

The HTML is one file with its CSS and SVG charts inside, so it opens on the
estate office PC with no network; the PDF is the same page through
WeasyPrint.  The workbook has one sheet per table with Chinese headers, a
frozen header row, filters and real Excel dates; the CSV files are UTF-8
with a BOM so Excel shows the Chinese.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kefu.report.build import Report, kpi_table
from kefu.report.charts import CSS_FONTS, all_charts
from kefu.report.kpi import show_target

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class Sheet:
    """One table of the workbook and one CSV file: name, columns (key, Chinese header, kind), rows."""

    name: str
    file: str
    columns: list[tuple[str, str, str]]  # key, header, kind: text | number | datetime | date
    rows: list[dict[str, Any]]


def title_of(report: Report) -> str:
    year, month = report.month.split("-")
    where = report.project or ("、".join(report.projects) if 0 < len(report.projects) <= 3 else "")
    return f"客户服务月报 {year} 年 {int(month)} 月" + (f"（{where}）" if where else "")


def html(report: Report) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined)

    def cls(ok: bool | None) -> str:
        return "ok" if ok else ("bad" if ok is False else "none")

    return env.get_template("report.html.j2").render(r=report, title=title_of(report), charts=all_charts(report),
                                                     cls=cls, target=show_target, fonts=CSS_FONTS)


def pdf(page: str) -> bytes:
    import weasyprint

    return bytes(weasyprint.HTML(string=page, base_url=str(TEMPLATES)).write_pdf())


def sheets(report: Report) -> list[Sheet]:
    return [
        Sheet("指标", "kpis.csv", [("kpi", "指标", "text"), ("scope", "范围", "text"), ("value", "数值", "number"),
                                   ("shown", "显示", "text"), ("numerator", "分子", "number"),
                                   ("denominator", "分母", "number"), ("target", "目标", "text"),
                                   ("met", "是否达标", "text"), ("source", "依据", "text")], kpi_table(report)),
        Sheet("事项", "items.csv", [("item", "事项", "text"), ("project", "项目", "text"), ("type", "类别", "text"),
                                    ("channel", "渠道", "text"), ("urgency", "紧急程度", "text"),
                                    ("received", "受理时间", "datetime"), ("closed", "状态", "text"),
                                    ("entries", "记录条数", "number"), ("staff", "值班人员", "text"),
                                    ("breached", "超时规定数", "number"), ("rules", "各项时限", "text"),
                                    ("where", "在哪里看", "text")], report.items),
        Sheet("问题", "findings.csv", [("path", "文件", "text"), ("cell", "单元格", "text"),
                                       ("line", "行", "number"), ("project", "项目", "text"),
                                       ("date", "日期", "date"), ("shift", "班次", "text"),
                                       ("staff", "值班人员", "text"), ("entry", "序号", "text"),
                                       ("item", "事项", "text"), ("severity", "级别", "text"),
                                       ("title", "规定", "text"), ("message", "说明", "text"),
                                       ("help", "手册页面", "text")], report.findings),
        Sheet("考评", "scores.csv", [("staff", "人员", "text"), ("role", "岗位", "text"), ("kinds", "考评表", "text"),
                                     ("sheets", "张数", "number"), ("mean", "平均分", "number"),
                                     ("lowest", "最低分", "number"), ("lost", "扣分最多的项目", "text")],
              report.scores),
        Sheet("突发事件", "incidents.csv", [("project", "项目", "text"), ("place", "地点", "text"),
                                            ("class", "类别", "text"), ("event", "事件类型", "text"),
                                            ("occurred_at", "发生时间", "datetime"),
                                            ("resolved_at", "处理完毕时间", "datetime"),
                                            ("reported_at", "报品质部时间", "datetime"), ("due", "期限", "datetime"),
                                            ("status", "结果", "text"), ("path", "文件", "text")], report.incidents),
    ]


def _cell(value: Any, kind: str) -> Any:
    """A value as Excel should hold it: times and dates as real dates, the rest as written."""
    if value is None or value == "":
        return None
    if kind in ("datetime", "date") and isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.replace("T", " ")[:16])
        except ValueError:
            return value
        return moment.date() if kind == "date" else moment
    return value


def workbook(report: Report) -> bytes:
    """One sheet per table: Chinese headers, frozen header row, filters, times and dates as Excel dates."""
    from kefu.report.xlsxout import write

    widths = {"datetime": 17, "date": 12, "number": 10}
    parts = []
    for sheet in sheets(report):
        header = [h for _, h, _ in sheet.columns]
        rows = [[_cell(row.get(k), kind) for k, _, kind in sheet.columns] for row in sheet.rows]
        parts.append((sheet.name, header, rows,
                      [widths.get(kind, max(12, 2 * len(h) + 4)) for _, h, kind in sheet.columns]))
    return write(parts, title=title_of(report), creator="kefu report")


def csv_text(sheet: Sheet) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([h for _, h, _ in sheet.columns])
    for row in sheet.rows:
        w.writerow(["" if row.get(k) is None else row.get(k) for k, _, _ in sheet.columns])
    return buf.getvalue()


def write_all(report: Report, out: Path, with_pdf: bool = True,
              progress: Callable[[str], None] | None = None) -> list[Path]:
    """report.html, report.pdf, report.xlsx and one CSV per table in ``out``; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def put(name: str, data: bytes) -> None:
        (out / name).write_bytes(data)
        done(out / name)

    def done(path: Path) -> None:
        written.append(path)
        if progress:
            progress(path.name)

    target = out / "report.xlsx"
    with _beside(lambda: target.write_bytes(workbook(report))) as wait:  # the workbook on the other core meanwhile
        page = html(report)
        put("report.html", page.encode("utf-8"))
        if with_pdf:
            put("report.pdf", pdf(page))
    if not wait():
        target.write_bytes(workbook(report))
    done(target)
    for sheet in sheets(report):
        put(sheet.file, csv_text(sheet).encode("utf-8-sig"))
    return written


@contextlib.contextmanager
def _beside(job: Callable[[], object]) -> Iterator[Callable[[], bool]]:
    """Run ``job`` in a forked process while the caller goes on; ``wait()`` says whether it succeeded.

    A fork inherits the report, so nothing is pickled.  Without fork (or with one core) the job
    is left to the caller (``wait()`` is False).
    """
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods() or (os.cpu_count() or 1) < 2:
        yield lambda: False
        return
    child = multiprocessing.get_context("fork").Process(target=job, daemon=True)
    child.start()

    def wait() -> bool:
        child.join()
        return child.exitcode == 0

    try:
        yield wait
    finally:
        if child.is_alive():
            child.join()
