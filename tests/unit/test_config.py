"""Settings from the environment: defaults, validation, the client address behind proxies."""

from __future__ import annotations

import pytest

from care_plans.config import DEFAULT_DATABASE_URL, Settings


def test_defaults() -> None:
    s = Settings.from_env({})
    assert s.database_url == DEFAULT_DATABASE_URL and s.database_is_default
    assert (s.idle_timeout_seconds, s.lockout_threshold, s.lockout_minutes) == (900, 5, 15)
    assert s.base_url == "http://localhost:8501" and s.trusted_proxy_hops == 0


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CARE_PLANS_IDLE_TIMEOUT_SECONDS", "soon", "must be a whole number"),
        ("CARE_PLANS_LOCKOUT_THRESHOLD", "0", "must be at least 1"),
        ("CARE_PLANS_TRUSTED_PROXY_HOPS", "-1", "must be at least 0"),
        ("CARE_PLANS_TIMEZONE", "Mars/Olympus", "not a known time zone"),
    ],
)
def test_bad_values_are_named(name: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        Settings.from_env({name: value})
    assert name in str(info.value)


def test_forwarded_addresses_are_believed_only_from_trusted_proxies() -> None:
    direct = Settings.from_env({})
    assert direct.client_address("10.0.0.9", "203.0.113.7") == "10.0.0.9"
    proxied = Settings.from_env({"CARE_PLANS_TRUSTED_PROXY_HOPS": "1"})
    # the requester can write anything on the left; only the proxy's entry counts
    assert proxied.client_address("10.0.0.9", "1.2.3.4, 203.0.113.7") == "203.0.113.7"
    assert proxied.client_address("10.0.0.9", None) == "10.0.0.9"
