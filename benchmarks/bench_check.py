"""How fast is ``kefu check`` on a month of logs?  (A script, not a test.)

Generates realistic shift logs (30 entries each) into a temporary folder and
times, over the same files:

- ``kefu check --format json`` (everything: parse, read against the form, all rules);
- parsing only, with PyYAML's C loader (``yaml.load(f, Loader=yaml.CSafeLoader)``);
- ``check-jsonschema`` with the generated shift-log schema (structure only, no rules).

Targets: full check <= 1.5x parse-only, and far faster than check-jsonschema.
Peak memory of the check (children's max RSS) is measured for 500 and 2,000
files: streaming should keep it flat.

A month (``--month``, the default in ``make bench``): 20 estates x 30 days x 3
shifts = 1,800 logs of 20 entries, with follow-ups written in later shifts
(``follows: DATE/SHIFT/NO``) and open items carried in ``handover.open`` by
reference, checked as one run so items are linked across shifts.  Printed in one
run: ``kefu check`` on the folder, parse-only with the C loader (one process and
both cores), peak memory for 500 vs 2,000 logs, and the start-up of ``kefu
check`` on one file (model cache warm, bytecode compiled) against check-jsonschema.
Targets: check no slower than parse-only on both cores, peak memory < 300 MB,
one file < 0.15 s.

    python benchmarks/bench_check.py [--files 2000] [--entries 30] [--skip-jsonschema]
    python benchmarks/bench_check.py --month [--estates 20] [--days 30]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
KEFU = [sys.executable, "-m", "kefu.cli"]
#: check-jsonschema as installed beside this interpreter (the test extra), else on PATH
JSONSCHEMA = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) or shutil.which("check-jsonschema")

CONTENTS = {
    "repair": ["卫生间水龙头漏水", "厨房下水管堵塞", "客厅插座没电", "阳台推拉门卡住"],
    "complaint": ["楼上装修噪音超出规定时段", "电梯广告屏音量过大", "地下车库排风机噪音", "垃圾桶未及时清理"],
    "inquiry": ["询问本月物业费缴纳方式", "询问快递代收点位置", "询问停水安排"],
    "suggestion": ["建议增设儿童游乐区遮阳棚", "建议延长会所开放时间"],
}


def hhmm(minutes: int) -> str:
    minutes %= 1440
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def shift_log(rng: random.Random, day: int, night: bool, entries: int) -> str:
    """One shift log like the office writes: mostly clean, some late CRM entries and callbacks."""
    start = 20 * 60 if night else 8 * 60
    date = f"2026-11-{1 + day % 28:02d}"
    lines = ["form: shift-log", "project: 东湖湾名苑", f"date: {date}", f"shift: {'夜班' if night else '白班'}",
             f'start: "{hhmm(start)}"', f'end: "{hhmm(start + 720)}"', "staff: [王芳, 李强]",
             "online_checks: [" + ", ".join(f'"{hhmm(start + 30 + 170 * i)}"' for i in range(5)) + "]",
             "entries:"]
    open_numbers = []
    step = 600 // entries
    for n in range(1, entries + 1):
        at = start + 20 + (n - 1) * step
        kind = rng.choice(["repair", "complaint", "inquiry", "repair", "suggestion", "inquiry"])
        building, unit, floor = rng.randint(1, 12), rng.randint(1, 4), rng.randint(1, 30)
        lines += [f"  - no: {n}", f'    at: "{hhmm(at)}"', f"    channel: {rng.choice(['phone', 'visit', '电话'])}",
                  f"    type: {kind}", f"    room: {building}-{unit}-{floor:02d}0{rng.randint(1, 4)}",
                  f"    contact: {rng.choice(['陈先生', '刘女士', '赵先生', '孙女士'])}",
                  f"    phone: 13{rng.randint(0, 9)}****{rng.randint(1000, 9999)}",
                  f"    content: {rng.choice(CONTENTS[kind])}"]
        status = "closed"
        if kind in ("complaint", "suggestion"):
            lines.append(f'    crm_at: "{hhmm(at + rng.choice([5, 30, 90, 130]))}"')
        if kind == "suggestion":
            lines.append("    reply_due: 2026-12-02")
            status = "open"
        if kind == "repair":
            lines += [f'    crm_at: "{hhmm(at + 5)}"', f'    appointment_at: "{hhmm(at + 40)}"',
                      "    dispatched_to: 工程部", f'    dispatched_at: "{hhmm(at + 8)}"',
                      f'    arrived_at: "{hhmm(at + rng.choice([35, 40, 45]))}"',
                      f'    done_at: "{hhmm(at + 60)}"', "    signed: true",
                      f'    callback_at: "{hhmm(at + 70)}"', "    callback_result: satisfied"]
        if status == "open":
            open_numbers.append(n)
        lines.append(f"    status: {status}")
    lines += ["handover:", "  to: 张敏", f'  at: "{hhmm(start + 720)}"',
              f"  open: [{', '.join(map(str, open_numbers))}]", "  notes: 见未完成事项"]
    return "\n".join(lines) + "\n"


def generate(folder: Path, count: int, entries: int) -> None:
    rng = random.Random(20261121)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (folder / f"{i // 2:04d}-{'night' if i % 2 else 'day'}.yaml").write_text(
            shift_log(rng, i // 2, bool(i % 2), entries), encoding="utf-8")


SHIFTS = (("早班", 7 * 60), ("中班", 15 * 60), ("夜班", 23 * 60))  # three 8-hour shifts
ESTATES = [f"{name}{n}期" for n in range(1, 9) for name in ("东湖湾", "西溪悦府", "翠湖花园", "滨江苑", "金桂园")]


def month(folder: Path, estates: int, days: int, entries: int = 20) -> int:
    """A month of logs per estate: repairs finished in one shift are called back in the next
    (a follow-up entry), complaints stay open and are carried on by reference until closed."""
    rng = random.Random(20261130)
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for estate in ESTATES[:estates]:
        carried: list[str] = []     # references handed on to the next shift
        callbacks: list[tuple[str, int]] = []  # repairs done: (reference, shifts until the callback)
        for day in range(days):
            date = f"2026-11-{day + 1:02d}"
            for shift, start in SHIFTS:
                lines = ["form: shift-log", f"project: {estate}", f"date: {date}", f"shift: {shift}",
                         f'start: "{hhmm(start)}"', f'end: "{hhmm(start + 480)}"', "staff: [王芳, 李强]",
                         "online_checks: [" + ", ".join(f'"{hhmm(start + 60 + 120 * i)}"' for i in range(4)) + "]",
                         "entries:"]
                open_refs: list[str] = []
                n = 0
                due_now = [(ref, wait - 1) for ref, wait in callbacks]
                callbacks = [(ref, wait) for ref, wait in due_now if wait > 0]  # still waiting: handed on
                for ref, wait in due_now:
                    if wait > 0:
                        continue
                    n += 1
                    lines += [f"  - no: {n}", f"    follows: {ref}", f'    at: "{hhmm(start + 10 + n)}"',
                              "    channel: phone", "    type: repair", "    content: 回访维修结果",
                              f'    callback_at: "{hhmm(start + 10 + n)}"',
                              "    callback_result: satisfied", "    status: closed"]
                still = []
                for ref in carried:
                    if rng.random() < 0.4:
                        n += 1
                        lines += [f"  - no: {n}", f"    follows: {ref}", f'    at: "{hhmm(start + 30 + n)}"',
                                  "    channel: phone", "    type: complaint", "    content: 跟进投诉处理结果",
                                  f'    done_at: "{hhmm(start + 40 + n)}"',
                                  f'    callback_at: "{hhmm(start + 60 + n)}"', "    callback_result: satisfied",
                                  "    status: closed"]
                    else:
                        still.append(ref)
                step = 420 // entries
                while n < entries:
                    n += 1
                    at = start + 20 + n * step // 2
                    kind = rng.choice(["repair", "complaint", "inquiry", "repair", "inquiry"])
                    lines += [f"  - no: {n}", f'    at: "{hhmm(at)}"', "    channel: phone", f"    type: {kind}",
                              f"    room: {rng.randint(1, 12)}-{rng.randint(1, 4)}-{rng.randint(1, 30):02d}01",
                              f"    content: {rng.choice(CONTENTS[kind])}"]
                    status = "closed"
                    if kind == "repair":
                        lines += [f'    crm_at: "{hhmm(at + 3)}"', f'    appointment_at: "{hhmm(at + 40)}"',
                                  "    dispatched_to: 工程部", f'    dispatched_at: "{hhmm(at + 5)}"',
                                  f'    arrived_at: "{hhmm(at + 35)}"', f'    done_at: "{hhmm(at + 60)}"',
                                  "    signed: true"]
                        status = "open"
                        # most are called back next shift; one in twenty only after three shifts (late)
                        callbacks.append((f"{date}/{shift}/{n}", 4 if rng.random() < 0.05 else 1))
                    elif kind == "complaint":
                        lines.append(f'    crm_at: "{hhmm(at + rng.choice([5, 30, 90]))}"')
                        status = "open"
                        still.append(f"{date}/{shift}/{n}")
                    if status == "open":
                        open_refs.append(str(n))
                    lines.append(f"    status: {status}")
                carried = still
                here = f"{date}/{shift}/"
                earlier = [r for r in carried if not r.startswith(here)]
                earlier += [r for r, w in callbacks if w > 0 and not r.startswith(here)]
                lines += ["handover:", "  to: 张敏", f'  at: "{hhmm(start + 480)}"',
                          f"  open: [{', '.join(open_refs + earlier)}]"]
                name = f"{estate}-{date}-{[s for s, _ in SHIFTS].index(shift)}.yaml"
                (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
                count += 1
    return count


def parse_parallel(folder: Path, jobs: int = 2) -> float:
    """Wall seconds of parsing every file with the C loader on ``jobs`` processes."""
    import multiprocessing

    files = sorted(str(p) for p in folder.glob("*.yaml"))
    t0 = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        pool.map(_parse_one, files, chunksize=32)
    return time.perf_counter() - t0


def _parse_one(path: str) -> None:
    with open(path, "rb") as fh:
        yaml.load(fh, Loader=yaml.CSafeLoader)


def startup(tmp: Path) -> None:
    """``kefu check`` on one file, the way a script calls it file by file (best of 5)."""
    one = REPO / "tests" / "contracts" / "examples" / "day-shift.ok.yaml"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "tools" / "kefu")], check=True,
                   stdout=subprocess.DEVNULL)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["KEFU_CACHE"] = str(tmp / "cache")
    cmd = [str(Path(sys.executable).parent / "kefu"), "check", str(one)]
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL)  # fills the model cache
    best = min(timed(cmd, env)[0] for _ in range(5))
    print(f"kefu check one file      : {best:7.3f} s (model cached; target < 0.15 s)")
    if JSONSCHEMA:
        schema = REPO / "schemas" / "records" / "shift-log.schema.json"
        js = min(timed([JSONSCHEMA, "--schemafile", str(schema), str(one)], env)[0] for _ in range(5))
        print(f"check-jsonschema one file: {js:7.3f} s (kefu {best / js:.2f}x of it)")


def run_month(tmp: Path, estates: int, days: int) -> None:
    logs = tmp / "month"
    count = month(logs, estates, days)
    size = sum(p.stat().st_size for p in logs.iterdir()) / 1e6
    print(f"a month: {estates} estates x {days} days x 3 shifts = {count} logs, {size:.1f} MB")
    check_cmd = [*KEFU, "check", "--format", "json", str(logs)]
    check_s, code, check_cpu = timed(check_cmd)
    print(f"kefu check --format json : {check_s:7.2f} s wall, {check_cpu:6.2f} s CPU  (exit {code})")
    parse_s, parse_cpu = parse_only(logs)
    par_s = parse_parallel(logs)
    print(f"parse only, 1 process    : {parse_s:7.2f} s wall, {parse_cpu:6.2f} s CPU")
    print(f"parse only, 2 processes  : {par_s:7.2f} s wall")
    print(f"  ratio check / parse    : {check_s / par_s:7.2f}x of 2-process parse (target <= 1.0x), "
          f"{check_s / parse_s:.2f}x of 1-process")
    peak = peak_of(check_cmd)
    print(f"peak memory {count} logs : {peak / 1024:7.1f} MB (target < 300 MB)")
    for n in (500, 2000):
        part = tmp / f"part-{n}"
        part.mkdir()
        for p in sorted(logs.iterdir())[:n]:
            shutil.copy(p, part / p.name)
        if n > count:
            month(part, max(2, estates * n // count + 1), days)
        peak = peak_of([*KEFU, "check", "--format", "json", str(part)])
        print(f"peak memory {len(list(part.iterdir()))} logs : {peak / 1024:7.1f} MB")


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int, float]:
    """Wall time, exit code and CPU seconds (user + sys, all its processes) of one command.

    CPU time is reported beside wall time because on a shared machine the wall
    time of a parallel run depends on what else holds the cores.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, proc.returncode, cpu


