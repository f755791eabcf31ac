"""Small shift logs written the way front-desk staff write them, for the item and company-rule tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def entry(no: int, at: str, type_: str = "repair", **fields: Any) -> dict[str, Any]:
    """One entry; ``status`` defaults to closed, the rest as given (times as "HH:MM" or full)."""
    out: dict[str, Any] = {"no": no, "at": at, "channel": fields.pop("channel", "phone"), "type": type_,
                           "content": fields.pop("content", "业主来电")}
    out.update(fields)
    out.setdefault("status", "closed")
    return out


def shift_log(folder: Path, date: str, shift: str, entries: list[dict[str, Any]], *, project: str = "东湖湾名苑",
              start: str | None = None, end: str | None = None, open_: list[Any] | None = None,
              name: str | None = None) -> Path:
    """Write a shift log; the handover lists the open entries unless ``open_`` says otherwise."""
    start = start or ("08:00" if shift == "白班" else "20:00")
    end = end or ("20:00" if shift == "白班" else "08:00")
    listed = open_ if open_ is not None else [e["no"] for e in entries if e.get("status") == "open"]
    hour = int(start[:2])
    checks = [f"{(hour + h) % 24:02d}:{start[3:]}" for h in range(1, 12, 2)]  # browsed every 2 hours
    record = {"form": "shift-log", "project": project, "date": date, "shift": shift, "start": start, "end": end,
              "staff": ["王芳"], "online_checks": checks, "entries": entries,
              "handover": {"to": "张敏", "at": end, "open": listed}}
    path = folder / (name or f"{date}-{'day' if shift == '白班' else 'night'}.yaml")
    path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
