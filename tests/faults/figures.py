"""Figures the fault tests measure, printed at the end of the run (never asserted)."""
from __future__ import annotations

FIGURES: dict[str, str] = {}


def record(name: str, value: str) -> None:
    FIGURES[name] = value
