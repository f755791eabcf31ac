"""A cache of the linted handbook, so ``kefu check`` on one file starts in a blink.

Loading and linting ``procedures/`` (about a hundred files, each validated
against its JSON Schema) takes a second or more; a supervisor checking one
file, or a script checking files one at a time, pays it every run.  The
resolved model and its lint findings are pickled under a key that changes
whenever anything they depend on changes, so a stale model is never used:

- the bytes of every content file and of the company file (names included);
- kefu's own source files (size and modification time) and its version;
- the Python version, and today's date (review dates are judged as of today).

The cache lives in ``$KEFU_CACHE`` or ``~/.cache/kefu``; ``KEFU_NO_CACHE=1``
turns it off.  A cache that cannot be read or written is simply not used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import kefu

T = TypeVar("T")
PACKAGE = Path(kefu.__file__).resolve().parent


def folder() -> Path:
    return Path(os.environ.get("KEFU_CACHE") or Path.home() / ".cache" / "kefu")


def key(root: Path, config: Path | None, files: list[Path]) -> str:
    """The digest of everything the resolved model depends on."""
    h = hashlib.sha256()
    h.update(f"{kefu.__version__}|{sys.version}|{dt.date.today().isoformat()}|{root.resolve()}".encode())
    for src in sorted(PACKAGE.rglob("*")):
        if src.suffix in (".py", ".j2", ".css", ".html") and src.is_file():
            st = src.stat()
            h.update(f"{src.relative_to(PACKAGE)}|{st.st_size}|{st.st_mtime_ns}".encode())
    for path in [*files, *([config] if config is not None else [])]:
        h.update(str(path).encode() + b"\0")
        try:
            h.update(path.read_bytes())
        except OSError:
            h.update(b"<unreadable>")
        h.update(b"\0")
    return h.hexdigest()


def cached(digest: str, build: Callable[[], T]) -> T:
    """``build()``'s result, from the cache when it has this digest; never fails because of the cache."""
    if os.environ.get("KEFU_NO_CACHE") == "1":
        return build()
    path = folder() / f"model-{digest[:32]}.pickle"
    try:
        with path.open("rb") as fh:
            value: T = pickle.load(fh)
        return value
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        pass
    value = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob("model-*.pickle"):  # one model per project is plenty
            if old.stat().st_mtime < dt.datetime.now().timestamp() - 7 * 86400:
                old.unlink(missing_ok=True)
        import tempfile  # only when writing: kefu check on one file should start fast

        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except (OSError, pickle.PicklingError, RecursionError):
        pass
    return value
