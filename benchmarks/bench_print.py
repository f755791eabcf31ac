"""How long `kefu print` takes and how big the PDFs are (a script, not a test).

Renders every PDF of the handbook (shipped content by default) into a fresh
temporary folder in a process that has laid nothing out yet, then once more to
time the cache that `mkdocs serve` relies on, then once after one checklist
changed (what a rebuild after an edit does).

Each core's worker lays its share of the documents out once and writes them as
one PDF (a sheet), cut into the single PDFs; a pack is assembled from the pages
already written.  So a PDF's seconds are its own layout, its share of painting
its sheet and being cut out; a pack's are its front and time-limit table, their
share of painting, and assembling its pages: the checklists it prints are
counted once, with the checklists.  Size: WeasyPrint keeps glyph ids when it
subsets, so a PDF's size is mostly its CJK face; every PDF carries its sheet's
face once, a pack once per sheet it draws pages from ("faces" below).

    python benchmarks/bench_print.py [--content DIR] [--config FILE]
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kefu.load import load_handbook
from kefu.model import Handbook
from kefu.printing.render import jobs, render, workers

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--content", type=Path, default=REPO / "procedures")
    parser.add_argument("--config", type=Path, default=REPO / "kefu.yaml")
    args = parser.parse_args()

    from weasyprint import __version__ as wp_version
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    hb = harfbuzz_subset is not None and harfbuzz.hb_version_atleast(4, 1, 0)
    book, _ = load_handbook(args.content, args.config)
    todo = jobs(book)
    print(f"WeasyPrint {wp_version}; fonts subset by {'HarfBuzz (hb-subset)' if hb else 'fontTools'}")
    print(f"{len(book.procedures)} procedures, {len(book.forms)} forms -> {len(todo)} PDFs")

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        load = os.getloadavg()
        cpu_start = _cpu()
        start = time.perf_counter()
        report = render(book, out)
        total = time.perf_counter() - start
        cpu = _cpu() - cpu_start
        start = time.perf_counter()
        again = render(book, out)
        cached = time.perf_counter() - start
        assert not again.rendered
        sizes = {j.rel: (out / j.rel).stat().st_size for j in todo}
        secs = {j.rel: report.seconds[out / j.rel] for j in todo}
        cpus = {j.rel: report.cpu[out / j.rel] for j in todo}
        pages = {j.rel: _pages(out / j.rel) for j in todo}
        faces = {j.rel: _faces(out / j.rel) for j in todo if j.kind in ("role-pack", "pack")}
        edited, proc = _edit(book)
        start = time.perf_counter()
        after = render(edited, out)
        rebuilt = time.perf_counter() - start

    print(f"all PDFs: {total:.1f} s wall on {workers()} worker(s), {cpu:.1f} s CPU (all processes), "
          f"{sum(sizes.values()) / 2**20:.1f} MB; machine load average {load[0]:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after (other work on the cores stretches wall time)")
    for label, kind in (("checklists", "procedure"), ("forms", "form"), ("sheets", "sheet"), ("cards", "card"),
                        ("role packs", "role-pack"), ("whole pack", "pack")):
        group = [j.rel for j in todo if j.kind == kind]
        if group:
            print(f"  {label:<12} {len(group):>3}: {sum(secs[g] for g in group):6.1f} s "
                  f"({sum(cpus[g] for g in group):5.1f} s CPU), "
                  f"per PDF mean {statistics.mean(secs[g] for g in group):5.2f} s "
                  f"(max {max(secs[g] for g in group):5.2f}), "
                  f"size mean {statistics.mean(sizes[g] for g in group) / 1024:5.0f} KB "
                  f"(max {max(sizes[g] for g in group) / 1024:5.0f} KB), pages max {max(pages[g] for g in group)}")
    print("trainer packs, whole and per role (seconds as rendered in the run above, and CPU seconds, which\n"
          "other work on the cores does not stretch; pages, size, embedded CJK faces):")
    for j in todo:
        if j.kind in ("role-pack", "pack"):
            print(f"  {j.rel:<40} {secs[j.rel]:5.2f} s ({cpus[j.rel]:4.2f} s CPU)  {pages[j.rel]:>3} pages  "
                  f"{sizes[j.rel] / 1024:6.0f} KB  {faces[j.rel]} face(s)")
    packs = [j.rel for j in todo if j.kind == "role-pack"]
    if packs:
        print(f"  role packs: slowest {max(secs[p] for p in packs):.2f} s ({max(cpus[p] for p in packs):.2f} s CPU), "
              f"largest "
              f"{max(sizes[p] for p in packs) / 1024:.0f} KB, most pages {max(pages[p] for p in packs)}")
    print(f"again with nothing changed (HTML-hash cache): {cached:.2f} s")
    print(f"after one checklist changed ({proc}): {rebuilt:.2f} s, {len(after.rendered)} PDFs rendered again "
          "(it and the packs that print it)")
    return 0


def _edit(book: Handbook) -> tuple[Handbook, str]:
    """The handbook with one step of the checklist most packs print reworded."""
    counts = {p: sum(p in r.first_week for r in book.roles.values()) for p in book.procedures}
    proc = max(counts, key=lambda p: counts[p])
    edited = copy.deepcopy(book)
    edited.procedures[proc].steps[0].action += "（已修改）"
    return edited, proc


def _faces(pdf: Path) -> int:
    """Embedded CJK font programs (pdffonts lists each font object once)."""
    rows = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout.splitlines()[2:]
    return sum("CJK" in row for row in rows)


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the render workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _pages(pdf: Path) -> int:
    """Page count from poppler's pdfinfo (installed with the test tools)."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    match = re.search(r"^Pages:\s+(\d+)", info, re.M)
    return int(match.group(1)) if match else 0


if __name__ == "__main__":
    sys.exit(main())