def parse_only(folder: Path) -> tuple[float, float]:
    """Wall and CPU seconds of loading every file with PyYAML's C loader, in one process."""
    files = sorted(folder.glob("*.yaml"))
    t0, c0 = time.perf_counter(), time.process_time()
    for path in files:
        with path.open("rb") as fh:
            yaml.load(fh, Loader=yaml.CSafeLoader)
    return time.perf_counter() - t0, time.process_time() - c0


def peak_of(cmd: list[str]) -> int:
    """Peak RSS (KiB) of one command run in a fresh interpreter (so earlier runs do not count)."""
    probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL);"
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True, cwd=REPO)
    return int(out.stdout.strip() or 0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--entries", type=int, default=30)
    ap.add_argument("--skip-jsonschema", action="store_true")
    ap.add_argument("--month", action="store_true", help="a month of linked logs (see above)")
    ap.add_argument("--estates", type=int, default=20)
    ap.add_argument("--days", type=int, default=30)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="kefu-bench-"))
    if args.month:
        try:
            run_month(tmp, args.estates, args.days)
            startup(tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return
    try:
        logs, small = tmp / "logs", tmp / "small"
        generate(logs, args.files, args.entries)
        generate(small, min(500, args.files), args.entries)
        size = sum(p.stat().st_size for p in logs.iterdir()) / 1e6
        print(f"{args.files} shift logs x {args.entries} entries, {size:.1f} MB in {logs}")

        check_cmd = [*KEFU, "check", "--format", "json", str(logs)]
        check_s, code, check_cpu = timed(check_cmd)
        print(f"kefu check --format json : {check_s:7.2f} s wall, {check_cpu:6.2f} s CPU  (exit {code})")
        parse_s, parse_cpu = parse_only(logs)
        print(f"parse only (CSafeLoader) : {parse_s:7.2f} s wall, {parse_cpu:6.2f} s CPU")
        print(f"  ratio check / parse    : {check_s / parse_s:7.2f}x wall (target <= 1.5x), "
              f"{check_cpu / parse_cpu:.2f}x CPU")

        if not args.skip_jsonschema and JSONSCHEMA:
            schema = tmp / "schemas"
            subprocess.run([*KEFU, "schema", "--out", str(schema)], check=True, cwd=REPO, stdout=subprocess.DEVNULL)
            files = sorted(str(p) for p in logs.glob("*.yaml"))
            js_cmd = [JSONSCHEMA, "--schemafile", str(schema / "records" / "shift-log.schema.json"), *files]
            js_s, js_code, js_cpu = timed(js_cmd)
            print(f"check-jsonschema         : {js_s:7.2f} s wall, {js_cpu:6.2f} s CPU  (exit {js_code})")
            print(f"  ratio jsonschema/check : {js_s / check_s:7.1f}x  (target >> 10x)")

        peak_small = peak_of([*KEFU, "check", "--format", "json", str(small)])
        peak_big = peak_of(check_cmd)
        print(f"peak memory {len(list(small.iterdir()))} files  : {peak_small / 1024:7.1f} MB")
        print(f"peak memory {args.files} files : {peak_big / 1024:7.1f} MB")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
