"""The three data scales of `make bench`, seeded once with `seed_demo` and cached.

Why a cache: seeding 5,000 clients × 365 days takes about a minute and every page benchmark
reads the same data, so each scale is built once into `benchmarks/.cache/` (gitignored) and
copied to a scratch file for each run (the page runs write sign-in rows; the cache stays as
seeded). A cached file is named by its scale, the seed's end date and the schema's migration
head, so a new migration or a new day builds afresh. The seeding time measured when a file is
built is kept beside it (`.json`); `--rebuild` measures it again in this run.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from benchmarks import BENCH_AUDIT_KEY
from care_plans.db import Database, init_db, make_engine
from care_plans.demo import seed_demo

CACHE = Path(__file__).resolve().parent / ".cache"


@dataclass(frozen=True)
class Scale:
    name: str
    clients: int
    days: int
    clinicians: int

    @property
    def label(self) -> str:
        return f"{self.name} ({self.clients:,} × {self.days} d, {self.clinicians} clinicians)"


SCALES: dict[str, Scale] = {
    "small": Scale("small", 50, 90, 3),
    "clinic": Scale("clinic", 500, 365, 10),
    "large": Scale("large", 5_000, 365, 50),
}


@dataclass(frozen=True)
class Seeded:
    """What seeding a scale wrote and how long it took (migration excluded)."""

    scale: str
    seconds: float
    rows: int
    #: CPU seconds of this process while seeding (on a shared machine, wall time mostly
    #: measures how busy the others are).
    cpu_seconds: float
    checkins: int
    measure_responses: int
    measured_at: str

    @property
    def checkins_per_second(self) -> float:
        return self.checkins / self.seconds if self.seconds else 0.0

    @property
    def checkins_per_cpu_second(self) -> float:
        return self.checkins / self.cpu_seconds if self.cpu_seconds else 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def schema_head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from care_plans.db import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return "-".join(sorted(ScriptDirectory.from_config(config).get_heads()))


def seed_into(db: Database, scale: Scale, end_date: date) -> Seeded:
    """Seed an empty, migrated database and time it."""
    started, cpu = time.perf_counter(), time.process_time()
    result = seed_demo(
        db, clients=scale.clients, days=scale.days, clinicians=scale.clinicians, end_date=end_date
    )
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return Seeded(
        scale.name,
        seconds,
        result.rows,
        cpu,
        result.checkins,
        result.measure_responses,
        time.strftime("%Y-%m-%dT%H:%M:%S"),
    )


def cached_sqlite(scale: Scale, end_date: date, *, rebuild: bool = False) -> tuple[Path, Seeded]:
    """The path of the cached SQLite file of `scale` (built now if missing) and its seeding."""
    CACHE.mkdir(parents=True, exist_ok=True)
    stem = f"{scale.name}-{end_date.isoformat()}-{schema_head()}"
    path, meta = CACHE / f"{stem}.db", CACHE / f"{stem}.json"
    if rebuild or not (path.exists() and meta.exists()):
        for old in CACHE.glob(f"{scale.name}-*"):
            old.unlink()
        building = CACHE / f"{stem}.building.db"
        for leftover in CACHE.glob(f"{stem}.building.db*"):
            leftover.unlink()
        db = Database(make_engine(f"sqlite:///{building}"), BENCH_AUDIT_KEY)
        try:
            init_db(db.engine)
            seeded = seed_into(db, scale, end_date)
            with db.engine.connect() as conn:  # planner statistics, as a clinic would have
                conn.exec_driver_sql("ANALYZE")
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.dispose()
        building.replace(path)
        meta.write_text(json.dumps(asdict(seeded), indent=2))
    return path, Seeded(**json.loads(meta.read_text()))


def scratch_copy(path: Path, folder: Path) -> Path:
    """A copy of a cached database that a run may write to."""
    target = folder / path.name
    shutil.copyfile(path, target)
    return target
