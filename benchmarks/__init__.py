"""Benchmarks run by `make bench` (`python -m benchmarks`): the shared pieces.

Why this package exists: "is it fast enough for a clinic with 5,000 clients?" needs an answer
that can be repeated on any machine and compared across changes. Absolute seconds depend on the
machine, so every benchmark runs at several scales and reports each scale's time as a ratio to
its smallest one; a change that makes the big scale grow faster than the data shows up there.

Benchmarks only ever touch throwaway SQLite databases in a temporary folder, never DATABASE_URL.
Timings are reported, never asserted: the tests stay free of them.

A benchmark is a function taking `Options` and returning `Measurement`s, smallest scale first;
`benchmarks/__main__.py` keeps the registry of them by name.
"""

from __future__ import annotations

import platform
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy

from care_plans.db import Database, init_db, make_engine


@dataclass(frozen=True)
class Options:
    """What the command line asked for, passed to every benchmark."""

    full: bool = False
    repeat: int = 1
    show_progress: bool = False


@dataclass(frozen=True)
class Measurement:
    """One timed run at one scale."""

    benchmark: str
    scale: str
    seconds: float
    #: The work done, in rows (written or read), for rows/second and the work ratio.
    rows: int
    #: Anything worth printing beside the numbers (e.g. "126,987 check-ins").
    note: str = ""


#: The audit key of the benchmarks' throwaway databases (and of the app and CLI they run).
BENCH_AUDIT_KEY = "benchmark-audit-key-" + "b" * 32


@contextmanager
def throwaway_sqlite() -> Iterator[Database]:
    """A migrated, empty SQLite database in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="care-plans-bench-") as folder:
        database = Database(make_engine(f"sqlite:///{Path(folder) / 'bench.db'}"), BENCH_AUDIT_KEY)
        try:
            init_db(database.engine)
            yield database
        finally:
            database.dispose()


def environment() -> str:
    """One line saying where the numbers came from, so they are not compared blindly."""
    return (
        f"Python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, "
        f"SQLite {sqlite3.sqlite_version}, {platform.machine()} {platform.system()}"
    )


def format_table(measurements: Sequence[Measurement]) -> str:
    """A plain-text table; ratios are to the first (smallest) scale of the same benchmark."""
    headers = ("benchmark", "scale", "time ×", "work ×", "seconds", "rows/s", "detail")
    lines: list[tuple[str, ...]] = []
    baseline: dict[str, Measurement] = {}
    for m in measurements:
        base = baseline.setdefault(m.benchmark, m)
        lines.append(
            (
                m.benchmark,
                m.scale,
                f"{m.seconds / base.seconds:.2f}" if base.seconds > 0 else "–",
                f"{m.rows / base.rows:.2f}" if base.rows > 0 else "–",
                f"{m.seconds:.2f}",
                f"{m.rows / m.seconds:,.0f}" if m.seconds > 0 else "–",
                m.note,
            )
        )
    widths = [max(len(row[i]) for row in (headers, *lines)) for i in range(len(headers))]
    numeric = {2, 3, 4, 5}

    def render(row: tuple[str, ...]) -> str:
        cells = [
            cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths).rstrip()
    return "\n".join([render(headers), rule, *(render(row) for row in lines)])
