"""The container files agree with the tested setup: compose's nginx config is the documented
block (the one tests/e2e/test_multi_server.py runs), the image uses the Makefile's Debian
packages, a non-root user, the health address and the documented server flags.

Docker is not on the test machines, so these check the files; the multi-server test is the
executable proof of the same configuration."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

from tests.nginxconf import COMPOSE, COMPOSE_CONF, compose_config, documented

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_nginx_config_is_the_documented_one() -> None:
    assert COMPOSE_CONF.read_text(encoding="utf-8") == compose_config(), (
        "deploy/nginx/care-plans.conf differs from docs/deployment.md's block; run "
        "`python -m tests.nginxconf > deploy/nginx/care-plans.conf`"
    )
    services = _compose()["services"]
    mounts = services["nginx"]["volumes"]
    assert "./deploy/nginx/care-plans.conf:/etc/nginx/conf.d/default.conf:ro" in mounts
    assert any(m.startswith("./deploy/tls:/etc/nginx/tls") for m in mounts)
    # every upstream server the config names is an app service built from the Dockerfile
    upstream_hosts = re.findall(r"server (\w+):8501", compose_config())
    assert len(upstream_hosts) >= 2
    for host in upstream_hosts:
        assert services[host]["build"] == "."
        env = services[host]["environment"]
        assert env["CARE_PLANS_TRUSTED_PROXY_HOPS"] == "1"
        assert env["CARE_PLANS_BASE_URL"].startswith("https://")
    assert all(new in compose_config() for new in COMPOSE.values())
    assert "db" in services and services["db"]["image"].startswith("postgres:")


def test_the_documented_block_is_what_the_multi_server_test_reads() -> None:
    block = documented()
    for required in (
        "proxy_set_header Upgrade $http_upgrade",
        "hash $care_plans_route",
        "listen 443 ssl",
        "access_log",
        "$uri",
    ):
        assert required in block
    # the query string (check-in tokens) never reaches a log format
    log_format = block.split("log_format", 1)[1].split(";", 1)[0]
    for leaky in ("$request ", "$request_uri", "$args", "$query_string", "$http_referer"):
        assert leaky not in log_format + " "


def _instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_dockerfile_matches_the_makefile_and_the_docs() -> None:
    steps = _instructions()
    base = next(rest for word, rest in steps if word == "FROM")
    assert re.fullmatch(r"debian:\w+-slim", base)
    runs = " ".join(rest for word, rest in steps if word == "RUN")
    # the same Debian packages as `make run`: the very script the Makefile calls
    assert "bash scripts/apt-deps.sh run" in runs
    assert "apt-deps.sh run" in (ROOT / "Makefile").read_text(encoding="utf-8")
    users = [rest for word, rest in steps if word == "USER"]
    assert users and users[-1] not in ("root", "0")
    health = next(rest for word, rest in steps if word == "HEALTHCHECK")
    assert "/_stcore/health" in health
    cmd = yaml.safe_load(next(rest for word, rest in steps if word == "CMD"))
    documented_flags = re.search(
        r"\.venv/bin/streamlit run dashboard/app.py (.*?)\n```",
        (ROOT / "docs" / "deployment.md").read_text(),
        re.DOTALL,
    )
    assert documented_flags
    flags = shlex.split(documented_flags.group(1).replace("\\\n", " "))
    expected = dict(zip(flags[::2], flags[1::2], strict=True))
    actual = dict(zip(cmd[3::2], cmd[4::2], strict=True))
    assert cmd[:3] == ["streamlit", "run", "dashboard/app.py"]
    assert {k: v for k, v in actual.items() if k != "--server.address"} == {
        k: v for k, v in expected.items() if k != "--server.address"
    }
