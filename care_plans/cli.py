"""The `care-plans` command: set up a database, manage accounts, load demo data, import, export.

Exit codes: 0 success, 1 a refusal or domain error (a plain message on stderr, never a
traceback), 2 a usage error (argparse). The command acts as the audit user `cli`.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import secrets
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.exc import OperationalError

from care_plans.access import Actor
from care_plans.config import Settings
from care_plans.dates import show_time
from care_plans.db import Database, backup_sqlite, has_schema, init_db
from care_plans.errors import DomainError
from care_plans.quoting import printable

CLI = Actor.cli()


class CliError(Exception):
    """A refusal to report on stderr with exit code 1."""


def _database(settings: Settings) -> Database:
    return Database.from_url(settings.database_url, settings.audit_key or None)


def _ready_database(settings: Settings) -> Database:
    db = _database(settings)
    if not has_schema(db.engine):
        raise CliError("The database has no tables yet. Run `care-plans init-db` first.")
    return db


def _read_password(args: argparse.Namespace, *, required: bool) -> str | None:
    if getattr(args, "password_stdin", False):
        line = sys.stdin.readline()
        if not line:
            raise CliError("--password-stdin was given but standard input was empty.")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        if required:
            raise CliError("No terminal to prompt for a password; use --password-stdin.")
        return None
    first = getpass.getpass("New password: ")
    second = getpass.getpass("Repeat the password: ")
    if first != second:
        raise CliError("The two passwords differ; nothing was changed.")
    return first


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return number


def _client_id(db: Database, ref: str) -> int:
    from care_plans.services import clients

    return clients.find_client_id(db, CLI, ref)


# --- subcommands ---------------------------------------------------------------------------


def cmd_init_db(args: argparse.Namespace, settings: Settings) -> int:
    db = _database(settings)
    revision = init_db(db.engine, settings.audit_key or None)
    print(f"database ready at revision {revision}")
    return 0


def cmd_create_user(args: argparse.Namespace, settings: Settings) -> int:
    from care_plans.services import users

    db = _ready_database(settings)
    password = _read_password(args, required=False)
    info = users.create_user(
        db, CLI, username=args.username, full_name=args.name, role=args.role, password=password
    )
    note = "" if password else " (no password yet: use `care-plans set-password`)"
    print(f"created {info.role} {info.username}{note}")
    return 0


def cmd_set_password(args: argparse.Namespace, settings: Settings) -> int:
    from care_plans.services import users

    db = _ready_database(settings)
    password = _read_password(args, required=True)
    assert password is not None
    users.set_password(db, CLI, username=args.username, password=password)
    print(f"password set for {args.username.strip().lower()}; their sign-ins were ended")
    return 0


def cmd_unlock(args: argparse.Namespace, settings: Settings) -> int:
    from care_plans.services import users

    db = _ready_database(settings)
    info = users.unlock(db, CLI, username=args.username)
    print(f"unlocked {info.username}")
    return 0


def _print_progress(done: int, total: int) -> None:
    if sys.stderr.isatty() or total >= 200:
        print(
            f"\rseeding clients: {done}/{total}",
            end="" if done < total else "\n",
            file=sys.stderr,
            flush=True,
        )


def cmd_seed_demo(args: argparse.Namespace, settings: Settings) -> int:
    from care_plans import demo

    db = _ready_database(settings)
    result = demo.seed_demo(
        db,
        clients=args.clients,
        days=args.days,
        clinicians=args.clinicians,
        seed=args.seed,
        end_date=args.end_date or settings.today(),
        password=args.demo_password or demo.DEMO_PASSWORD,
        progress=_print_progress,
    )
    print(
        f"seeded {result.clients} clients, {result.checkins} check-ins, "
        f"{result.measure_responses} measure responses"
    )
    _print_accounts(result.accounts, args.demo_password is None)
    return 0


def _print_accounts(accounts: Sequence[tuple[str, str]], show_default: bool) -> None:
    from care_plans import demo

    print("demo accounts:")
    for username, role in accounts:
        print(f"  {username:<22} {role}")
    if show_default:
        print(f"password for every demo account: {demo.DEMO_PASSWORD}")


ROSTER_FIELDS = ("ref", "name", "clinician", "status", "checkins", "last_checkin")


def cmd_clients(args: argparse.Namespace, settings: Settings) -> int:
    from care_plans.read import rosters

    db = _ready_database(settings)
    rows = [
        {
            "ref": r.ref,
            "name": r.name,
            "clinician": r.clinician,
            "status": r.status,
            "checkins": r.checkins,
            "last_checkin": r.last_checkin.isoformat().replace("+00:00", "Z")
            if r.last_checkin
            else None,
        }
        for r in rosters.client_roster(db, CLI)
    ]
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    elif args.format == "csv":
        from care_plans.csvsafe import write_csv

        sys.stdout.write(write_csv(ROSTER_FIELDS, rows))
    else:
        if not rows:
            print("no clients yet")
            return 0
        widths = {f: max(len(f), *(len(str(r[f] or "")) for r in rows)) for f in ROSTER_FIELDS}
        print("  ".join(f.ljust(widths[f]) for f in ROSTER_FIELDS).rstrip())
        for r in rows:
            print("  ".join(str(r[f] or "-").ljust(widths[f]) for f in ROSTER_FIELDS).rstrip())
    return 0


def cmd_import_checkins(args: argparse.Namespace, settings: Settings) -> int:
    from care_plans.services import imports

    db = _ready_database(settings)
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}") from None
    result = imports.import_checkins(db, CLI, data, tz=settings.tz, dry_run=args.dry_run)
    if result.faults:
        for fault in result.faults:
            print(str(fault), file=sys.stderr)
        print(f"nothing imported: {len(result.faults)} problem(s) found", file=sys.stderr)
        return 1
    prefix = "dry run: would have " if args.dry_run else ""
    print(f"{prefix}imported {result.imported}, skipped {result.skipped_duplicates} duplicates")
    return 0


def _write_export(out: Path, content: bytes) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("xb") as handle:  # never overwrites, even a file made meanwhile
            handle.write(content)
    except FileExistsError:
        raise CliError(f"{out} already exists; choose a new file name.") from None
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None


def _export_path(args: argparse.Namespace, default_name: str) -> Path:
    """Where to write, refused before anything is generated (a generated file is audited)."""
    out = Path(args.out or default_name)
    if out.exists():
        raise CliError(f"{out} already exists; choose a new file name.")
    return out


def _choose_despite_mentions(
    args: argparse.Namespace, mentions: list[Any]
) -> frozenset[tuple[int, str, str]]:
    """Show what the file's text says about contacts without consent to share, and let the
    clinician choose: the flag, or an answer at the terminal. Refuses (nothing made) otherwise."""
    from care_plans.export import consent

    if not mentions:
        return frozenset()
    print(
        "Before the file is made: its text names contacts without consent to share:",
        file=sys.stderr,
    )
    for mention in mentions:
        print(f"  - {mention.describe()}", file=sys.stderr)
    if args.proceed_despite_mentions:
        print(
            "Making it anyway (--proceed-despite-mentions); the audit trail records this.",
            file=sys.stderr,
        )
        return consent.keys(mentions)
    if sys.stdin is not None and sys.stdin.isatty():
        print("Make the file anyway? [y/N] ", end="", file=sys.stderr, flush=True)
        if sys.stdin.readline().strip().lower() in ("y", "yes"):
            return consent.keys(mentions)
    raise CliError(
        "nothing written. Edit the text, include the contacts with "
        "--include-unconsented if the client has asked, or make it anyway with "
        "--proceed-despite-mentions."
    )


#: The smallest chart with text: drawing it starts vl-convert's engine and loads its fonts.
_WARM_UP_CHART = (
    '{"data": {"values": [{"a": 1}]}, "mark": "point", "title": "warm-up",'
    ' "encoding": {"x": {"field": "a", "type": "quantitative"}}}'
)


def _start_chart_engine() -> threading.Thread:
    """Start vl-convert (a second or more in a fresh process) on a thread of its own, so it
    starts while the PDF code is imported and the data read; the charts are drawn after."""

    def warm_up() -> None:
        import vl_convert

        vl_convert.vegalite_to_png(_WARM_UP_CHART)

    thread = threading.Thread(target=warm_up, name="vl-convert warm-up")
    thread.start()
    return thread


def cmd_export_pdf(args: argparse.Namespace, settings: Settings) -> int:
    if not args.crisis_plan:
        _start_chart_engine()  # the crisis-plan page has no chart
    from care_plans.export import service
    from care_plans.services import clients

    db = _ready_database(settings)
    client_id = _client_id(db, args.client_ref)
    if args.crisis_plan:
        if (
            args.since
            or args.until
            or args.client_copy
            or args.include_unconsented
            or args.proceed_despite_mentions
        ):
            raise CliError(
                "--crisis-plan takes no period or other option: it is the client's "
                "own copy and lists every crisis contact."
            )
        out = _export_path(
            args, service.crisis_file_name(clients.get_client(db, CLI, client_id).ref)
        )
        exported = service.export_crisis_plan(db, CLI, client_id, settings=settings)
    else:
        _period, name = service.planned_summary(
            db,
            CLI,
            client_id,
            settings=settings,
            since=args.since,
            until=args.until,
            client_copy=args.client_copy,
            today=settings.today(),
        )
        out = _export_path(args, name)
        proceed = _choose_despite_mentions(
            args,
            service.pdf_mentions(
                db,
                CLI,
                client_id,
                settings=settings,
                since=args.since,
                until=args.until,
                client_copy=args.client_copy,
                include_unconsented=args.include_unconsented,
            ),
        )
        exported = service.export_pdf(
            db,
            CLI,
            client_id,
            settings=settings,
            since=args.since,
            until=args.until,
            client_copy=args.client_copy,
            include_unconsented=args.include_unconsented,
            proceed_with=proceed,
        )
    _write_export(out, exported.content)
    print(f"wrote {out} ({len(exported.content):,} bytes)")
    return 0


def cmd_export_fhir(args: argparse.Namespace, settings: Settings) -> int:
    from care_plans.export import service

    db = _ready_database(settings)
    client_id = _client_id(db, args.client_ref)
    out = _export_path(args, "") if args.out is not None else None
    proceed = _choose_despite_mentions(
        args,
        service.fhir_mentions(db, CLI, client_id, include_unconsented=args.include_unconsented),
    )
    exported = service.export_fhir(
        db,
        CLI,
        client_id,
        settings=settings,
        include_unconsented=args.include_unconsented,
        proceed_with=proceed,
    )
    if out is None:
        binary = getattr(sys.stdout, "buffer", None)
        if binary is not None:  # bytes as written: UTF-8 whatever the terminal's locale
            sys.stdout.flush()
            binary.write(exported.content)
            binary.flush()
        else:
            sys.stdout.write(exported.content.decode("utf-8"))
        return 0
    _write_export(out, exported.content)
    print(f"wrote {out} ({len(exported.content):,} bytes)")
    return 0


def cmd_checkin_link(args: argparse.Namespace, settings: Settings) -> int:
    from care_plans.services import checkin_links

    db = _ready_database(settings)
    client_id = _client_id(db, args.client_ref)
    days = args.days if args.days is not None else settings.checkin_link_days
    token, info = checkin_links.create_link(db, CLI, client_id, days=days)
    print(checkin_links.link_url(settings.base_url, token))
    if settings.link_warning:
        print(f"warning: {settings.link_warning}", file=sys.stderr)
    print(
        f"expires {show_time(info.expires_at, settings.tz)} ({settings.clinic_timezone}); "
        "shown only now: only a fingerprint of the link is stored"
    )
    return 0


OUTCOME_COLUMNS = (
    "clinician",
    "instrument",
    "counted",
    "reliable_improvement",
    "reliable_deterioration",
    "recovery",
    "reliable_recovery",
    "cases_at_baseline",
)


def cmd_outcomes(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import timedelta

    from care_plans.read import outcomes

    db = _ready_database(settings)
    today = settings.today()
    until = args.until or today
    since = args.since or (until - timedelta(days=364))
    result = outcomes.service_outcomes(
        db, CLI, since=since, until=until, tz=settings.tz, clinician=args.clinician, today=today
    )
    if args.format == "json":
        print(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        return 0
    if args.format == "csv":
        sys.stdout.write(outcomes.counts_csv(result.rows, since=since, until=until))
        return 0
    print(
        f"outcomes {since.isoformat()} to {until.isoformat()} (exact counts; rates of "
        "counted, recovery rates of cases at baseline)"
    )
    cells = [
        [
            str(getattr(r, c)) if c in ("clinician", "instrument") else _count_and_rate(r, c)
            for c in OUTCOME_COLUMNS
        ]
        for r in result.rows
    ]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(OUTCOME_COLUMNS)]
    print("  ".join(c.ljust(w) for c, w in zip(OUTCOME_COLUMNS, widths, strict=True)).rstrip())
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    c = result.completeness
    print(
        f"data completeness: {c.active_clients} active clients, {c.with_baseline} with a "
        f"baseline, {c.with_recent_follow_up} with a follow-up in the last "
        f"{outcomes.FOLLOW_UP_DAYS} days; {c.links_sent} check-in links sent, "
        f"{c.links_opened} opened; {c.answered} measures answered ({c.answered_by_link} "
        f"through a link) of {c.measures_due} due"
    )
    return 0


def _count_and_rate(row: object, name: str) -> str:
    value = getattr(row, name)
    if name in ("counted", "cases_at_baseline"):
        return str(value)
    rate = row.rate(name)  # type: ignore[attr-defined]
    return f"{value} ({rate:.0%})" if rate is not None else str(value)


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    db = _database(settings)
    out = Path(args.out)
    if out.exists():
        raise CliError(f"{out} already exists; choose a new file name.")
    try:
        backup_sqlite(db.engine, out)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    print(f"backup written to {out}")
    return 0


def cmd_verify_audit(args: argparse.Namespace, settings: Settings) -> int:
    """Walk the whole audit chain; on success, checkpoint its head outside the database."""
    from care_plans import audit

    db = _ready_database(settings)
    path = Path(settings.audit_checkpoint)
    checkpoint = audit.read_checkpoint(path, settings.audit_key)
    with db.uow() as uow:
        verdict = audit.verify(uow.session, settings.audit_key, checkpoint)
    if not verdict.intact:
        print(f"error: {verdict.describe()}", file=sys.stderr)
        if checkpoint is not None:
            print(
                f"last checkpoint: sequence {checkpoint.seq} at {checkpoint.at} ({path})",
                file=sys.stderr,
            )
        return 1
    audit.write_checkpoint(path, settings.audit_key, verdict)
    print(verdict.describe())
    print(f"checkpoint written to {path}")
    return 0


def cmd_prepare_local(args: argparse.Namespace, settings: Settings) -> int:
    """First run on a laptop: a local cookie key, and demo data in an empty default database."""
    from care_plans import demo
    from care_plans.services import users

    secrets_file = Path(args.secrets_file or settings.secrets_file)
    if not secrets_file.exists():
        secrets_file.parent.mkdir(parents=True, exist_ok=True)
        secrets_file.write_text(
            "# Made by `make run` on first run. Local only: never commit this file.\n"
            f'cookie_key = "{secrets.token_urlsafe(32)}"\n'
        )
        secrets_file.chmod(0o600)
        print(f"created {secrets_file} with a random cookie key")
    if "audit_key" not in secrets_file.read_text():
        with secrets_file.open("a") as handle:
            handle.write(
                "# Chains the audit trail (back it up apart from the database).\n"
                f'audit_key = "{secrets.token_urlsafe(32)}"\n'
            )
        print(f"added a random audit key to {secrets_file}")
        if not settings.audit_key:
            settings = dataclasses.replace(
                settings,
                audit_key=Settings.from_env(
                    {"CARE_PLANS_SECRETS_FILE": str(secrets_file)}
                ).audit_key,
            )
    if not settings.database_is_default:
        return 0
    db = _ready_database(settings)
    if users.count_users(db) > 0:
        return 0
    print("the default database is empty: loading demo data (fictional people only)")
    result = demo.seed_demo(db, end_date=settings.today(), progress=_print_progress)
    _print_accounts(result.accounts, True)
    return 0


def cmd_settings(args: argparse.Namespace, settings: Settings) -> int:
    """The effective settings and where each came from; secrets and passwords masked."""
    from care_plans import config

    if args.readme_table:
        print(config.readme_table())
        return 0
    values, sources = config.read(args.env)
    entries = config.table()
    width = max(len(e.name) for e in entries)
    for entry in entries:
        shown = config.masked(entry, values[entry.attribute]).replace("\n", " ")
        if len(shown) > 70:
            shown = shown[:67] + "..."
        print(f"{entry.name:<{width}}  {shown}  [{sources[entry.attribute]}]")
    if settings.base_url_is_local:
        print(
            f"\nnote: CARE_PLANS_BASE_URL is {settings.base_url}: check-in links will open only "
            "on this computer, not on a client's phone",
            file=sys.stderr,
        )
    return 0


# --- parser --------------------------------------------------------------------------------

Handler = Callable[[argparse.Namespace, Settings], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="care-plans",
        description="Recovery-oriented care plans: database, accounts, demo data, import, export.",
        epilog="The database is DATABASE_URL, or sqlite:///data/care-plans.db by default.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    add("init-db", cmd_init_db, "Create the database or upgrade it to the latest schema.")

    p = add("create-user", cmd_create_user, "Create an account.")
    p.add_argument("username")
    p.add_argument("--name", required=True, help="the person's full name")
    p.add_argument("--role", required=True, choices=["clinician", "supervisor", "admin"])
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input",
    )

    p = add("set-password", cmd_set_password, "Set an account's password (ends its sign-ins).")
    p.add_argument("username")
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input",
    )

    p = add("unlock", cmd_unlock, "Unlock an account locked after failed sign-ins.")
    p.add_argument("username")

    p = add(
        "seed-demo",
        cmd_seed_demo,
        "Load fictional demo data into an empty database (refuses one with clients).",
    )
    p.add_argument("--clients", type=_positive, default=24)
    p.add_argument("--days", type=_positive, default=180)
    p.add_argument("--clinicians", type=_positive, default=3)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--end-date",
        type=_parse_date,
        default=None,
        help="last day of demo check-ins, YYYY-MM-DD (default: the clinic's today)",
    )
    p.add_argument(
        "--demo-password",
        default=None,
        help="password for the demo accounts (default: the documented demo one)",
    )

    p = add("clients", cmd_clients, "List every client with check-in counts.")
    p.add_argument("--format", choices=["table", "json", "csv"], default="table")

    p = add(
        "import-checkins",
        cmd_import_checkins,
        "Import check-ins from a CSV file (all rows or none).",
    )
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="check the file and write nothing")

    unconsented_help = (
        "also show support contacts who have not consented to sharing (left out by default)"
    )
    mentions_help = (
        "make the file even though its text names a contact without consent to "
        "share (listed first; the audit trail records the choice)"
    )
    p = add(
        "export-pdf",
        cmd_export_pdf,
        "Export a client's session summary PDF (or, with --crisis-plan, their one-page "
        "crisis plan).",
    )
    p.add_argument("client_ref")
    p.add_argument(
        "--out",
        help="file to write (default: a name made from the ref and period, "
        "in the current folder); never overwritten",
    )
    p.add_argument(
        "--since",
        type=_parse_date,
        help="first day, YYYY-MM-DD (default: the session before the most recent one)",
    )
    p.add_argument("--until", type=_parse_date, help="last day, YYYY-MM-DD (default: today)")
    p.add_argument(
        "--client-copy", action="store_true", help="leave out measures and clinician-only notes"
    )
    p.add_argument("--include-unconsented", action="store_true", help=unconsented_help)
    p.add_argument("--proceed-despite-mentions", action="store_true", help=mentions_help)
    p.add_argument(
        "--crisis-plan",
        action="store_true",
        help="the one-page crisis plan in large type, for the client to keep "
        "(lists every crisis contact)",
    )

    p = add(
        "export-fhir",
        cmd_export_fhir,
        "Export a client's record as a FHIR R4 Bundle (JSON; standard output by default).",
    )
    p.add_argument("client_ref")
    p.add_argument("--out", help="file to write instead of standard output; never overwritten")
    p.add_argument("--include-unconsented", action="store_true", help=unconsented_help)
    p.add_argument("--proceed-despite-mentions", action="store_true", help=mentions_help)

    p = add(
        "checkin-link",
        cmd_checkin_link,
        "Create a client's check-in link and print its address and expiry.",
    )
    p.add_argument("client_ref")
    p.add_argument(
        "--days",
        type=_positive,
        default=None,
        help="how many days the link works (default CARE_PLANS_CHECKIN_LINK_DAYS, 30)",
    )

    p = add(
        "outcomes",
        cmd_outcomes,
        "Service outcomes: clients counted, reliable improvement and deterioration, "
        "recovery, per instrument and paired, overall and by clinician.",
    )
    p.add_argument(
        "--since",
        type=_parse_date,
        help="first day, YYYY-MM-DD (default: 12 months before --until)",
    )
    p.add_argument("--until", type=_parse_date, help="last day, YYYY-MM-DD (default: today)")
    p.add_argument(
        "--clinician",
        metavar="USERNAME",
        help="only this clinician's clients (default: everyone, and a row per clinician)",
    )
    p.add_argument(
        "--format",
        choices=["table", "json", "csv"],
        default="table",
        help="json and table give exact counts; csv shows counts under 5 as 'fewer than 5'",
    )

    p = add("backup", cmd_backup, "Copy a live SQLite database consistently.")
    p.add_argument("--out", required=True)

    add(
        "verify-audit",
        cmd_verify_audit,
        "Check that no audit event was edited, inserted, removed or reordered; on success "
        "record the chain head in CARE_PLANS_AUDIT_CHECKPOINT.",
    )
    p = add(
        "settings",
        cmd_settings,
        "Print the effective settings (secrets masked) and where each came from.",
    )
    p.add_argument(
        "--readme-table",
        action="store_true",
        help="print the README's configuration table for every setting instead",
    )

    p = add(
        "prepare-local",
        cmd_prepare_local,
        "Used by `make run`: make a local cookie key; load demo data into an empty "
        "default database.",
    )
    p.add_argument(
        "--secrets-file",
        default=None,
        help="where to write the local keys (default CARE_PLANS_SECRETS_FILE)",
    )
    return parser


def main(argv: Sequence[str] | None = None, env: dict[str, str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(env)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        handler: Handler = args.handler
        args.env = env
        return handler(args, settings)
    except (DomainError, CliError) as exc:
        # Messages may quote a file or an argument: control characters escaped, never raw.
        print(f"error: {printable(str(exc))}", file=sys.stderr)
        return 1
    except OperationalError as exc:
        # The database itself is unreachable or locked: say so, without a traceback.
        print(f"error: the database could not be used: {printable(str(exc.orig))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; nothing more was changed", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
