"""How fast is ``kefu report`` on a month of logs, next to ``kefu check``?  (A script, not a test.)

Generates the month of bench_check.py (issue "Time limits as data": 20 estates x
30 days x 3 shifts = 1,800 linked logs of 20 entries), writes the same month as filled-in Excel workbooks
(the template of ``kefu new --format xlsx``, filled as the front desk would),
and times, on the same folders, in one run:

- ``kefu check --format json`` and ``kefu report --no-pdf`` (and with the PDF) on the YAML month;
- the same two on the .xlsx month;
- reading only: every YAML file with ``read_yaml`` against every workbook with ``read_xlsx``.

Targets: the report within 1.5x the check; reading xlsx within 3x reading the same content as YAML.

    python benchmarks/bench_report.py [--estates 20] [--days 30] [--jobs N]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "benchmarks"), str(REPO / "tests")]

from bench_check import KEFU, month, timed  # noqa: E402


def _convert(job: tuple[Path, Path]) -> None:
    from kefu.check.new_xlsx import workbook
    from kefu.load import plain, read_yaml, require
    from xlsxfill import fill_bytes

    global _TEMPLATE
    if _TEMPLATE is None:
        book, _ = require(REPO / "procedures", REPO / "kefu.yaml", records_only=True)
        form = book.forms["shift-log"]
        _TEMPLATE = (workbook(book, form), form)
    template, form = _TEMPLATE
    src, dst = job
    dst.write_bytes(fill_bytes(template, form, plain(read_yaml(src))))


_TEMPLATE: tuple[bytes, object] | None = None


def to_xlsx(logs: Path, out: Path) -> None:
    """The same month as workbooks, one per log (filled in parallel: openpyxl writes slowly)."""
    import multiprocessing

    out.mkdir(parents=True, exist_ok=True)
    jobs = [(p, out / (p.stem + ".xlsx")) for p in sorted(logs.glob("*.yaml"))]
    with multiprocessing.Pool() as pool:
        pool.map(_convert, jobs, chunksize=16)


def read_times(logs: Path, books: Path) -> tuple[float, float]:
    from kefu.check import engine
    from kefu.load import read_yaml, require
    from kefu.load.xlsx import read_xlsx

    book, _ = require(REPO / "procedures", REPO / "kefu.yaml", records_only=True)
    forms = engine.State.build(book, engine.Settings()).forms
    t0 = time.perf_counter()
    for p in sorted(logs.glob("*.yaml")):
        read_yaml(p)
    yaml_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for p in sorted(books.glob("*.xlsx")):
        read_xlsx(p, p.name, forms)
    return yaml_s, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--estates", type=int, default=20)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--jobs", type=int, default=None)
    args = ap.parse_args()
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    tmp = Path(tempfile.mkdtemp(prefix="kefu-bench-report-"))
    try:
        logs, books = tmp / "logs", tmp / "xlsx"
        count = month(logs, args.estates, args.days)
        t0 = time.perf_counter()
        to_xlsx(logs, books)
        print(f"a month: {count} linked shift logs ({args.estates} estates x {args.days} days x 3 shifts); "
              f"as .xlsx in {time.perf_counter() - t0:.1f} s")
        rows = []
        for name, folder in (("yaml", logs), ("xlsx", books)):
            check = timed([*KEFU, "check", "--format", "json", *jobs, str(folder)])
            report = timed([*KEFU, "report", "--no-pdf", *jobs, "--out", str(tmp / f"r-{name}"), str(folder)])
            pdf = timed([*KEFU, "report", *jobs, "--out", str(tmp / f"p-{name}"), str(folder)])
            rows.append((name, check, report, pdf))
        print(f"{'':6} {'check':>16} {'report':>16} {'report+PDF':>16} {'report/check':>13}")
        for name, check, report, pdf in rows:
            print(f"{name:6} {check[0]:7.2f} s ({check[2]:5.1f} cpu) {report[0]:7.2f} s ({report[2]:5.1f} cpu)"
                  f" {pdf[0]:7.2f} s ({pdf[2]:5.1f} cpu) {report[0] / check[0]:12.2f}x")
        (_, ycheck, yreport, _), (_, xcheck, xreport, _) = rows
        print(f"CPU report/check on yaml: {yreport[2] / ycheck[2]:.2f}x; report on .xlsx / check on the same month as "
              f".yaml: {xreport[0] / ycheck[0]:.2f}x wall, {xreport[2] / ycheck[2]:.2f}x CPU"
              + (" (kefu check itself does not read .xlsx yet)" if xcheck[2] < 0.2 * ycheck[2] else ""))
        yaml_s, xlsx_s = read_times(logs, books)
        print(f"reading only, one process: yaml {yaml_s:.2f} s, xlsx {xlsx_s:.2f} s ({xlsx_s / yaml_s:.2f}x)")
        print("targets: report/check <= 1.5x; xlsx reading <= 3x yaml reading")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
