"""A throwaway PostgreSQL server for the tests: its own data folder, loopback, a free port.

Tests never read DATABASE_URL: a clinic's database must never be touched by a test run. As root
the server runs as the `postgres` user (initdb refuses root); otherwise as the current user.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    pass


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if found:
        return Path(found[0]).parent
    which = shutil.which("initdb")
    if which:
        return Path(which).parent
    raise PostgresUnavailable(
        "PostgreSQL server binaries not found (apt-get install postgresql); "
        "`make test` installs them"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    def __init__(self) -> None:
        self.bin = _bin_dir()
        self.tmp = Path(tempfile.mkdtemp(prefix="care-plans-pg-"))
        self.data = self.tmp / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        self._started = False

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)

    def start(self) -> PostgresServer:
        if self.as_root:
            shutil.chown(self.tmp, "postgres", "postgres")
        r = self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )
        if r.returncode != 0:
            raise PostgresUnavailable(f"initdb failed: {r.stderr.strip()[-500:]}")
        opts = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c fsync=off "
            f"-c synchronous_commit=off -c full_page_writes=off "
            f"-c unix_socket_directories={self.tmp} -c max_connections=200"
        )
        r = self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            opts,
            "-l",
            str(self.tmp / "log"),
            "-w",
            "-t",
            "30",
            "start",
        )
        if r.returncode != 0:
            log = (self.tmp / "log").read_text() if (self.tmp / "log").exists() else ""
            raise PostgresUnavailable(f"pg_ctl start failed: {r.stderr.strip()} {log[-500:]}")
        self._started = True
        return self

    def pause(self) -> None:
        """Stop the server, keeping its data (a database outage); `resume` starts it again."""
        r = self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        if r.returncode != 0:
            raise PostgresUnavailable(f"pg_ctl stop failed: {r.stderr.strip()}")

    def resume(self) -> None:
        opts = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c fsync=off "
            f"-c synchronous_commit=off -c full_page_writes=off "
            f"-c unix_socket_directories={self.tmp} -c max_connections=200"
        )
        r = self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            opts,
            "-l",
            str(self.tmp / "log"),
            "-w",
            "-t",
            "30",
            "start",
        )
        if r.returncode != 0:
            raise PostgresUnavailable(f"pg_ctl start failed: {r.stderr.strip()}")

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self._started:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
            self._started = False
        shutil.rmtree(self.tmp, ignore_errors=True)


def start_or_explain() -> PostgresServer:
    """Start a server, waiting briefly for a slow machine; PostgresUnavailable says why not."""
    last: Exception | None = None
    for _ in range(2):
        server = PostgresServer()
        try:
            return server.start()
        except (PostgresUnavailable, subprocess.TimeoutExpired, OSError) as exc:
            last = exc
            server.stop()
            time.sleep(1)
    raise PostgresUnavailable(str(last))
