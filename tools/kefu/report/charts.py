"""Charts of the report as inline SVG, drawn here with matplotlib (no CDN, no script).

Text stays text (``svg.fonttype: none``) so Chinese is searchable, selectable
and drawn by the reader's own fonts; the font list falls back from Noto Sans
CJK to the fonts Windows and macOS ship.
"""

from __future__ import annotations

import io
import re
from typing import Any

from kefu.report.build import Report

FONTS = ["Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "SimHei", "sans-serif"]
CSS_FONTS = ", ".join(f"'{f}'" if " " in f else f for f in FONTS)
GREEN, RED, BLUE, GREY = "#2e7d32", "#c62828", "#1f5fa8", "#9e9e9e"


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "font.family": "sans-serif", "font.sans-serif": FONTS,
                         "axes.spines.top": False, "axes.spines.right": False, "font.size": 9,
                         "svg.hashsalt": "kefu"})
    return plt


def _svg(fig: Any, name: str) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    _plt().close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    # the reader's fonts, not the one found on the machine that drew it
    text = re.sub(r"font-family:[^;\"]*", f"font-family:{CSS_FONTS}", text)
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    # several charts in one page: ids (and what refers to them) must not collide
    text = re.sub(r'id="([^"]+)"', rf'id="{name}-\1"', text)
    text = re.sub(r'(href="#|url\(#)([^")]+)', rf"\1{name}-\2", text)
    return text


def rates_by_week(report: Report) -> str | None:
    """Each share KPI by week against 100 %; weeks with nothing counted are gaps, not zeros."""
    rows = [k for k in report.kpis if k.kpi.measure == "share"]
    if not rows or not report.weeks:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.2, 3.0))
    weeks = [w for w, _, _ in report.weeks]
    drawn = False
    for k in rows:
        ys = [r.value for _, r in k.by_week]
        if all(y is None for y in ys):
            continue
        drawn = True
        ax.plot(range(len(weeks)), [float("nan") if y is None else y for y in ys], marker="o", label=k.kpi.name)
    targets = {k.kpi.target.value for k in rows if k.kpi.target and k.kpi.target.unit == "percent"}
    for t in targets:
        ax.axhline(t, color=GREY, linestyle="--", linewidth=0.8)
    ax.set_xticks(range(len(weeks)), weeks)
    ax.set_ylim(0, 105)
    ax.set_ylabel("%")
    if drawn:
        ax.legend(loc="lower left", fontsize=8, frameon=False, ncol=2)
    else:
        ax.text(0.5, 0.5, "本月没有可计算的事项", ha="center", va="center", transform=ax.transAxes, color=GREY)
    ax.set_title("各周指标（虚线为目标）", loc="left", fontsize=10)
    return _svg(fig, "rates")


def bars(name: str, title: str, rows: list[tuple[str, int]], color: str = BLUE, limit: int = 12) -> str | None:
    """Horizontal bars, largest on top (findings by rule, items by category)."""
    rows = [r for r in rows if r[1]][:limit]
    if not rows:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.2, 0.32 * len(rows) + 0.8))
    names = [n if len(n) <= 22 else n[:21] + "…" for n, _ in rows][::-1]
    values = [v for _, v in rows][::-1]
    ax.barh(range(len(rows)), values, color=color)
    ax.set_yticks(range(len(rows)), names)
    for i, v in enumerate(values):
        ax.text(v, i, f" {v}", va="center", fontsize=8)
    ax.set_title(title, loc="left", fontsize=10)
    ax.set_xticks([])
    ax.spines["bottom"].set_visible(False)
    return _svg(fig, name)


def all_charts(report: Report) -> dict[str, str | None]:
    return {
        "rates": rates_by_week(report),
        "rules": bars("rules", "问题按规定", [(r["title"], r["errors"] + r["warnings"]) for r in report.by_rule], RED),
        "types": bars("types", "事项按类别", report.by_type),
    }
