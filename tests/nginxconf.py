"""The nginx configuration of docs/deployment.md, read from the docs file itself.

The multi-server test runs this block (with its ports and paths replaced) and compose.yaml's
nginx uses deploy/nginx/care-plans.conf, which must equal this block with the compose names.
Every replacement must match: a docs edit that renames an address fails loudly instead of
quietly leaving a line untested.

    python -m tests.nginxconf > deploy/nginx/care-plans.conf   # after editing the docs block
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "deployment.md"
COMPOSE_CONF = ROOT / "deploy" / "nginx" / "care-plans.conf"
MARKER = "<!-- nginx-config:"

#: What the documented block names, and what the containers of compose.yaml call them.
COMPOSE = {
    "server 10.0.0.11:8501": "server app1:8501",
    "server 10.0.0.12:8501": "server app2:8501",
    "/etc/ssl/care-plans/": "/etc/nginx/tls/",
}


def documented() -> str:
    """The fenced nginx block after the marker comment in docs/deployment.md."""
    text = DOC.read_text(encoding="utf-8")
    if MARKER not in text:
        raise AssertionError(f"{DOC} lost its '{MARKER}' marker before the nginx block")
    after = text.split(MARKER, 1)[1]
    match = re.search(r"```nginx\n(.*?)```", after, re.DOTALL)
    if match is None:
        raise AssertionError(f"no ```nginx block follows the marker in {DOC}")
    return match.group(1)


def render(config: str, replacements: dict[str, str]) -> str:
    for old, new in replacements.items():
        if old not in config:
            raise AssertionError(f"the documented nginx config no longer contains {old!r}")
        config = config.replace(old, new)
    return config


def compose_config() -> str:
    header = (
        "# Generated from docs/deployment.md by `python -m tests.nginxconf`; "
        "edit the docs, not this file.\n"
    )
    return header + render(documented(), COMPOSE)


if __name__ == "__main__":
    sys.stdout.write(compose_config())
