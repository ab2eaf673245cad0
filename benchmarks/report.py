"""The tables printed, and the JSON written."""
from __future__ import annotations

from typing import Any

from benchmarks.backends import KONG
from benchmarks.runner import Summary
from benchmarks.workload import OPS, PER_ROW_OPS

NA = "n/a"


def cell(figures: dict[str, Any] | None) -> str:
    if figures is None:
        return NA
    if "error" in figures:
        return "error"
    return f"{figures['median_us']:.0f} ({figures['p90_us']:.0f})"


def ratio(kong: dict[str, Any] | None, baseline: dict[str, Any] | None) -> str:
    if not kong or not baseline or "error" in kong or "error" in baseline:
        return NA
    return f"{kong['median_us'] / baseline['median_us']:.2f}x"


def ratios(summary: Summary, contenders: list[str]) -> dict[str, dict[str, float | None]]:
    """op -> baseline -> kong_orm's median / the baseline's (``None`` when either is missing)."""
    found: dict[str, dict[str, float | None]] = {}
    for op in OPS:
        kong = summary[op].get(KONG)
        found[op] = {}
        for name in contenders:
            text = ratio(kong, summary[op].get(name))
            found[op][name] = None if text == NA else round(float(text[:-1]), 3)
    return found


def table(title: str, summary: Summary, contenders: list[str], note: str) -> str:
    baselines = [name for name in contenders if name != KONG]
    header = ["op", *contenders, *(f"{KONG} / {name}" for name in baselines)]
    lines = [
        [op + (" *" if op in PER_ROW_OPS else ""), *(cell(summary[op].get(name)) for name in contenders),
         *(ratio(summary[op].get(KONG), summary[op].get(name)) for name in baselines)]
        for op in OPS
    ]
    return f"{title}\n{_grid([header, *lines])}\n{note}"


def scale_table(title: str, scale: dict[str, Summary], contenders: list[str]) -> str:
    header = ["op", "rows", *contenders, *(f"{KONG} / {name}" for name in contenders if name != KONG)]
    lines = []
    for size, summary in scale.items():
        for op, by_contender in summary.items():
            lines.append([op, size, *(cell(by_contender.get(name)) for name in contenders),
                          *(ratio(by_contender.get(KONG), by_contender.get(n)) for n in contenders if n != KONG)])
    return f"{title}\n{_grid([header, *lines])}"


def stream_table(streams: dict[str, dict[str, Any]], raw: str) -> str:
    """Rows streamed per second and peak RSS growth, per table size."""
    header = ["stream", "rows", f"{KONG} rows/s", f"{raw} rows/s", f"{raw} / {KONG}",
              f"{KONG} RSS +MB", f"{raw} RSS +MB", "targets"]
    lines = []
    for size, found in streams.items():
        if "rows_per_s" not in found:
            lines.append(["stream", size, *(["error"] * 5), "n/a"])
            continue
        speed, growth = found["rows_per_s"], found["growth_mb"]
        lines.append(["stream", size, f"{speed[KONG]:,}", f"{speed['raw']:,}", f"{found['raw_over_kong']:.2f}x",
                      f"{growth[KONG]:.1f}", f"{growth['raw']:.1f}", _verdict(found["targets_met"])])
    return _grid([header, *lines])


def _verdict(met: bool | None) -> str:
    return NA if met is None else "met" if met else "MISSED"


def errors(summary: Summary) -> list[str]:
    return [
        f"{op} / {name}: {figures['error']}"
        for op, by_contender in summary.items()
        for name, figures in by_contender.items()
        if figures and "error" in figures
    ]


def _grid(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    text = ["  ".join(value.ljust(width) if i == 0 else value.rjust(width)
                      for i, (value, width) in enumerate(zip(row, widths))) for row in rows]
    return "\n".join([text[0], "-" * len(text[0]), *text[1:]])
