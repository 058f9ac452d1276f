"""Exports of one client's record: the session summary PDF, the crisis-plan page, the FHIR R4
bundle, and a zip of several summaries.

Plain data in, bytes or dicts out: `data` gathers the record once (access-checked, consent and
client-copy rules applied), `pdf` and `fhir` write files from it without a database session,
and `service` ties them together with an audit event per file generated.
"""

from care_plans.export.service import (
    ExportFile,
    export_batch_zip,
    export_crisis_plan,
    export_fhir,
    export_pdf,
)

__all__ = ["ExportFile", "export_batch_zip", "export_crisis_plan", "export_fhir", "export_pdf"]
