"""Settings as data: the README table, the secrets file, `care-plans settings`, and that nothing
but care_plans/config.py reads the environment."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from care_plans import cli, config
from care_plans.config import Settings

ROOT = Path(__file__).resolve().parents[2]
START = "<!-- settings-table:"
END = "<!-- /settings-table -->"


def _rows(table: str) -> dict[str, str]:
    """Table rows by variable name (the first cell)."""
    rows = {}
    for line in table.splitlines():
        match = re.match(r"\|\s*`([A-Z_]+)`\s*\|", line)
        if match:
            rows[match.group(1)] = re.sub(r"\s+", " ", line.strip())
    return rows


def _problems(readme: str) -> list[str]:
    """What the README's settings table misses or misstates, compared with config.py."""
    if START not in readme or END not in readme:
        return ["README.md lost its settings-table markers"]
    documented = _rows(readme.split(START, 1)[1].split(END, 1)[0])
    declared = _rows(config.readme_table())
    problems = [f"missing {n}" for n in declared if n not in documented]
    problems += [f"documents unknown {n}" for n in documented if n not in declared]
    problems += [
        f"misstates {n}" for n in declared if n in documented and documented[n] != declared[n]
    ]
    return problems


def test_readme_documents_every_setting_as_declared() -> None:
    problems = _problems((ROOT / "README.md").read_text(encoding="utf-8"))
    assert not problems, (
        f"README.md settings table: {problems}; run "
        "`care-plans settings --readme-table` and paste it into README.md"
    )


def test_the_readme_check_catches_a_missing_or_misstated_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = readme.splitlines()
    without = "\n".join(line for line in lines if "`CARE_PLANS_CHECKIN_LINK_DAYS`" not in line)
    assert _problems(without) == ["missing CARE_PLANS_CHECKIN_LINK_DAYS"]
    misstated = "\n".join(
        line.replace("`15`", "`30`") if "LOCKOUT_MINUTES" in line else line for line in lines
    )
    assert _problems(misstated) == ["misstates CARE_PLANS_LOCKOUT_MINUTES"]


def test_every_settings_field_is_a_table_entry() -> None:
    from dataclasses import fields

    assert [f.name for f in fields(Settings)] == [e.attribute for e in config.table()]
    # the defaults documented are the defaults used
    s = Settings.from_env({}, secrets={})
    for entry in config.table():
        if not callable(entry.default):
            assert getattr(s, entry.attribute) == entry.default, entry.name


def test_nothing_but_config_reads_the_environment() -> None:
    pattern = re.compile(r"os\.environ|getenv|environ\.get|st\.secrets")
    offenders = []
    for folder in ("care_plans", "dashboard"):
        for file in (ROOT / folder).rglob("*.py"):
            if file == ROOT / "care_plans" / "config.py":
                continue
            for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line):
                    offenders.append(f"{file.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "read settings through care_plans.config:\n" + "\n".join(offenders)


def test_secrets_file_keys_and_the_environment_winning(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('cookie_key = "from-the-file-' + "f" * 32 + '"\naudit_key = "a"\n')
    s = Settings.from_env(
        {"CARE_PLANS_SECRETS_FILE": str(secrets), "CARE_PLANS_AUDIT_KEY": "from-the-environment"}
    )
    assert s.cookie_key.startswith("from-the-file-")
    assert s.audit_key == "from-the-environment"
    _, sources = config.read({"CARE_PLANS_SECRETS_FILE": str(secrets)})
    assert sources["cookie_key"] == str(secrets) and sources["clinic_name"] == "default"


def test_a_bad_value_in_the_secrets_file_names_the_key(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('database_url = "not a url at all"\n')
    with pytest.raises(ValueError, match=r"database_url in .*secrets.toml is not a database URL"):
        Settings.from_env({"CARE_PLANS_SECRETS_FILE": str(secrets)})
    secrets.write_text("cookie_key = [unclosed\n")
    with pytest.raises(ValueError, match="secrets file .* could not be read"):
        Settings.from_env({"CARE_PLANS_SECRETS_FILE": str(secrets)})


def test_derived_default_for_the_audit_checkpoint() -> None:
    sqlite = Settings.from_env({"DATABASE_URL": "sqlite:////srv/cp/clinic.db"}, secrets={})
    assert sqlite.audit_checkpoint == "/srv/cp/clinic.db.audit-checkpoint.json"
    pg = Settings.from_env({"DATABASE_URL": "postgresql+psycopg://cp@db/cp"}, secrets={})
    assert pg.audit_checkpoint == "data/audit-checkpoint.json"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("localhost:8501", "must be an http:// or https:// address"),
        ("https://care.example.org/?x=1", "must not have a query"),
    ],
)
def test_bad_base_url_is_named(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"CARE_PLANS_BASE_URL {message}"):
        Settings.from_env({"CARE_PLANS_BASE_URL": value}, secrets={})


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://localhost:8501", True),
        ("http://127.0.0.1:9000", True),
        ("http://[::1]:80", True),
        ("http://0.0.0.0:8501", True),
        ("https://care.example.org", False),
        ("http://192.168.1.20:8501", False),
    ],
)
def test_local_addresses_are_recognised(url: str, local: bool) -> None:
    assert Settings.from_env({"CARE_PLANS_BASE_URL": url}, secrets={}).base_url_is_local is local


def test_settings_command_masks_secrets(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cookie = "cookie-" + "c" * 40
    env = {
        "CARE_PLANS_COOKIE_KEY": cookie,
        "CARE_PLANS_LOCKOUT_MINUTES": "20",
        "DATABASE_URL": "postgresql+psycopg://care:hunter2-pw@db.internal/care_plans",
        "CARE_PLANS_SECRETS_FILE": str(tmp_path / "absent.toml"),
    }
    assert cli.main(["settings"], env=env) == 0
    out = capsys.readouterr().out
    assert cookie not in out and "hunter2-pw" not in out
    assert re.search(
        r"CARE_PLANS_COOKIE_KEY\s+set \(47 characters, hidden\)\s+\[environment\]", out
    )
    assert re.search(r"CARE_PLANS_LOCKOUT_MINUTES\s+20\s+\[environment\]", out)
    assert re.search(r"CARE_PLANS_AUDIT_KEY\s+NOT SET\s+\[default\]", out)
    assert "postgresql+psycopg://care:***@db.internal/care_plans" in out
    assert len([line for line in out.splitlines() if line.strip()]) == len(config.table())


def test_settings_command_refuses_a_bad_value(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["settings"], env={"CARE_PLANS_IDLE_TIMEOUT_SECONDS": "soon"}) == 1
    assert "CARE_PLANS_IDLE_TIMEOUT_SECONDS must be a whole number" in capsys.readouterr().err
