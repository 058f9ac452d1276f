"""`python -m benchmarks` (`make bench`): run the registered benchmarks and print a table.

Why this module is shaped as a registry: benchmarks for queries and PDFs will join the demo
seeding one. Each is a named function `(Options) -> list[Measurement]`, smallest scale first;
add it to BENCHMARKS below and `--only NAME` picks it out.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from datetime import date

from benchmarks import Measurement, Options, environment, format_table, throwaway_sqlite
from benchmarks.signin import bench_signin
from care_plans import passwords
from care_plans.demo import seed_demo

Benchmark = Callable[[Options], list[Measurement]]

# A fixed date, so every run seeds exactly the same records and only the machine varies.
END_DATE = date(2026, 1, 31)
SEED_SCALES: tuple[tuple[int, int], ...] = ((50, 90), (500, 365))
SEED_FULL_SCALE = (5_000, 365)


def _progress_printer(label: str, enabled: bool) -> Callable[[int, int], None] | None:
    if not enabled:
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        print(f"\r  {label}: {done:,}/{total:,} clients", end=end, file=sys.stderr, flush=True)

    return show


def bench_seed(options: Options) -> list[Measurement]:
    """`seed_demo` into a fresh SQLite file: rows generated and inserted per second."""
    scales = SEED_SCALES + ((SEED_FULL_SCALE,) if options.full else ())
    results: list[Measurement] = []
    for clients, days in scales:
        label = f"{clients:,} clients × {days} days"
        best: Measurement | None = None
        for _ in range(options.repeat):
            with throwaway_sqlite() as db:
                started = time.perf_counter()
                result = seed_demo(
                    db,
                    clients=clients,
                    days=days,
                    end_date=END_DATE,
                    progress=_progress_printer(label, options.show_progress),
                )
                seconds = time.perf_counter() - started
            if best is None or seconds < best.seconds:
                best = Measurement(
                    benchmark="seed",
                    scale=label,
                    seconds=seconds,
                    rows=result.rows,
                    note=f"{result.checkins:,} check-ins",
                )
        assert best is not None
        results.append(best)
    return results


#: Name -> benchmark, in the order they run. Add new benchmarks here.
BENCHMARKS: dict[str, Benchmark] = {
    "seed": bench_seed,
    "signin": bench_signin,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Time care-plans at three scales (the suite of benchmarks/suite.py), or "
        "with --only one of the small benchmarks. See benchmarks/README.md.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="the suite at the small scale only, SQLite only (make bench-quick)",
    )
    parser.add_argument(
        "--scales",
        default="small,clinic,large",
        help="comma-separated scales of the suite (small, clinic, large)",
    )
    parser.add_argument(
        "--no-postgres", action="store_true", help="leave out the clinic scale on PostgreSQL"
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=5,
        metavar="N",
        help="runs per median, after one warm-up (default 5)",
    )
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="seed the cached databases again (and time the seeding now)",
    )
    parser.add_argument(
        "--only",
        metavar="NAME",
        action="append",
        choices=sorted(BENCHMARKS),
        help="run only this small benchmark (may be given more than once)",
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help="add the largest scales (5,000 clients × 365 days: minutes)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="N",
        help="run each scale N times and keep the fastest (default 1)",
    )
    parser.add_argument("--list", action="store_true", help="list the benchmarks and stop")
    args = parser.parse_args(argv)
    if args.list:
        for name, benchmark in BENCHMARKS.items():
            print(f"{name}: {(benchmark.__doc__ or '').strip()}")
        return 0
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    # Belt and braces: nothing below reads DATABASE_URL, and nothing should start to.
    os.environ.pop("DATABASE_URL", None)
    # bcrypt at its lowest work factor, as in the tests: hashing the demo password once is a
    # fixed ~0.25 s that would only blur the ratios between scales.
    passwords.BCRYPT_ROUNDS = 4
    if not args.only:
        from benchmarks import suite

        scales = ["small"] if args.quick else [s.strip() for s in args.scales.split(",")]
        unknown = [s for s in scales if s not in suite.SCALES]
        if unknown:
            parser.error(f"unknown scale(s) {', '.join(unknown)}: use small, clinic, large")
        suite.run(
            scales,
            postgres=not (args.quick or args.no_postgres),
            runs=2 if args.quick and args.runs == 5 else args.runs,
            rebuild=args.rebuild,
        )
        return 0
    options = Options(full=args.full, repeat=args.repeat, show_progress=sys.stderr.isatty())
    measurements: list[Measurement] = []
    for name in args.only or list(BENCHMARKS):
        measurements.extend(BENCHMARKS[name](options))
    print(environment())
    print(format_table(measurements))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
