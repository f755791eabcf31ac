"""kefu as a package a company builds on: a wheel installed outside the checkout, then ``kefu init``.

The wheel is built from this checkout and installed with ``-c constraints.txt``
into a fresh virtual environment in a temporary folder; every command then runs
from the company's folder with that environment's ``kefu`` and ``mkdocs``, so
nothing of the checkout (its procedures/, templates, .cache/ or npm) can help.
This takes a minute or two (the dependencies are installed once per session).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest

import kefu
from checkhelp import kefu as checkout_kefu

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "tests" / "contracts" / "examples"

pytestmark = pytest.mark.slow

PROCEDURE = """\
procedures:
  - id: shuttle-bus
    title: 小区班车乘车登记
    situation: 业主来电或来访预约小区班车
    roles: [cs-assistant]
    owner: cs-assistant
    reviewed: "2026-11-01"
    steps:
      - actor: cs-assistant
        action: 登记业主姓名、房号、乘车时间和人数，告知发车地点。
      - actor: cs-assistant
        action: 每天 17:00 前把第二天的预约名单发给车队。
"""

#: a shipped script the company words its own way (same id: replaces the shipped one)
SCRIPT = """\
scripts:
  - id: phone-greeting
    situation: phone
    text: 您好，翠湖物业客服中心，很高兴为您服务。
"""


def run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int = 900) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A fresh venv with only the built wheel (and its pinned dependencies) installed."""
    base = tmp_path_factory.mktemp("wheel")
    wheels = base / "dist"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KEFU_CONTENT", "KEFU_CONFIG",
                                                            "VIRTUAL_ENV")}
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(wheels),
                 str(REPO)], cwd=base, env=env)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = wheels.glob("kefu-*.whl")
    target = base / "venv"
    venv.EnvBuilder(with_pip=True).create(target)
    pip = run([str(target / "bin" / "python"), "-m", "pip", "install", "-q", "-c", str(REPO / "constraints.txt"),
               str(wheel)], cwd=base, env=env, timeout=1800)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    env = {**env, "PATH": f"{target / 'bin'}{os.pathsep}{env.get('PATH', '')}", "NO_MKDOCS_2_WARNING": "1"}
    return target / "bin", env


