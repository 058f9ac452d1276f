"""Settings as data: every environment variable and secrets-file key, declared once.

Why this module exists: a clinic configures the app through the environment (and a git-ignored
secrets file), and the README, `care-plans settings` and the parser must agree. Each field of
:class:`Settings` is one :func:`setting` entry: its variable, default, parser, a one-line
meaning and whether it is secret. :meth:`Settings.from_env` is driven by those entries, the
README's configuration table is checked against them (tests/unit/test_settings_docs.py), and
nothing else in the code reads the environment.

Adding a setting is one entry in the class body, e.g.::

    clinic_uri: str = setting("CARE_PLANS_CLINIC_URI", "", text, "the clinic's identifier URI")

then `care-plans settings --readme-table` prints the README rows to paste.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from care_plans.measures import DEFAULT_MEASURE_INTERVAL_DAYS

DEFAULT_DATABASE_URL = "sqlite:///data/care-plans.db"
DEFAULT_SECRETS_FILE = ".streamlit/secrets.toml"
DEFAULT_CRISIS_MESSAGE = (
    "If you are in danger or might act on thoughts of harming yourself, call 999 or go to "
    "your nearest emergency department. You can call Samaritans any time on 116 123."
)
#: The cookie and audit keys must be at least this long to be accepted by the app.
MIN_KEY_LENGTH = 32

# --- parsers: raw text -> value, or ValueError with a message that follows the variable name ---


def text(raw: str) -> str:
    return raw


def whole(minimum: int = 1) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise ValueError(f"must be a whole number, got {raw!r}") from None
        if value < minimum:
            raise ValueError(f"must be at least {minimum}, got {value}")
        return value

    parse.__doc__ = f"a whole number, at least {minimum}"
    return parse


def timezone(raw: str) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{raw!r} is not a known time zone (e.g. Europe/London)") from None
    return raw


def web_address(raw: str) -> str:
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"must be an http:// or https:// address, got {raw!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"must not have a query (?) or fragment (#), got {raw!r}")
    return raw.strip().rstrip("/")


CLINIC_URI_RE = re.compile(
    r"^(https?://[^\s/]+(/[^\s]*)?|urn:[a-z0-9][a-z0-9-]*:[^\s]+)$", re.IGNORECASE
)


def clinic_uri(raw: str) -> str:
    value = raw.strip().rstrip("/")
    if value and not CLINIC_URI_RE.match(value):
        raise ValueError(
            f"{value!r} is not an absolute URI (e.g. https://fhir.example-clinic.org, "
            "or urn:...), without spaces"
        )
    return value


def database_url(raw: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(raw.strip())
    except ArgumentError:
        raise ValueError("is not a database URL (e.g. postgresql+psycopg://user@host/db)") from None
    return raw.strip()


def path(raw: str) -> str:
    return raw.strip()


def audit_checkpoint_default(values: Mapping[str, Any]) -> str:
    """Beside the SQLite file; under data/ for a server database."""
    from sqlalchemy.engine import make_url

    url = make_url(values["database_url"])
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return f"{url.database}.audit-checkpoint.json"
    return "data/audit-checkpoint.json"


# --- the table --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """One variable: how it is read, what it means, and how the README shows it."""

    name: str
    attribute: str
    default: Any
    parse: Callable[[str], Any]
    meaning: str
    secret: bool
    secrets_key: str | None
    shown_default: str

    def default_for(self, values: Mapping[str, Any]) -> Any:
        return self.default(values) if callable(self.default) else self.default


def setting(
    name: str,
    default: Any,
    parse: Callable[[str], Any],
    meaning: str,
    *,
    secret: bool = False,
    secrets_key: str | None = None,
    shown_default: str | None = None,
) -> Any:
    """A Settings field that is also a table entry (read by from_env, the README test, the CLI).

    `default` may be a function of the settings read before it (a derived default); then
    `shown_default` says in words what it is. A `secrets_key` is also read from the secrets
    file (CARE_PLANS_SECRETS_FILE); the environment wins.
    """
    if shown_default is None:
        shown_default = "(none)" if default in ("", None) else f"`{default}`"
    entry = {
        "name": name,
        "default": default,
        "parse": parse,
        "meaning": meaning,
        "secret": secret,
        "secrets_key": secrets_key,
        "shown_default": shown_default,
    }
    static = "" if callable(default) else default
    return field(default=static, repr=not secret, metadata={"setting": entry})


@dataclass(frozen=True)
class Settings:
    secrets_file: str = setting(
        "CARE_PLANS_SECRETS_FILE",
        DEFAULT_SECRETS_FILE,
        path,
        "the git-ignored TOML file the secrets keys are read from (`make run` makes a local one)",
    )
    database_url: str = setting(
        "DATABASE_URL",
        DEFAULT_DATABASE_URL,
        database_url,
        "the database: a SQLite file, or PostgreSQL (`postgresql+psycopg://…`)",
        secrets_key="database_url",
    )
    cookie_key: str = setting(
        "CARE_PLANS_COOKIE_KEY",
        "",
        text,
        "signs sign-in cookies; at least 32 random characters, the same on every app server",
        secret=True,
        secrets_key="cookie_key",
    )
    audit_key: str = setting(
        "CARE_PLANS_AUDIT_KEY",
        "",
        text,
        "chains audit events with an HMAC so edits are detectable; kept outside the database",
        secret=True,
        secrets_key="audit_key",
    )
    audit_checkpoint: str = setting(
        "CARE_PLANS_AUDIT_CHECKPOINT",
        audit_checkpoint_default,
        path,
        "file holding the last verified audit-chain head, outside the database",
        shown_default="beside the SQLite file, else `data/audit-checkpoint.json`",
    )
    clinic_name: str = setting(
        "CARE_PLANS_CLINIC_NAME", "Care Plans Clinic", text, "shown on pages and PDFs"
    )
    clinic_timezone: str = setting(
        "CARE_PLANS_TIMEZONE",
        "Europe/London",
        timezone,
        "the clinic's time zone (timestamps are stored in UTC)",
    )
    base_url: str = setting(
        "CARE_PLANS_BASE_URL",
        "http://localhost:8501",
        web_address,
        "the address clients' phones open, in check-in and set-password links; "
        "`make run` sets it from HOST and PORT",
    )
    crisis_message: str = setting(
        "CARE_PLANS_CRISIS_MESSAGE",
        DEFAULT_CRISIS_MESSAGE,
        text,
        "shown on every client check-in form",
        shown_default="a UK crisis message",
    )
    idle_timeout_seconds: int = setting(
        "CARE_PLANS_IDLE_TIMEOUT_SECONDS",
        15 * 60,
        whole(1),
        "automatic sign-out after this long without interaction",
    )
    lockout_threshold: int = setting(
        "CARE_PLANS_LOCKOUT_THRESHOLD",
        5,
        whole(1),
        "failed sign-ins in a row before an account locks",
    )
    lockout_minutes: int = setting(
        "CARE_PLANS_LOCKOUT_MINUTES", 15, whole(1), "how long a locked account stays locked"
    )
    checkin_link_days: int = setting(
        "CARE_PLANS_CHECKIN_LINK_DAYS", 30, whole(1), "how long a new check-in link works"
    )
    measure_interval_days: int = setting(
        "CARE_PLANS_MEASURE_INTERVAL_DAYS",
        DEFAULT_MEASURE_INTERVAL_DAYS,
        whole(1),
        "days between PHQ-9 / GAD-7 on check-in links, for clients added from now on",
    )
    #: 0: use the connection's own address. Behind one trusted proxy (nginx), set 1.
    trusted_proxy_hops: int = setting(
        "CARE_PLANS_TRUSTED_PROXY_HOPS",
        0,
        whole(0),
        "reverse proxies in front that append `X-Forwarded-For` (for the check-in rate limit)",
    )
    #: When set, the FHIR export's identifier systems are `<uri>/client-ref` and
    #: `<uri>/username` instead of `urn:care-plans:<installation id>:...`; resource ids stay
    #: namespaced by the installation.
    clinic_uri: str = setting(
        "CARE_PLANS_CLINIC_URI",
        "",
        clinic_uri,
        "the clinic's own URI, naming the identifier systems in FHIR exports",
        shown_default="none: `urn:care-plans:<installation id>`",
    )

    # --- derived values ---------------------------------------------------------------------

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.clinic_timezone)

    def today(self) -> date:
        """Today's date in the clinic's time zone (not the server's): the date services need."""
        return datetime.now(self.tz).date()

    @property
    def database_is_default(self) -> bool:
        return self.database_url == DEFAULT_DATABASE_URL

    @property
    def base_url_is_local(self) -> bool:
        """True when the link address names this computer only (a phone cannot open it)."""
        return is_local_host(urlsplit(self.base_url).hostname or "")

    @property
    def link_warning(self) -> str | None:
        """What to say beside a new link whose address only this computer can open."""
        if not self.base_url_is_local:
            return None
        host = urlsplit(self.base_url).hostname
        return (
            f"This link points at {host}, which means this computer only: a phone or "
            "another computer cannot open it. The administrator sets the address "
            "links use in CARE_PLANS_BASE_URL (see docs/deployment.md)."
        )

    def client_address(self, peer: str | None, forwarded_for: str | None) -> str | None:
        """The requester's address: the peer, or the one a trusted proxy recorded for it.

        Only the entries the trusted proxies appended are believed; anything further left in
        X-Forwarded-For was written by the requester and could be forged.
        """
        if self.trusted_proxy_hops == 0 or not forwarded_for:
            return peer
        hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
        if len(hops) < self.trusted_proxy_hops:
            return peer
        return hops[-self.trusted_proxy_hops]

    # --- reading ----------------------------------------------------------------------------

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, secrets: Mapping[str, Any] | None = None
    ) -> Settings:
        """Settings from the environment (os.environ by default) and the secrets file.

        `secrets` replaces reading the secrets file (tests). A bad value raises ValueError
        naming the variable.
        """
        return cls(**read(env, secrets)[0])


