"""A throwaway PostgreSQL 15 cluster for the hub tests (one a test session), and fresh hubs on it.

initdb and pg_ctl run as the `postgres` user when the tests run as root (the server refuses root), on a
temp folder it can read, on a free port of 127.0.0.1 with password authentication. Missing binaries fail
the tests loudly: the hub is a must-have, not an optional extra to skip.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_BIN = Path("/usr/lib/postgresql/15/bin")
SUPERUSER_PASSWORD = "reader-test-" + uuid.uuid4().hex[:8]


@dataclass
class PostgresServer:
    host: str
    port: int
    password: str
    certificate: Path | None = None  # the server's self-signed TLS certificate (None: TLS is off)

    def url(self, user: str = "postgres", password: str | None = None, dbname: str = "postgres") -> str:
        secret = self.password if password is None else password
        return f"postgresql://{user}:{secret}@{self.host}:{self.port}/{dbname}"

    def admin(self, dbname: str = "postgres"):
        import psycopg

        return psycopg.connect(self.url(dbname=dbname), autocommit=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="session")
def postgres_server():
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
        pytest.fail(f"PostgreSQL 15 is not installed ({PG_BIN}/initdb missing): apt-get install postgresql",
                    pytrace=False)
    base = Path(tempfile.mkdtemp(prefix="reader-pg-"))
    data, log, pwfile = base / "data", base / "server.log", base / "pw"
    pwfile.write_text(SUPERUSER_PASSWORD + "\n")
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
        shutil.chown(pwfile, "postgres", "postgres")
    base.chmod(0o700)
    subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-E", "UTF8",
                                 "--locale=C", "--auth=scram-sha-256", f"--pwfile={pwfile}"]),
                   check=True, capture_output=True)
    # TLS on (as a real hub would have it): a throwaway self-signed certificate, which clients can verify
    # with sslmode=verify-ca&sslrootcert=...; plain connections stay allowed for the other tests.
    tls = shutil.which("openssl") is not None
    if tls:
        subprocess.run(["openssl", "req", "-new", "-x509", "-days", "2", "-nodes", "-subj", "/CN=127.0.0.1",
                        "-keyout", str(base / "server.key"), "-out", str(base / "server.crt")],
                       check=True, capture_output=True)
        (base / "server.key").chmod(0o600)
        if os.geteuid() == 0:
            shutil.chown(base / "server.key", "postgres", "postgres")
            shutil.chown(base / "server.crt", "postgres", "postgres")
    port = _free_port()
    options = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={base} -c fsync=off"
    if tls:
        options += f" -c ssl=on -c ssl_cert_file={base / 'server.crt'} -c ssl_key_file={base / 'server.key'}"
    subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log),
                                 "-w", "-t", "60", "start"]), check=True, capture_output=True)
    try:
        yield PostgresServer("127.0.0.1", port, SUPERUSER_PASSWORD, base / "server.crt" if tls else None)
    finally:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


_numbers = itertools.count()


@dataclass
class TeamHub:
    url: str
    server: PostgresServer
    dbname: str
    user: str
    password: str

    def count(self, sql: str, params=()) -> int:
        with self.server.admin(self.dbname) as conn:
            return conn.execute(sql, params).fetchone()[0]

    def count_once_set_up(self, sql: str) -> int:
        """count(), or 0 while the reader has not created the hub's tables yet."""
        import psycopg

        try:
            return self.count(sql)
        except psycopg.errors.UndefinedTable:
            return 0


@pytest.fixture
def hub(postgres_server: PostgresServer) -> TeamHub:
    """An empty database owned by a fresh login role with a password: what a team admin would create."""
    number = f"{os.getpid()}_{next(_numbers)}"
    user, dbname, password = f"team_{number}", f"hub_{number}", "pw-" + uuid.uuid4().hex[:8]
    with postgres_server.admin() as conn:
        conn.execute(f"CREATE ROLE {user} LOGIN PASSWORD '{password}'")
        conn.execute(f"CREATE DATABASE {dbname} OWNER {user}")
    return TeamHub(postgres_server.url(user, password, dbname), postgres_server, dbname, user, password)


@pytest.fixture
def bulk_annotations():
    """add_annotations, for tests that need thousands of annotations fast."""
    return add_annotations


def add_annotations(store, source_id: int, count: int, label: str = "", tags: tuple[str, ...] = ("claim",)) -> list[str]:
    """count annotations on a source, written as `reader import` does (rows plus logged snapshots, one
    undo group): fast enough for tens of thousands."""
    from reader.anchoring import make_selector
    from reader.store import now

    text = store.text(source_id)
    version_id = store.source(source_id).version_id
    tag_ids = [store.tag(name).id for name in tags]
    stamp = now()
    rows, events = [], []
    step = max(1, (len(text) - 20) // max(count, 1))
    for index in range(count):
        start = (index * step) % max(1, len(text) - 20)
        end = start + 12
        selector = make_selector(text, start, end)
        row = {"id": uuid.uuid4().hex, "source_id": source_id, "version_id": version_id, "position_start": start,
               "position_end": end, "quote": selector.quote, "prefix": selector.prefix, "suffix": selector.suffix,
               "note": f"{label} note {index}", "author": store.author, "created": stamp, "updated": stamp,
               "anchor_status": "anchored", "anchor_version_id": version_id, "anchor_start": start,
               "anchor_end": end, "anchor_score": 100.0}
        rows.append(row)
        events.append(("create", "annotation", row["id"], None,
                       json.dumps({**row, "tags": list(tags), "links": []}, ensure_ascii=False)))
    columns = list(rows[0]) if rows else []
    with store.write() as db:
        db.conn.executemany(f"INSERT INTO annotations ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                            [[row[c] for c in columns] for row in rows])
        db.conn.executemany("INSERT INTO annotation_tags (annotation_id, tag_id) VALUES (?, ?)",
                            [(row["id"], tag_id) for row in rows for tag_id in tag_ids])
        store.log_events(events, actor="import")
    return [row["id"] for row in rows]


@pytest.fixture
def alice(tmp_path: Path, corpus_dir: Path):
    """alice's own database, holding the corpus."""
    from reader.library import sync_sources
    from reader.store import open_store

    store = open_store(tmp_path / "alice.db", author="alice")
    sync_sources(store, [corpus_dir])
    yield store
    store.close()
