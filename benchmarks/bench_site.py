"""How long the handbook site takes to build, and how it grows with the content.

Builds the shipped content, then a synthetic handbook with every procedure
copied N-1 more times under new ids (procedure pages and the search index
grow, the rest stays), and prints time, size of site/ and of the search index.
Run: python benchmarks/bench_site.py [--scale 10]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def build(site_dir: Path, content: Path | None = None) -> float:
    env = {**os.environ, "KEFU_NO_PDF": "1", "KEFU_SITE_DIR": str(site_dir), "NO_MKDOCS_2_WARNING": "1"}
    if content is not None:
        env["KEFU_CONTENT"] = str(content)
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=REPO, env=env,
                         capture_output=True, text=True)
    took = time.perf_counter() - start
    if run.returncode != 0:
        sys.exit(f"build failed:\n{run.stdout}{run.stderr}")
    return took


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


class _NoAliases(yaml.SafeDumper):
    """kefu refuses YAML aliases; the copies share steps, so write them out in full."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def synthetic(content: Path, scale: int, out: Path) -> int:
    """Copy of ``content`` with each procedure repeated ``scale`` times under new ids."""
    shutil.copytree(content, out)
    extra = []
    for file in sorted(out.rglob("*.yaml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        for proc in data.get("procedures", []) or []:
            for n in range(2, scale + 1):
                copy = dict(proc, id=f"{proc['id']}-x{n}", title=f"{proc['title']}（副本 {n}）")
                extra.append(copy)
    (out / "zz-synthetic.yaml").write_text(
        yaml.dump({"procedures": extra}, Dumper=_NoAliases, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return len(extra)


def report(label: str, took: float, site: Path) -> None:
    pages = sum(1 for _ in site.rglob("*.html"))
    index = site / "search" / "search_index.json"
    print(f"{label:<22} {took:7.2f} s  {pages:5d} pages  site {size(site) / 1e6:6.1f} MB  "
          f"search index {index.stat().st_size / 1e6:5.2f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        build(base / "warm")  # vendored files and jieba's cache, so both runs measure the build
        t1 = build(base / "site-1")
        report("shipped", t1, base / "site-1")
        content = base / "content"
        added = synthetic(REPO / "procedures", args.scale, content)
        tn = build(base / f"site-{args.scale}", content)
        report(f"{args.scale}x procedures (+{added})", tn, base / f"site-{args.scale}")
        print(f"growth: {tn / t1:.1f}x the time for {args.scale}x the procedures")


if __name__ == "__main__":
    main()
