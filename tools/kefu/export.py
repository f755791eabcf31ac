"""``kefu export``: the resolved model as one JSON object, for other tools."""

from __future__ import annotations

from typing import Any

from kefu.model import KINDS, Handbook, fill, to_data


def export(book: Handbook) -> dict[str, Any]:
    """Top-level keys: company, then each kind as a list ordered by file and line.

    Script texts are given with the company's estate filled in (``text``) and
    as written (``template``), so a consumer need not know the placeholders.
    """
    out: dict[str, Any] = {"company": to_data(book.company)}
    for kind in KINDS:
        items = sorted(book.kind(kind).values(), key=lambda i: (i.path, i.line, i.id))
        rows = []
        for item in items:
            row = to_data(item)
            if kind == "scripts":
                row["template"] = row["text"]
                row["text"] = fill(item.text, book.company)
                if item.en:
                    row["en"] = fill(item.en, book.company)
            rows.append(row)
        out[kind] = rows
    return out
