"""Runs the strict, independent FHIR validator (tests/fhir_validate.mjs: Medplum's
validateResource over the R4 StructureDefinitions, required value-set bindings, bundle
references) on exported bundles, with the Node 22 that `make node-tools` installs from the npm
registry (package.json). Missing Node tools fail the test with the command to run: never a skip.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules" / ".bin" / "node"
SCRIPT = ROOT / "tests" / "fhir_validate.mjs"


def strict_report(bundles: list[dict[str, Any]], folder: Path) -> dict[str, Any]:
    """The validator's report over `bundles` (written as files into `folder`)."""
    if not NODE.exists() or not (ROOT / "node_modules" / "@medplum" / "core").exists():
        pytest.fail(
            "The strict FHIR validator is not installed: run `make node-tools` "
            "(npm ci from package-lock.json)."
        )
    files = []
    for number, bundle in enumerate(bundles, start=1):
        path = folder / f"bundle-{number}.json"
        path.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
        files.append(str(path))
    done = subprocess.run(
        [str(NODE), str(SCRIPT), *files],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    if done.returncode not in (0, 1):
        pytest.fail(f"the validator could not run ({done.returncode}): {done.stderr[-2000:]}")
    report: dict[str, Any] = json.loads(done.stdout)
    report["exit_code"] = done.returncode
    return report


def describe(report: dict[str, Any]) -> str:
    return "\n".join(
        f"{e['where']}: {e['message']} {e.get('path') or ''}" for e in report["errors"][:40]
    )
