"""Helpers for the checker's tests: run the real CLI, build a small handbook, read `# expect:` headers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
RECORDS = FIXTURES / "records"
#: the repository's copy of the record contracts (tests/test_contracts.py keeps it equal to ../shared)
EXAMPLES = REPO / "tests" / "contracts" / "examples"
SITE = "https://handbook.example/kefu/"


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)


def kefu(*args: str, cwd: Path | None = None, stdin: str | None = None, timeout: int = 120) -> Result:
    """Run ``kefu`` as a user would, in a subprocess; bugs raise instead of becoming findings."""
    env = dict(os.environ, KEFU_CHECK_RAISE="1", PYTHONPATH=str(REPO / "tools"))
    proc = subprocess.run([sys.executable, "-m", "kefu.cli", *args], capture_output=True, text=True,
                          cwd=cwd or REPO, env=env, input=stdin, timeout=timeout)
    assert "Traceback" not in proc.stderr, proc.stderr
    return Result(proc.returncode, proc.stdout, proc.stderr)


def make_content(target: Path, site_url: str = SITE) -> Path:
    """A handbook folder: the shipped record forms and rules, plus small roles/evaluations/incident classes."""
    content = target / "procedures"
    (content / "forms").mkdir(parents=True)
    (content / "rules").mkdir()
    shutil.copy(REPO / "procedures" / "forms" / "records.yaml", content / "forms" / "records.yaml")
    shutil.copy(REPO / "procedures" / "rules" / "records.yaml", content / "rules" / "records.yaml")
    for f in (FIXTURES / "check-content").glob("*.yaml"):
        shutil.copy(f, content / f.name)
    (target / "kefu.yaml").write_text(
        "company:\n  name: 测试物业\n  estates: [{name: 东湖湾名苑}]\n  timezone: Asia/Shanghai\n"
        f"  site_url: {site_url}\n"
        "  shifts:\n    - {name: 白班, start: '08:00', end: '20:00'}\n"
        "    - {name: 夜班, start: '19:30', end: '07:30'}\n",
        encoding="utf-8")
    return content


@dataclass
class Expect:
    errors: set[tuple[str, str, str]]
    warnings: set[tuple[str, str, str]]
    as_of: str | None


def read_expect(path: Path) -> Expect:
    """`# expect: ENTRY FIELD [RULE]`, `# warn: ENTRY FIELD RULE`, `# as-of: ...` header lines."""
    errors, warnings, as_of = set(), set(), None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        body = line[1:].strip()
        for tag, target in (("expect:", errors), ("warn:", warnings)):
            if body.startswith(tag):
                parts = body[len(tag):].split()
                target.add((parts[0], parts[1], parts[2] if len(parts) > 2 else ""))
        if body.startswith("as-of:"):
            as_of = body[len("as-of:"):].strip()
    return Expect(errors, warnings, as_of)


def found(report: dict[str, Any], severity: str, with_rule: bool = True) -> set[tuple[str, str, str]]:
    """(entry, field, rule) of one file's findings of a severity; `-` for null."""
    out = set()
    for f in report["findings"]:
        if f["severity"] == severity:
            entry = "-" if f["entry"] is None else str(f["entry"])
            out.add((entry, f["field"] or "-", f["rule"] if with_rule else ""))
    return out