@pytest.fixture(scope="session")
def company(installed: tuple[Path, dict[str, str]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``kefu init`` plus what a company adds: a procedure, its own greeting, a stricter CRM limit."""
    bin_dir, env = installed
    folder = tmp_path_factory.mktemp("company") / "cuihu"
    made = run([str(bin_dir / "kefu"), "init", str(folder), "--name", "翠湖物业", "--estate", "东湖湾名苑"],
               cwd=folder.parent, env=env)
    assert made.returncode == 0, made.stderr
    (folder / "procedures" / "shuttle-bus.yaml").write_text(PROCEDURE, encoding="utf-8")
    (folder / "procedures" / "scripts.yaml").write_text(SCRIPT, encoding="utf-8")
    cfg = folder / "kefu.yaml"
    text = cfg.read_text(encoding="utf-8")
    assert "rules: {}\n" in text
    cfg.write_text(text.replace("rules: {}\n", "rules: {complaint-crm-entry: {limit: {value: 1, unit: hours}}}\n"),
                   encoding="utf-8")
    return folder


def test_the_wheel_runs_from_its_own_environment_not_the_checkout(installed) -> None:
    bin_dir, env = installed
    where = run([str(bin_dir / "python"), "-c", "import kefu, kefu.load.handbook as h; print(kefu.__file__);"
                 "print(h.SHIPPED)"], cwd=bin_dir, env=env)
    module, shipped = where.stdout.split()
    assert Path(module).is_relative_to(bin_dir.parent) and not Path(module).is_relative_to(REPO)
    assert (Path(shipped) / "roles.yaml").is_file() and Path(shipped).is_relative_to(bin_dir.parent)


def test_init_writes_the_company_repository_and_refuses_to_overwrite_it(installed, company) -> None:
    bin_dir, env = installed
    assert {p.name for p in company.iterdir()} >= {"kefu.yaml", "procedures", "mkdocs.yml", "README.md", "docs"}
    readme = (company / "README.md").read_text(encoding="utf-8")
    assert "kefu lint" in readme and "mkdocs build --strict" in readme
    assert f"pip install kefu-{kefu.__version__}-py3-none-any.whl" in readme and "pypi" not in readme
    mkdocs_yml = (company / "mkdocs.yml").read_text(encoding="utf-8")
    assert "- kefu" in mkdocs_yml and "custom_dir" not in mkdocs_yml and "hooks" not in mkdocs_yml
    before = (company / "kefu.yaml").read_bytes()
    again = run([str(bin_dir / "kefu"), "init", str(company)], cwd=company, env=env)
    assert again.returncode == 2
    assert "kefu.yaml" in again.stderr and "未改动任何文件" in again.stderr
    assert (company / "kefu.yaml").read_bytes() == before


def test_lint_reads_the_company_folder_over_the_shipped_handbook(installed, company) -> None:
    bin_dir, env = installed
    lint = run([str(bin_dir / "kefu"), "lint", "--format", "json"], cwd=company, env=env)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    findings = json.loads(lint.stdout)
    replaced = [f for f in findings if f["rule"] == "replaces-shipped"]
    assert len(replaced) == 1 and replaced[0]["severity"] == "warning"
    assert replaced[0]["path"] == os.path.join("procedures", "scripts.yaml")
    assert "phone-greeting" in replaced[0]["message"]
    exported = json.loads(run([str(bin_dir / "kefu"), "export"], cwd=company, env=env).stdout)
    text = json.dumps(exported, ensure_ascii=False)
    assert "小区班车乘车登记" in text  # the company's procedure is added ...
    assert "翠湖物业客服中心，很高兴为您服务" in text  # ... its greeting replaces the shipped one
    assert "投诉受理与处理" in text and "complaint-crm-entry" in text  # ... and the shipped handbook is all there


def test_the_site_builds_from_the_installed_package_alone(installed, company) -> None:
    bin_dir, env = installed
    build = run([str(bin_dir / "mkdocs"), "build", "--strict"], cwd=company, env={**env, "KEFU_NO_PDF": "1"})
    assert build.returncode == 0, build.stdout + build.stderr
    site = company / "site"
    page = (site / "procedures" / "shuttle-bus.html").read_text(encoding="utf-8")
    assert "小区班车乘车登记" in page and "翠湖物业 客服手册" in page
    assert (site / "procedures" / "complaint.html").is_file()
    for script in ("assets/vendor/mermaid/mermaid.min.js", "assets/vendor/iframe-worker/shim.js"):
        assert (site / script).stat().st_size > 1000
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "东湖湾名苑客服中心员工手册" in home
    assert "unpkg.com" not in home and "cdn.jsdelivr" not in home
    sla = (site / "sla.html").read_text(encoding="utf-8")
    row = sla[sla.index('id="complaint-crm-entry"'):]
    rule = " ".join(re.sub(r"<[^>]+>", " ", row).split())[:300]
    assert "投诉受理后 1 小时内录入 CRM" in rule and "公司规定 手册默认 2 小时" in rule  # the company's limit
    assert "kefu-rule--company" in row[:200]  # ... marked as the company's
    # the theme override escapes page titles: it came from the package, not from a custom_dir path
    assert "<title>小区班车乘车登记 - 翠湖物业 客服手册</title>" in page


def test_print_uses_the_packaged_templates(installed, company) -> None:
    bin_dir, env = installed
    out = company / "print"
    printed = run([str(bin_dir / "kefu"), "print", "--out", str(out), "shuttle-bus"], cwd=company, env=env)
    assert printed.returncode == 0, printed.stdout + printed.stderr
    assert (out / "checklists" / "shuttle-bus.pdf").read_bytes().startswith(b"%PDF")


def test_check_applies_the_company_rule(installed, company) -> None:
    bin_dir, env = installed
    ok = run([str(bin_dir / "kefu"), "check", str(EXAMPLES / "day-shift.ok.yaml")], cwd=company, env=env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # 1 h 30 min to the CRM: within the shipped 2 hours, over the company's 1 hour
    record = company / "late.yaml"
    text = (EXAMPLES / "complaint-late-crm.bad.yaml").read_text(encoding="utf-8")
    record.write_text(text.replace("crm_at: 12:20", "crm_at: 11:10"), encoding="utf-8")
    shipped = checkout_kefu("check", "--format", "json", str(record))
    assert shipped.code == 0, shipped.stdout
    late = run([str(bin_dir / "kefu"), "check", "--format", "json", str(record)], cwd=company, env=env)
    assert late.returncode == 1, late.stdout + late.stderr
    (report,) = json.loads(late.stdout)["files"]
    rules = {(f["rule"], f["entry"], f["field"]) for f in report["findings"]}
    assert rules == {("complaint-crm-entry", 2, "crm_at")}
    assert "1 小时" in report["findings"][0]["message"]
