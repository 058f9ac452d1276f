"""Read models: what the pages, the PDF and FHIR exports and the command line show.

Every module here reads and never writes: it takes the `Database`, the acting user (access is
decided in `care_plans.access`) and plain values, and returns frozen dataclasses or DataFrames,
never live ORM objects. Nothing here imports `care_plans.services` (the use-cases that change
data); import-linter checks that in `make lint`.

- `rosters`: client and assignment lists, one client's check-ins.
- `caseload`: the caseload with its flags.
- `review`: what changed since the last session.
- `progress`: the client's story over time, behind the charts.
- `plan_views`: frozen views of a care plan and readable diffs between revisions.
- `export_data`: everything one client's exports show, with the consent and client-copy rules.
- `safety`: open risk first: self-harm answers open and followed up, deterioration, silence.
- `audit_trail`: the audit trail as administrators filter and export it.
- `client_activity`: what the client did on their own link (agreement, ticks, notes).
- `outcomes`: service outcomes (reliable change, recovery) and whether the data are there.
"""
