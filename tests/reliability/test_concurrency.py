"""Two processes writing one database at once: no "database is locked" reaches the user, no write is lost.

A smaller run of bench/bench_concurrency.py (which does two loops of 2,000 writes each).
"""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import REPO

sys.path.insert(0, str(REPO / "bench"))
import bench_concurrency  # noqa: E402
from ack_writer import verify  # noqa: E402


def test_two_store_writers_racing_from_a_fresh_database_lose_nothing(tmp_path: Path):
    db = tmp_path / "both.db"
    result = bench_concurrency.run_writers(db, writers=2, writes=300)
    assert result["errors"] == [] and result["locked"] == 0
    assert "Traceback" not in result["stderr"], result["stderr"]
    assert result["returncodes"] == [0, 0]
    assert result["acks"] == 600
    verdict = verify(db, result["lines"])
    assert verdict.ok, verdict.problems[:5]


def test_two_reader_annotate_loops_at_once_all_succeed(tmp_path: Path):
    db = tmp_path / "cli.db"
    result = bench_concurrency.run_cli_loops(db, loops=2, writes=4)
    assert result["failures"] == []
    assert len(result["acks"]) == 8
    assert len({ack.split()[2] for ack in result["acks"]}) == 8, "eight distinct annotations"
    verdict = verify(db, result["acks"])
    assert verdict.ok, verdict.problems[:5]
