"""``make vendor``: refresh the scripts the site ships (tools/kefu/site/vendor/) from the npm registry.

Run by a maintainer when a version in ``kefu.site.plugin.VENDOR`` changes; the
files and their licences are committed, so a company's build needs no npm.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from kefu.site.plugin import VENDOR, VENDORED


def fetch(name: str, spec: str, member: str, site_path: str) -> None:
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("vendor: npm is not installed (apt-get install npm)")
    with tempfile.TemporaryDirectory() as tmp:
        run = subprocess.run([npm, "pack", spec, "--pack-destination", tmp], capture_output=True, text=True,
                             timeout=300, cwd=tmp)
        if run.returncode != 0:
            sys.exit(f"vendor: npm pack {spec} failed: {(run.stderr.strip().splitlines() or ['no output'])[-1]}")
        with tarfile.open(next(Path(tmp).glob("*.tgz"))) as tar:
            files = {Path(site_path).name: member, "LICENSE": "package/LICENSE"}
            target = VENDORED / name
            target.mkdir(parents=True, exist_ok=True)
            for out, inside in files.items():
                extracted = tar.extractfile(inside)
                if extracted is None:
                    sys.exit(f"vendor: {inside} is not in {spec}")
                (target / out).write_bytes(extracted.read())
            (target / "VERSION").write_text(spec + "\n", encoding="utf-8")
    print(f"vendor: {spec} -> {target}")


if __name__ == "__main__":
    for vendor_name, (vendor_spec, vendor_member, vendor_site_path) in VENDOR.items():
        fetch(vendor_name, vendor_spec, vendor_member, vendor_site_path)
