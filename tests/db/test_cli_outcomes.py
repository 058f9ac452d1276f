"""`care-plans outcomes` on the hand-built service of test_outcomes, on SQLite and PostgreSQL:
exact counts in JSON (the issue's shape) and the table, "fewer than 5" in the CSV, clear refusals.
"""

from __future__ import annotations

import csv
import io
import json

from care_plans.db import Database
from tests.db.test_cli import run
from tests.db.test_outcomes import service  # noqa: F401  (the fixture)

PERIOD = ("--since", "2026-03-01", "--until", "2026-06-30")


def env_of(db: Database) -> dict[str, str]:
    return {"DATABASE_URL": db.engine.url.render_as_string(hide_password=False)}


def test_json_gives_exact_counts_in_the_issues_shape(service) -> None:  # noqa: F811
    db = service[0]
    code, out, err = run(env_of(db), "outcomes", *PERIOD, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {"since", "until", "rows"}
    assert (data["since"], data["until"]) == ("2026-03-01", "2026-06-30")
    rows = {(r["clinician"], r["instrument"]): r for r in data["rows"]}
    assert set(rows) == {
        (w, i) for w in ("all", "alice", "bob") for i in ("PHQ-9", "GAD-7", "paired")
    }
    assert rows[("all", "paired")] == {
        "clinician": "all",
        "instrument": "paired",
        "counted": 5,
        "reliable_improvement": 2,
        "reliable_deterioration": 2,
        "recovery": 2,
        "reliable_recovery": 2,
        "cases_at_baseline": 3,
    }
    assert rows[("bob", "GAD-7")]["counted"] == 1  # exact, not suppressed


def test_clinician_filter(service) -> None:  # noqa: F811
    db = service[0]
    code, out, _ = run(env_of(db), "outcomes", *PERIOD, "--clinician", "alice", "--format", "json")
    assert code == 0
    rows = json.loads(out)["rows"]
    assert [(r["clinician"], r["instrument"], r["counted"]) for r in rows] == [
        ("alice", "PHQ-9", 6),
        ("alice", "GAD-7", 4),
        ("alice", "paired", 4),
    ]


def test_table_and_csv(service) -> None:  # noqa: F811
    db = service[0]
    code, out, _ = run(env_of(db), "outcomes", *PERIOD)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("outcomes 2026-03-01 to 2026-06-30")
    assert lines[1].split() == [
        "clinician",
        "instrument",
        "counted",
        "reliable_improvement",
        "reliable_deterioration",
        "recovery",
        "reliable_recovery",
        "cases_at_baseline",
    ]
    assert lines[2].split() == [
        "all",
        "PHQ-9",
        "7",
        "3",
        "(43%)",
        "1",
        "(14%)",
        "3",
        "(60%)",
        "2",
        "(40%)",
        "5",
    ]
    assert "9 active clients, 9 with a baseline, 6 with a follow-up" in out
    code, out, _ = run(env_of(db), "outcomes", *PERIOD, "--format", "csv")
    assert code == 0
    table = list(csv.DictReader(io.StringIO(out)))
    first = table[0]
    assert (first["clinician"], first["instrument"], first["counted"]) == ("all", "PHQ-9", "7")
    assert first["reliable_deterioration"] == "fewer than 5"
    assert first["reliable_deterioration_rate"] == "fewer than 5"
    assert first["cases_at_baseline"] == "5"


def test_refusals_name_the_problem(service) -> None:  # noqa: F811
    db = service[0]
    code, out, err = run(env_of(db), "outcomes", "--since", "2026-07-01", "--until", "2026-06-30")
    assert (code, out) == (1, "")
    assert "since: the period starts on 1 Jul 2026, after it ends (30 Jun 2026)" in err
    code, _, err = run(env_of(db), "outcomes", "--clinician", "nobody")
    assert code == 1 and "No clinician with username 'nobody'" in err
    code, _, err = run(env_of(db), "outcomes", "--since", "March")
    assert code == 2 and "'March' is not a date" in err
