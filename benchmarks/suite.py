"""`make bench`: every measurement of issue 15 at three scales, in one run, as one table.

For each scale (small 50 × 90 days, 3 clinicians; clinic 500 × 365, 10; large 5,000 × 365, 50)
on SQLite, and the clinic scale on PostgreSQL: seeding throughput; each page's median script
run and SQL statements (benchmarks/pages.py, its own process, whose peak memory is reported);
the two heaviest reads beside a naive pandas baseline; one client's PDF warm, a batch of 100
and the `care-plans export-pdf` command's wall time; in Debian's chromium, sign-in to a filled
caseload (SQLite scales; benchmarks/browser.py). Prints a table and writes
benchmarks/results/<date>.json. Nothing here is asserted: `make test` has no timing checks.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks import BENCH_AUDIT_KEY, browser, environment
from benchmarks.pdfs import bench_pdfs
from benchmarks.reads import bench_reads
from benchmarks.scales import SCALES, Scale, cached_sqlite, scratch_copy, seed_into

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parent.parent


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _pages(url: str, runs: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        target = Path(out.name)
    try:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.pages", url, str(target), "--runs", str(runs)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"page runs failed:\n{done.stderr[-3000:]}")
        return json.loads(target.read_text())
    finally:
        target.unlink(missing_ok=True)


def machine() -> dict[str, Any]:
    try:
        load = os.getloadavg()
    except OSError:
        load = (0.0, 0.0, 0.0)
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    with contextlib.suppress(OSError):
        memory = Path("/proc/meminfo").read_text().splitlines()[0].split(":", 1)[1].strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "load_average": [round(x, 2) for x in load],
        "python": platform.python_version(),
        "software": environment(),
    }


def run_scale(scale: Scale, *, runs: int, rebuild: bool, today: date) -> dict[str, Any]:
    _log(f"{scale.label}: database")
    path, seeded = cached_sqlite(scale, today, rebuild=rebuild)
    result: dict[str, Any] = {
        "scale": scale.name,
        "engine": "sqlite",
        "clients": scale.clients,
        "days": scale.days,
        "clinicians": scale.clinicians,
        "seed": seeded.__dict__
        | {
            "checkins_per_second": seeded.checkins_per_second,
            "checkins_per_cpu_second": seeded.checkins_per_cpu_second,
            "rows_per_second": seeded.rows_per_second,
        },
    }
    with tempfile.TemporaryDirectory(prefix="care-plans-bench-") as folder:
        url = f"sqlite:///{scratch_copy(path, Path(folder))}"
        _log(f"{scale.label}: pages")
        result["pages"] = _pages(url, runs)
        _log(f"{scale.label}: reads")
        result["reads"] = bench_reads(url, runs)
        _log(f"{scale.label}: PDFs")
        result["pdf"] = bench_pdfs(url, runs)
        missing = browser.available()
        if missing:  # said in the table, never left out silently
            _log(f"{scale.label}: browser timing not run: {missing}")
            result["browser"] = {"signin_to_caseload_s": None, "not_run": missing}
        else:
            _log(f"{scale.label}: browser")
            result["browser"] = browser.bench_signin_to_caseload(url, runs)
    return result


def run_postgres(scale: Scale, *, runs: int, today: date) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from care_plans.db import Database, init_db
    from tests.pgserver import start_or_explain

    _log(f"{scale.label} on PostgreSQL: server and seed")
    server = start_or_explain()
    try:
        url = server.create_database("bench")
        db = Database.from_url(url, BENCH_AUDIT_KEY)
        init_db(db.engine)
        seeded = seed_into(db, scale, today)
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
        db.dispose()
        result: dict[str, Any] = {
            "scale": scale.name,
            "engine": "postgresql",
            "clients": scale.clients,
            "days": scale.days,
            "clinicians": scale.clinicians,
            "seed": seeded.__dict__
            | {
                "checkins_per_second": seeded.checkins_per_second,
                "checkins_per_cpu_second": seeded.checkins_per_cpu_second,
                "rows_per_second": seeded.rows_per_second,
            },
        }
        _log(f"{scale.label} on PostgreSQL: pages")
        result["pages"] = _pages(url, runs)
        result["reads"] = bench_reads(url, runs)
        result["pdf"] = bench_pdfs(url, runs, batch=False)
        return result
    finally:
        server.stop()


def _fmt_ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def table(results: list[dict[str, Any]]) -> str:
    """One row per measurement, one column per scale, then large ÷ small."""
    heads = [f"{r['scale']}{' (pg)' if r['engine'] == 'postgresql' else ''}" for r in results]
    rows: list[tuple[str, list[str], str]] = []
    sqlite_runs = [r for r in results if r["engine"] == "sqlite"]

    def ratio(values: list[float | None]) -> str:
        base, last = values[0], values[-1]
        if len(sqlite_runs) < 2 or not base or last is None:
            return ""
        return f"{last / base:.2f}×"

    def add(name: str, values: list[float | None], fmt: Any = _fmt_ms) -> None:
        sqlite_values = [v for v, r in zip(values, results, strict=True) if r["engine"] == "sqlite"]
        rows.append((name, [fmt(v) for v in values], ratio(sqlite_values)))

    add("seed: check-ins per second", [r["seed"]["checkins_per_second"] for r in results])
    add("seed: check-ins per CPU second", [r["seed"]["checkins_per_cpu_second"] for r in results])
    add("seed: seconds", [r["seed"]["seconds"] for r in results], lambda v: f"{v:.1f}")
    page_names = list(results[0]["pages"]["pages"])
    for name in page_names:
        add(f"page ms: {name}", [r["pages"]["pages"][name]["median_ms"] for r in results])
    floor = [r["pages"]["pages"]["floor (signed in, empty page)"]["median_ms"] for r in results]
    for name in ("caseload, supervisor", "client page, Progress", "session review"):
        add(
            f"× floor: {name}",
            [
                r["pages"]["pages"][name]["median_ms"] / f
                for r, f in zip(results, floor, strict=True)
            ],
            lambda v: f"{v:.1f}",
        )
    for name in page_names:
        add(
            f"statements: {name}",
            [r["pages"]["pages"][name]["statements"] for r in results],
            lambda v: f"{v:.0f}",
        )
    for read in results[0]["reads"]:
        add(f"read ms: {read}", [r["reads"][read]["real_ms"] for r in results])
        add(f"naive ms: {read}", [r["reads"][read]["naive_ms"] for r in results])
        add(
            f"naive ÷ real: {read}",
            [r["reads"][read]["naive_ms"] / r["reads"][read]["real_ms"] for r in results],
            lambda v: f"{v:.1f}",
        )
    add("PDF warm, one client (ms)", [r["pdf"]["pdf_warm_ms"] for r in results])
    add(
        "PDF batch of 100 (s)",
        [r["pdf"].get("pdf_batch_100_s") for r in results],
        lambda v: "–" if v is None else f"{v:.1f}",
    )
    add(
        "care-plans export-pdf wall (s)",
        [r["pdf"]["cli_export_pdf_s"] for r in results],
        lambda v: f"{v:.2f}",
    )
    sqlite_results = [r for r in results if "browser" in r]
    if sqlite_results:
        add(
            "browser: sign-in to filled caseload (s)",
            [r.get("browser", {}).get("signin_to_caseload_s") for r in results],
            lambda v: "–" if v is None else f"{v:.2f}",
        )
    add(
        "app process peak memory (MB)",
        [r["pages"]["peak_rss_mb"] for r in results],
        lambda v: f"{v:.0f}",
    )
    width = max(len(name) for name, _, _ in rows)
    cols = [max(len(h), *(len(v[i]) for _, v, _ in rows)) for i, h in enumerate(heads)]
    lines = [
        f"{'':{width}}  "
        + "  ".join(h.rjust(c) for h, c in zip(heads, cols, strict=True))
        + "  large ÷ small"
    ]
    for name, values, r in rows:
        lines.append(
            f"{name:{width}}  "
            + "  ".join(v.rjust(c) for v, c in zip(values, cols, strict=True))
            + f"  {r}"
        )
    return "\n".join(lines)


def run(scales: list[str], *, postgres: bool, runs: int, rebuild: bool) -> Path:
    today = date.today()
    started = time.perf_counter()
    info = machine()
    results = [run_scale(SCALES[name], runs=runs, rebuild=rebuild, today=today) for name in scales]
    if postgres:
        results.append(run_postgres(SCALES["clinic"], runs=runs, today=today))
    info["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    report = {
        "date": today.isoformat(),
        "machine": info,
        "runs_per_median": runs,
        "seconds": time.perf_counter() - started,
        "results": results,
    }
    RESULTS.mkdir(exist_ok=True)
    suffix = "" if scales == ["small", "clinic", "large"] else "-" + "-".join(scales)
    target = RESULTS / f"{today.isoformat()}{suffix}.json"
    target.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(info["software"])
    print(
        f"{info['cpu']}, {info['cores']} cores, load average {info['load_average']} → "
        f"{info['load_average_after']}; medians of {runs} runs after a warm-up"
    )
    print(table(results))
    print(f"written to {target.relative_to(ROOT)} in {report['seconds']:.0f} s")
    return target
