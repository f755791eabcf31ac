"""Shared test helpers: paths and a way to run the CLI as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
CONTRACTS = REPO / "tests" / "contracts"
#: the contracts as the project's steering repository lays them out beside a checkout (may be absent)
SHARED_CONTRACTS = REPO.parent / "shared" / "contracts"
#: Debian's chromium (tools/setup.sh installs it); every browser test drives this one
CHROMIUM = "/usr/bin/chromium"


def run_kefu(*args: str, cwd: Path | None = None,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``kefu`` in a subprocess, the way a supervisor or editor types it."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "kefu.cli", *args], cwd=cwd or REPO, env=full_env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session, as the standards ask: --headless --no-sandbox --disable-gpu."""
    import playwright.sync_api as playwright_api

    assert Path(CHROMIUM).exists(), "chromium is not installed: run make setup"
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


@pytest.fixture(scope="session")
def shipped():
    """The shipped handbook, resolved with the shipped company file."""
    from kefu.lint import lint

    book, findings = lint(REPO / "procedures", REPO / "kefu.yaml")
    return book, findings


@pytest.fixture(scope="session")
def content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small handbook folder for the checker's tests (checkhelp.make_content)."""
    from checkhelp import make_content

    return make_content(tmp_path_factory.mktemp("handbook"))
