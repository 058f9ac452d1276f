"""Settings, read from the environment once and passed down (never read deep inside the domain)."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_DATABASE_URL = "sqlite:///data/care-plans.db"
DEFAULT_SECRETS_FILE = ".streamlit/secrets.toml"
CLINIC_URI_RE = re.compile(r"^(https?://[^\s/]+(/[^\s]*)?|urn:[a-z0-9][a-z0-9-]*:[^\s]+)$",
                           re.IGNORECASE)
DEFAULT_CRISIS_MESSAGE = (
    "If you are in danger or might act on thoughts of harming yourself, call 999 or go to "
    "your nearest emergency department. You can call Samaritans any time on 116 123."
)


def _int(env: dict[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def _local_secret(env: dict[str, str], name: str) -> str:
    """A key from the local secrets file `make run` writes (CARE_PLANS_SECRETS_FILE)."""
    path = Path(env.get("CARE_PLANS_SECRETS_FILE") or DEFAULT_SECRETS_FILE)
    try:
        with path.open("rb") as handle:
            value = tomllib.load(handle).get(name, "")
    except (OSError, tomllib.TOMLDecodeError):
        return ""
    return value if isinstance(value, str) else ""


def _default_checkpoint(database_url: str) -> str:
    """Beside the SQLite file; under data/ for a server database."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(database_url)
    except Exception:  # noqa: BLE001 - a bad URL is reported when the engine is made
        return "data/audit-checkpoint.json"
    if parsed.get_backend_name() == "sqlite" and parsed.database and \
            parsed.database != ":memory:":
        return f"{parsed.database}.audit-checkpoint.json"
    return "data/audit-checkpoint.json"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    clinic_name: str = "Care Plans Clinic"
    clinic_timezone: str = "Europe/London"
    base_url: str = "http://localhost:8501"
    crisis_message: str = DEFAULT_CRISIS_MESSAGE
    idle_timeout_seconds: int = 15 * 60
    lockout_threshold: int = 5
    lockout_minutes: int = 15
    checkin_link_days: int = 30
    measure_interval_days: int = 14
    #: Reverse proxies in front of the app that append to X-Forwarded-For (0: none, use the
    #: connection's own address). Behind one trusted proxy, set 1.
    trusted_proxy_hops: int = 0
    #: The HMAC key that chains audit events (CARE_PLANS_AUDIT_KEY, or `audit_key` in the local
    #: secrets file). Kept outside the database, so a database edit cannot re-sign the chain.
    audit_key: str = field(default="", repr=False)
    #: The file holding the last verified audit-chain head (outside the database).
    audit_checkpoint: str = "data/audit-checkpoint.json"
    #: The clinic's own URI (e.g. https://fhir.example-clinic.org): when set, the FHIR export's
    #: identifier systems are `<uri>/client-ref` and `<uri>/username` instead of
    #: `urn:care-plans:<installation id>:...`. Resource ids stay namespaced by the installation.
    clinic_uri: str = ""
    extra: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.clinic_timezone)

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

    @property
    def cookie_secure(self) -> bool:
        return self.base_url.lower().startswith("https://")

    @property
    def database_is_default(self) -> bool:
        return self.database_url == DEFAULT_DATABASE_URL

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        tz = env.get("CARE_PLANS_TIMEZONE") or cls.clinic_timezone
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"CARE_PLANS_TIMEZONE {tz!r} is not a known time zone") from None
        database_url = env.get("DATABASE_URL") or DEFAULT_DATABASE_URL
        clinic_uri = (env.get("CARE_PLANS_CLINIC_URI") or "").strip().rstrip("/")
        if clinic_uri and not CLINIC_URI_RE.match(clinic_uri):
            raise ValueError(
                f"CARE_PLANS_CLINIC_URI {clinic_uri!r} is not an absolute URI "
                "(e.g. https://fhir.example-clinic.org, or urn:...), without spaces")
        return cls(
            clinic_uri=clinic_uri,
            database_url=database_url,
            clinic_name=env.get("CARE_PLANS_CLINIC_NAME") or cls.clinic_name,
            clinic_timezone=tz,
            base_url=(env.get("CARE_PLANS_BASE_URL") or cls.base_url).rstrip("/"),
            crisis_message=env.get("CARE_PLANS_CRISIS_MESSAGE") or DEFAULT_CRISIS_MESSAGE,
            idle_timeout_seconds=_int(env, "CARE_PLANS_IDLE_TIMEOUT_SECONDS", 15 * 60),
            lockout_threshold=_int(env, "CARE_PLANS_LOCKOUT_THRESHOLD", 5),
            lockout_minutes=_int(env, "CARE_PLANS_LOCKOUT_MINUTES", 15),
            checkin_link_days=_int(env, "CARE_PLANS_CHECKIN_LINK_DAYS", 30),
            measure_interval_days=_int(env, "CARE_PLANS_MEASURE_INTERVAL_DAYS", 14),
            trusted_proxy_hops=_int(env, "CARE_PLANS_TRUSTED_PROXY_HOPS", 0, minimum=0),
            audit_key=env.get("CARE_PLANS_AUDIT_KEY") or _local_secret(env, "audit_key"),
            audit_checkpoint=env.get("CARE_PLANS_AUDIT_CHECKPOINT")
            or _default_checkpoint(database_url),
        )
