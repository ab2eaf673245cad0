"""Rounds: every op of every contender, interleaved, so a change in the
machine's load hits them all alike."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from benchmarks.backends import Setup
from benchmarks.contenders import Contender
from benchmarks.timing import Samples, run_serial, run_threaded
from benchmarks.workload import OPS, Plan, Population, Sizes, new_row

Summary = dict[str, dict[str, dict[str, Any] | None]]
"""op -> contender -> figures (``None``: the contender does not offer the op)."""
Log = Callable[[str], None]


def populate(setup: Setup, rows: int) -> Population:
    """Load ``rows`` more rows through the raw driver (untimed)."""
    population = Population()
    batch = [new_row() for _ in range(rows)]
    setup.admin.load(batch)
    population.add(batch)
    return population


def measure(
    setup: Setup, sizes: Sizes, population: Population, *, rounds: int, threads: int, warmup: bool, log: Log
) -> Summary:
    """Median and p90 per op and contender over ``rounds`` rounds (after one warm-up round)."""
    contenders = setup.contenders
    samples = {op: {c.name: Samples() for c in contenders} for op in OPS}
    warmup_sizes = Sizes(min(sizes.calls, 20), sizes.page_size, sizes.batch)
    for number in range(-1 if warmup else 0, rounds):
        log(f"  {setup.backend}, {threads} thread(s): {'warm-up' if number < 0 else f'round {number + 1}/{rounds}'}")
        order = contenders[number % len(contenders):] + contenders[:number % len(contenders)]
        plans = {c.name: Plan(warmup_sizes if number < 0 else sizes, population, number) for c in contenders}
        for op in OPS:
            for contender in order:
                found = samples[op][contender.name]
                if contender.supports(op) and found.error is None:
                    times = _run(setup, contender, plans[contender.name], op, threads, found)
                    if number >= 0:
                        found.values += times
    return {op: {c.name: _summary(c, op, samples[op][c.name]) for c in contenders} for op in OPS}


def _run(setup: Setup, contender: Contender, plan: Plan, op: str, threads: int, found: Samples) -> list[float]:
    calls = plan.calls(op, threads)
    method = getattr(contender, op)
    try:
        return run_serial(method, calls) if threads == 1 else run_threaded(method, calls, threads)
    except Exception as exc:  # shown in the table and the JSON, not fatal to the other contenders
        found.error = f"{type(exc).__name__}: {exc}"[:300]
        return []
    finally:
        if op == "insert_many" and plan.bulk:
            setup.admin.delete_ids(plan.bulk)


def _summary(contender: Contender, op: str, samples: Samples) -> dict[str, Any] | None:
    return samples.summary() if contender.supports(op) or samples.error else None
