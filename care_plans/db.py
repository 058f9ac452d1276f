"""Engine, session factory, unit of work and migrations.

SQLite is the embedded default (WAL, foreign keys on, a folder made for the file); PostgreSQL is
for a clinic with several app servers. Every use-case runs in one `UnitOfWork`, which rolls back
unless the service calls `commit()`.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from sqlalchemy.orm import Session, sessionmaker

from care_plans.errors import DatabaseBusy, DatabaseProblem, DatabaseUnavailable

log = logging.getLogger("care_plans.db")

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: How long an action waits for another process's SQLite write lock before it is refused.
SQLITE_LOCK_WAIT_SECONDS = 5.0


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; for SQLite the folder is created and WAL and foreign keys set.

    Statement parameters are never logged or put in error messages (`hide_parameters`): they
    are what people typed, clinical text included. A SQLite write lock held by another process
    is waited for up to `SQLITE_LOCK_WAIT_SECONDS`, then reported as locked.
    """
    path = _sqlite_path(url)
    kwargs.setdefault("hide_parameters", True)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": SQLITE_LOCK_WAIT_SECONDS})
    else:
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if path is not None:
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

    return engine


def make_session_factory(engine: Engine, audit_key: str | None = None) -> sessionmaker[Session]:
    """Sessions for `engine`; each carries the audit key (in `Session.info`) that chains the
    audit events it records, so the key never has to be stored in the database."""
    factory = sessionmaker(engine, expire_on_commit=False, info={"audit_key": audit_key})
    event.listen(factory, "before_flush", refuse_unstorable_text)
    return factory


#: What a refusal says of text holding a NUL character (a browser cannot type one; a paste, a
#: file or a script can). PostgreSQL cannot store it at all; SQLite is held to the same rule.
NUL_REFUSAL = "contains a NUL character (\\x00), which cannot be stored; remove it and try again"


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_holds_nul(v) for v in value)
    return False


def refuse_unstorable_text(session: Session, _context: Any, _instances: Any) -> None:
    """Before anything is written: refuse text no database column can hold, naming its field.

    Checked for every row being added or changed, so every service is held to it; the unit of
    work then rolls back, and nothing of the action is written."""
    problems: dict[str, str] = {}
    nested: dict[str, str] = {}
    for obj in (*session.new, *session.dirty):
        for attr in inspect(obj).mapper.column_attrs:
            value = getattr(obj, attr.key, None)
            if isinstance(value, str):
                if "\x00" in value:
                    problems.setdefault(attr.key, NUL_REFUSAL)
            elif _holds_nul(value):  # a JSON copy of text (a revision's snapshot)
                nested.setdefault(attr.key, NUL_REFUSAL)
    if problems or nested:
        from care_plans.errors import ValidationError

        raise ValidationError(problems or nested)


def database_problem(exc: BaseException) -> DatabaseProblem | None:
    """The plain-language refusal for a database that is down, restarting or locked, else None.

    Logged by kind only: never the statement's parameters (they are what people typed)."""
    if isinstance(exc, SATimeoutError):
        log.warning("database busy: no connection free in the pool")
        return DatabaseBusy(SQLITE_LOCK_WAIT_SECONDS)
    if not isinstance(exc, (OperationalError, InterfaceError)) and not (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    ):
        return None
    reason = str(getattr(exc, "orig", exc)).lower()
    if "locked" in reason or "busy" in reason:
        log.warning("database locked for more than %ss; action refused", SQLITE_LOCK_WAIT_SECONDS)
        return DatabaseBusy(SQLITE_LOCK_WAIT_SECONDS)
    log.warning(
        "database unavailable (%s); action refused", type(getattr(exc, "orig", exc)).__name__
    )
    return DatabaseUnavailable()


class UnitOfWork:
    """One user action: a Session that rolls back unless `commit()` is called."""

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._factory = session_factory
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            try:
                self.session.rollback()
            except DBAPIError:  # the connection died with the action: nothing to undo there
                log.warning("rollback failed on a lost connection; it was discarded")
        finally:
            self.session.close()
        if exc is not None:
            problem = database_problem(exc)
            if problem is not None:
                raise problem from exc

    def commit(self) -> None:
        self.session.commit()

    def flush(self) -> None:
        self.session.flush()


def _alembic_config(engine: Engine, audit_key: str | None = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    cfg.attributes["audit_key"] = audit_key
    return cfg


def init_db(engine: Engine, audit_key: str | None = None) -> str:
    """Create or upgrade the schema to the latest revision; safe to run again. Returns it.

    `audit_key` chains audit events written before the audit chain existed (revision 0004)."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    command.upgrade(_alembic_config(engine, audit_key), "head")
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision() or ""


def has_schema(engine: Engine) -> bool:
    return inspect(engine).has_table("users")


def backup_sqlite(engine: Engine, out: Path) -> None:
    """A consistent copy of a live SQLite database through SQLite's online backup API."""
    if engine.dialect.name != "sqlite":
        raise ValueError(
            "backup copies SQLite databases only; for PostgreSQL use pg_dump "
            "(for example: pg_dump --format=custom --file=care-plans.dump DBNAME)"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    raw = engine.raw_connection()
    try:
        src = raw.driver_connection
        assert isinstance(src, sqlite3.Connection)
        dest = sqlite3.connect(str(out))
        try:
            src.backup(dest)
        finally:
            dest.close()
    finally:
        raw.close()


class Database:
    """The engine and session factory a process uses; services take one of these."""

    def __init__(self, engine: Engine, audit_key: str | None = None) -> None:
        self.engine = engine
        self.audit_key = audit_key
        self.session_factory = make_session_factory(engine, audit_key)

    @classmethod
    def from_url(cls, url: str, audit_key: str | None = None) -> Database:
        return cls(make_engine(url), audit_key)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def dispose(self) -> None:
        self.engine.dispose()
