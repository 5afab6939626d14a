"""A throwaway PostgreSQL cluster for the hub benchmarks (initdb/pg_ctl as `postgres` when run as root)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def postgres_cluster():
    """Yield an admin URL (postgres user, password auth, 127.0.0.1, a free port); stopped and removed after."""
    if not (PG_BIN / "initdb").exists():
        raise SystemExit(f"PostgreSQL 15 is not installed ({PG_BIN}/initdb missing): apt-get install postgresql")
    base = Path(tempfile.mkdtemp(prefix="reader-bench-pg-"))
    password = uuid.uuid4().hex
    (base / "pw").write_text(password + "\n")
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
        shutil.chown(base / "pw", "postgres", "postgres")
    data = base / "data"
    subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-E", "UTF8",
                                 "--locale=C", "--auth=scram-sha-256", f"--pwfile={base / 'pw'}"]),
                   check=True, capture_output=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Default durability (fsync on): the figures are what a real hub does.
    options = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={base}"
    subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(base / "log"),
                                 "-w", "start"]), check=True, capture_output=True)
    try:
        yield f"postgresql://postgres:{password}@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def create_hub_database(admin_url: str, name: str) -> str:
    """A fresh database owned by a fresh role with a password; returns the team's connection string."""
    import psycopg

    password = uuid.uuid4().hex[:12]
    with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'")
        conn.execute(f"CREATE DATABASE {name} OWNER {name}")
    host_port = admin_url.rsplit("@", 1)[1]
    return f"postgresql://{name}:{password}@{host_port}/{name}"
