"""What a newcomer's first commit meets: the pre-commit hooks run the project's own tools and pass on the tree."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
HOOKS = [h for repo in yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))["repos"]
         for h in repo["hooks"]]


def test_the_hooks_are_ruff_mypy_kefu_lint_and_schema_check() -> None:
    assert [h["id"] for h in HOOKS] == ["ruff", "mypy", "kefu-lint", "kefu-schema"]
    assert all(h["language"] == "system" for h in HOOKS)  # the pinned tools of .venv, not a second copy


@pytest.mark.parametrize("hook", HOOKS, ids=lambda h: h["id"])
def test_each_hook_passes_on_the_tree(hook: dict[str, object]) -> None:
    args = shlex.split(str(hook["entry"]))
    assert (REPO / args[0]).is_file(), f"{args[0]}: run make setup"
    files = [] if hook.get("pass_filenames") is False else ["tools/kefu/cli.py", "tests/conftest.py"]
    run = subprocess.run([str(REPO / args[0]), *args[1:], *files], cwd=REPO, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
