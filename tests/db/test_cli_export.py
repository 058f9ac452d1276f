"""`care-plans export-pdf` and `care-plans export-fhir`: the files they write, the options, and
their refusals (an existing file is refused before anything is generated or audited)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from care_plans.db import Database
from care_plans.models import AuditEvent
from tests.conftest import AUDIT_KEY
from tests.db.test_cli import run


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "CARE_PLANS_CLINIC_NAME": "Northvale Recovery Clinic",
        "CARE_PLANS_AUDIT_KEY": AUDIT_KEY,
    }
    assert run(env, "init-db")[0] == 0
    code, _, _ = run(env, "seed-demo", "--clients", "2", "--days", "30", "--end-date", "2026-06-30")
    assert code == 0
    return env


def export_actions(env: dict[str, str]) -> list[str]:
    db = Database.from_url(env["DATABASE_URL"])
    try:
        with db.uow() as uow:
            return list(
                uow.session.scalars(
                    select(AuditEvent.action)
                    .where(AuditEvent.action.like("export.%"))
                    .order_by(AuditEvent.id)
                )
            )
    finally:
        db.dispose()


def text_of(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")


def test_export_pdf_writes_the_summary_and_refuses_to_overwrite(seeded, tmp_path) -> None:
    # CP-0001's crisis plan names a contact without consent: listed, then nothing is made
    # unless the clinician chooses to go on.
    code, out, err = run(
        seeded, "export-pdf", "cp-0001", "--since", "2026-06-01", "--until", "2026-06-30"
    )
    name = "CP-0001-session-summary-2026-06-01-to-2026-06-30.pdf"
    assert code == 1 and out == "" and not (tmp_path / name).exists()
    assert "Crisis plan names Mei Ólafsdóttir, who has no consent to share." in err
    assert "--proceed-despite-mentions" in err and export_actions(seeded) == []
    code, out, err = run(
        seeded,
        "export-pdf",
        "cp-0001",
        "--since",
        "2026-06-01",
        "--until",
        "2026-06-30",
        "--proceed-despite-mentions",
    )
    assert code == 0 and out.startswith(f"wrote {name} (")
    assert "Making it anyway" in err
    text = text_of(tmp_path / name)
    assert "Zoë Ólafsdóttir" in text and "Northvale Recovery Clinic" in text
    assert "1 Jun 2026 to 30 Jun 2026" in text and "Measures: PHQ-9" in text
    assert export_actions(seeded) == ["export.pdf"]

    code, _, err = run(
        seeded,
        "export-pdf",
        "CP-0001",
        "--since",
        "2026-06-01",
        "--until",
        "2026-06-30",
        "--proceed-despite-mentions",
    )
    assert code == 1 and "already exists" in err
    assert export_actions(seeded) == ["export.pdf"]  # refused before anything was made


def test_export_pdf_options(seeded, tmp_path) -> None:
    copy = tmp_path / "out" / "copy.pdf"
    code, out, _ = run(seeded, "export-pdf", "CP-0002", "--client-copy", "--out", str(copy))
    assert code == 0 and str(copy) in out
    text = text_of(copy)
    assert "Client copy" in text and "Measures: PHQ-9" not in text

    crisis = tmp_path / "crisis.pdf"
    code, _, _ = run(seeded, "export-pdf", "CP-0002", "--crisis-plan", "--out", str(crisis))
    assert code == 0 and len(PdfReader(crisis).pages) == 1
    assert "My crisis plan — José Núñez" in text_of(crisis)

    code, _, err = run(
        seeded, "export-pdf", "CP-0001", "--include-unconsented", "--out", str(tmp_path / "all.pdf")
    )
    assert code == 0 and "included by the clinician" in text_of(tmp_path / "all.pdf")
    assert export_actions(seeded) == ["export.pdf", "export.crisis_pdf", "export.pdf"]


def test_export_pdf_refusals(seeded, tmp_path) -> None:
    code, _, err = run(
        seeded, "export-pdf", "CP-0001", "--since", "2026-06-30", "--until", "2026-06-01"
    )
    assert code == 1 and "starts after it ends" in err
    for option in ("--client-copy", "--include-unconsented"):
        code, _, err = run(seeded, "export-pdf", "CP-0001", "--crisis-plan", option)
        assert code == 1 and "--crisis-plan" in err
    code, _, err = run(seeded, "export-pdf", "CP-0001", "--since", "June")
    assert code == 2 and "is not a date" in err
    code, _, err = run(seeded, "export-pdf", "CP-4040")
    assert code == 1 and "No client with ref 'CP-4040'" in err
    assert export_actions(seeded) == []
    assert not list(tmp_path.glob("*.pdf"))


def test_export_fhir_to_standard_output_or_a_file(seeded, tmp_path) -> None:
    code, out, err = run(seeded, "export-fhir", "CP-0001")
    assert code == 1 and out == "" and "Crisis plan names Mei Ólafsdóttir" in err
    assert export_actions(seeded) == []  # nothing made, nothing audited
    code, out, err = run(seeded, "export-fhir", "CP-0002")
    assert (code, err) == (0, "") and json.loads(out)["type"] == "collection"
    code, out, err = run(seeded, "export-fhir", "CP-0001", "--proceed-despite-mentions")
    assert code == 0 and "Making it anyway" in err
    bundle = json.loads(out)
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    assert "Zoë Ólafsdóttir" in out  # UTF-8 as written, not \\u escapes
    target = tmp_path / "bundle.json"
    code, out, _ = run(
        seeded, "export-fhir", "CP-0001", "--include-unconsented", "--out", str(target)
    )
    assert code == 0 and out.startswith(f"wrote {target}")
    assert json.loads(target.read_text("utf-8"))["type"] == "collection"
    code, _, err = run(seeded, "export-fhir", "CP-0001", "--out", str(target))
    assert code == 1 and "already exists" in err
    assert export_actions(seeded) == ["export.fhir", "export.fhir", "export.fhir"]
