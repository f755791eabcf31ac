"""The command line's edges, run as a shell runs them: a reader that stops early, a full disk, no path.

Each test starts the real ``kefu`` in a subprocess through ``bash`` with
``set -o pipefail``, so the exit code seen is the one a script or CI sees.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "tests" / "contracts" / "examples"
KEFU = f"{sys.executable} -m kefu.cli"


def shell(command: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "tools")}
    return subprocess.run(["bash", "-c", f"set -o pipefail; {command}"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Many records, so the report is longer than a pipe's buffer: one with a finding, the rest clean."""
    folder = tmp_path_factory.mktemp("records")
    (folder / "a-late.yaml").write_text((EXAMPLES / "complaint-late-crm.bad.yaml").read_text(encoding="utf-8"),
                                        encoding="utf-8")
    clean = (EXAMPLES / "day-shift.ok.yaml").read_text(encoding="utf-8")
    for n in range(400):
        (folder / f"b-{n:03}.yaml").write_text(clean, encoding="utf-8")
    return folder


def test_head_keeps_the_checks_exit_code_and_prints_no_traceback(records: Path) -> None:
    res = shell(f"{KEFU} check --format json {records} | head -1")
    assert res.returncode == 1  # the check's own code (a finding), not 0 and not 141 (SIGPIPE)
    assert res.stdout == "{\"files\": [\n"  # one file per line follows
    assert res.stderr == ""


def test_head_on_a_clean_check_is_still_zero(records: Path, tmp_path: Path) -> None:
    for n in range(400):
        (tmp_path / f"{n:03}.yaml").write_bytes((records / "b-000.yaml").read_bytes())
    res = shell(f"{KEFU} check {tmp_path} | head -1")
    assert res.returncode == 0 and res.stderr == ""
    assert res.stdout.startswith("共检查 400 个文件")


@pytest.mark.parametrize("command", ["lint --format json", "export", "new shift-log", "check --help"])
def test_every_command_survives_a_reader_that_stops(command: str) -> None:
    res = shell(f"{KEFU} {command} | head -c 1 > /dev/null")
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr and "Exception ignored" not in res.stderr


@pytest.mark.parametrize("command", ["check --format json {records}", "export", "new shift-log"])
def test_a_full_disk_is_one_line_and_exit_2(command: str, records: Path) -> None:
    res = shell(f"{KEFU} {command.format(records=records)} > /dev/full")
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == ["kefu: 标准输出无法写入：磁盘已满"]


def test_check_without_a_path_prints_chinese_usage() -> None:
    res = shell(f"{KEFU} check")
    assert res.returncode == 2 and res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert lines[0].startswith("用法：") and "kefu check [选项] 记录文件或文件夹..." in lines[0]
    assert "查看帮助：kefu check --help" in res.stderr
    assert lines[-1].startswith("错误：缺少要检查的记录")


@pytest.mark.parametrize("args, words", [
    ("check --format xml x.yaml", "错误：'--format' 的值不对：'xml' 不在 'text', 'json' 之中"),
    ("chek", "错误：没有子命令 'chek'"),
    ("check --jobs 0 x.yaml", "不在范围"),
    ("lint --nope", "错误：没有选项"),
])
def test_usage_errors_speak_chinese(args: str, words: str) -> None:
    res = shell(f"{KEFU} {args}")
    assert res.returncode == 2
    assert words in res.stderr, res.stderr
    assert "Usage:" not in res.stderr and "Error:" not in res.stderr


def test_the_full_report_is_unchanged_when_nobody_stops_reading(records: Path, tmp_path: Path) -> None:
    piped = shell(f"{KEFU} check --format json {records} | cat")
    to_file = shell(f"{KEFU} check --format json {records} > {tmp_path / 'report.json'}")
    assert piped.returncode == to_file.returncode == 1
    assert piped.stdout == (tmp_path / "report.json").read_text(encoding="utf-8")
    summary = json.loads(piped.stdout)["summary"]
    assert summary["files"] == 401 and summary["unreadable"] == 0 and summary["errors"] >= 1