def table() -> list[Setting]:
    """Every setting, in the order of the Settings class."""
    out = []
    for f in fields(Settings):
        entry = f.metadata.get("setting")
        if entry is not None:
            out.append(Setting(attribute=f.name, **entry))
    return out


def _read_secrets_file(file: str) -> dict[str, Any]:
    try:
        with Path(file).open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"the secrets file {file} could not be read: {exc}") from None


def read(
    env: Mapping[str, str] | None = None,
    secrets: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The value of every setting, and where each came from ("environment", the secrets
    file's name, or "default")."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    loaded: dict[str, Any] | None = None if secrets is None else dict(secrets)
    for entry in table():
        raw, source = env.get(entry.name, ""), "environment"
        if raw == "" and entry.secrets_key is not None:
            file = values.get("secrets_file", DEFAULT_SECRETS_FILE)
            if loaded is None:
                loaded = _read_secrets_file(file)
            found = loaded.get(entry.secrets_key)
            if found not in ("", None):
                raw, source = str(found), file
        if raw == "":
            values[entry.attribute] = entry.default_for(values)
            sources[entry.attribute] = "default"
            continue
        try:
            values[entry.attribute] = entry.parse(raw)
        except ValueError as exc:
            where = entry.name if source == "environment" else f"{entry.secrets_key} in {source}"
            raise ValueError(f"{where} {exc}") from None
        sources[entry.attribute] = source
    return values, sources


# --- showing --------------------------------------------------------------------------------


def is_local_host(host: str) -> bool:
    """localhost, a loopback or an unspecified address: reachable from this computer only."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost") or host == "":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def masked(entry: Setting, value: Any) -> str:
    """A value as `care-plans settings` shows it: secrets never, database passwords never."""
    if entry.secret:
        return f"set ({len(str(value))} characters, hidden)" if value else "NOT SET"
    if entry.attribute == "database_url":
        from sqlalchemy.engine import make_url

        return make_url(str(value)).render_as_string(hide_password=True)
    return str(value)


def readme_table() -> str:
    """The README's configuration table, as the table above says it should read."""
    lines = ["| variable | secrets-file key | default | meaning |", "|---|---|---|---|"]
    for entry in table():
        key = f"`{entry.secrets_key}`" if entry.secrets_key else ""
        meaning = entry.meaning + (" **(secret)**" if entry.secret else "")
        lines.append(f"| `{entry.name}` | {key} | {entry.shown_default} | {meaning} |")
    return "\n".join(lines)


# Checked at import: a setting without a meaning, or two with one name, fails here, not in a clinic.
def _check_table() -> None:
    names = [entry.name for entry in table()]
    if len(names) != len(set(names)):
        raise RuntimeError("two settings share a variable name")
    for entry in table():
        if not entry.meaning or "|" in entry.meaning:
            raise RuntimeError(f"{entry.name} needs a one-line meaning without '|'")
    if table()[0].attribute != "secrets_file":
        raise RuntimeError("CARE_PLANS_SECRETS_FILE must come first: the others may be in it")
    if any(f.default is MISSING for f in fields(Settings)):
        raise RuntimeError("every setting needs a default")


_check_table()
