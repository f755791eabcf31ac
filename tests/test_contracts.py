"""The repository's copy of the record contracts (tests/contracts/) against ../shared/contracts.

Every test reads the copy, so a clone passes with nothing beside it.  When the
steering repository's contracts are laid out beside the checkout (as in CI), this
test says which file differs, so a contract change is never missed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CONTRACTS, SHARED_CONTRACTS


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def differences(copy: Path, upstream: Path) -> list[str]:
    """One line per file that is missing, extra or different in the copy."""
    ours, theirs = tree(copy), tree(upstream)
    out = [f"missing in {copy.name}/: {name}" for name in sorted(theirs.keys() - ours.keys())]
    out += [f"not in {upstream}: {name}" for name in sorted(ours.keys() - theirs.keys())]
    out += [f"differs: {name}" for name in sorted(ours.keys() & theirs.keys()) if ours[name] != theirs[name]]
    return out


def test_the_copy_holds_every_contract_and_example() -> None:
    names = tree(CONTRACTS)
    for doc in ("README.md", "records.md", "items.md", "company-rules.md", "check-output.md"):
        assert doc in names, doc
    assert any(n.startswith("examples/items/") for n in names)
    assert any(n.startswith("examples/company/") for n in names)


@pytest.mark.skipif(not SHARED_CONTRACTS.is_dir(), reason=f"no {SHARED_CONTRACTS} beside this checkout to compare with")
def test_the_copy_equals_shared_contracts() -> None:
    diff = differences(CONTRACTS, SHARED_CONTRACTS)
    assert not diff, "tests/contracts/ differs from ../shared/contracts (copy the new files in):\n" + "\n".join(diff)


def test_a_changed_file_is_named(tmp_path: Path) -> None:
    """The comparison names the file, so whoever updates the copy knows what to take."""
    a, b = tmp_path / "a", tmp_path / "b"
    for root in (a, b):
        (root / "examples").mkdir(parents=True)
        (root / "records.md").write_text("same\n", encoding="utf-8")
    (a / "examples" / "x.yaml").write_text("form: shift-log\n", encoding="utf-8")
    (b / "examples" / "x.yaml").write_text("form: inspection\n", encoding="utf-8")
    (b / "items.md").write_text("new\n", encoding="utf-8")
    assert differences(a, b) == ["missing in a/: items.md", "differs: examples/x.yaml"]
