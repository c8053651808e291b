"""Tests of the SQLite lineage archive (archive/)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from archive import ROLES, SCHEMA_VERSION, STATUSES, Archive, CampaignRow, LineageStep, ProgramRow
from archive.records import ProgramRecord

ROOT = Path(__file__).resolve().parents[1]


def program(pid: int, campaign_id: int, **fields: Any) -> ProgramRecord:
    """A program record with the required fields filled in."""
    row: dict[str, Any] = {
        "id": pid,
        "campaign_id": campaign_id,
        "source": f"def f(x):\n    return x + {pid}\n",
        "status": "ok",
        "operator": "gp",
    }
    row.update(fields)
    return ProgramRecord(**row)


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    with Archive(tmp_path / "runs" / "archive.sqlite") as opened:
        yield opened


def test_round_trip_of_campaign_and_programs(archive: Archive) -> None:
    first = archive.create_campaign("warmup", "exp2", {"islands": 4, "llm": {"model": "m"}}, 7, "min")
    cid = archive.create_campaign("main", "exp2", {"islands": 8}, None, "max")
    assert archive.path.parent.is_dir()

    campaign = archive.campaign(cid)
    assert isinstance(campaign, CampaignRow)
    assert (campaign.name, campaign.problem, campaign.config, campaign.seed) == (
        "main",
        "exp2",
        {"islands": 8},
        None,
    )
    assert (campaign.direction, campaign.status) == ("max", "running")
    assert abs(campaign.created_at - time.time()) < 60
    assert archive.campaign().id == cid  # latest
    assert archive.campaign(first).config == {"islands": 4, "llm": {"model": "m"}}
    assert [c.id for c in archive.campaigns()] == [first, cid]

    archive.set_campaign_status(cid, "finished")
    archive.update_campaign_config(cid, {"islands": 8, "resumed": True})
    assert archive.campaign(cid).status == "finished"
    assert archive.campaign(cid).config == {"islands": 8, "resumed": True}
    with pytest.raises(ValueError, match="campaign status"):
        archive.set_campaign_status(cid, "paused")
    with pytest.raises(KeyError, match="no campaign 99"):
        archive.campaign(99)
    with pytest.raises(KeyError, match="no campaign 99"):
        archive.set_campaign_status(99, "stopped")
    with pytest.raises(ValueError, match="direction"):
        archive.create_campaign("x", "exp2", {}, None, "up")

    assert archive.next_program_id() == 1
    full = {
        "id": 1,
        "campaign_id": cid,
        "source": "def f(x):\n    return x * 2.0\n",
        "code_hash": "c0de",
        "func_hash": "f00d",
        "status": "ok",
        "duplicate_of": None,
        "duplicate_by": None,
        "score": 3.25,
        "metrics": {"ulp": 3.25, "ops": 4, "per_point": [0.5, 1.5], "nested": {"nan": None, "ok": True}},
        "error": None,
        "island": 2,
        "generation": 5,
        "operator": "llm-diff",
        "model": "qwen-7b",
        "tokens_in": 1200,
        "tokens_out": 300,
        "eval_seconds": 0.125,
        "created_at": 1700000000.5,
    }
    failed = program(2, cid, status="error", error="Traceback: boom", score=None)
    archive.add([ProgramRecord(**full), failed], [(2, 1, "parent")])
    assert archive.next_program_id() == 3

    got = archive.get(1)
    assert isinstance(got, ProgramRow)
    assert got.as_dict() == full
    second = archive.get(2)
    assert (second.status, second.error, second.metrics, second.generation) == (
        "error",
        "Traceback: boom",
        None,
        0,
    )
    assert abs(second.created_at - time.time()) < 60  # defaulted to now
    assert archive.parents(2) == [(1, "parent")]
    with pytest.raises(KeyError, match="no program 42"):
        archive.get(42)

    # Rows come back detached with every column loaded: usable after the archive is closed.
    archive.close()
    assert got.metrics["per_point"] == [0.5, 1.5] and second.source.startswith("def f")
    with pytest.raises(RuntimeError, match="closed"):
        archive.get(1)


def test_empty_archive_has_no_latest_campaign(archive: Archive) -> None:
    with pytest.raises(LookupError, match="no campaigns"):
        archive.campaign()
    with pytest.raises(LookupError, match="no campaigns"):
        archive.best()


def test_next_program_id_spans_campaigns(archive: Archive) -> None:
    a = archive.create_campaign("a", "p", {}, None, "min")
    b = archive.create_campaign("b", "p", {}, None, "min")
    archive.add([program(1, a), program(2, a)])
    archive.add([program(3, b)])
    assert archive.next_program_id() == 4


@pytest.mark.parametrize("direction", ["min", "max"])
def test_best_orders_by_direction_and_leaves_out_failures_and_copies(
    archive: Archive, direction: str
) -> None:
    other = archive.create_campaign("other", "p", {}, None, direction)
    cid = archive.create_campaign("c", "p", {}, None, direction)
    archive.add(
        [
            program(1, cid, score=5.0, operator="seed"),
            program(2, cid, score=1.0),
            program(3, cid, score=9.0),
            program(4, cid, score=3.0),
            program(5, cid, score=3.0),  # tie with 4: id breaks it
            program(6, cid, score=0.0 if direction == "min" else 99.0, status="error"),
            program(7, cid, score=0.0 if direction == "min" else 99.0, status="duplicate", duplicate_of=2),
            program(8, cid, score=0.0 if direction == "min" else 99.0, operator="migration"),
            program(9, cid, score=0.0 if direction == "min" else 99.0, operator="reset"),
            program(10, cid, score=None),
            program(11, other, score=0.0 if direction == "min" else 99.0),
        ]
    )
    ids = [row.id for row in archive.best(10, cid)]
    expected = [2, 4, 5, 1, 3] if direction == "min" else [3, 1, 4, 5, 2]
    assert ids == expected
    assert [row.id for row in archive.best(2)] == expected[:2]  # latest campaign by default
    assert [row.id for row in archive.best(5, other)] == [11]


def build_lineage(archive: Archive) -> int:
    """A small family tree (min direction):

    1 seed (10) -> 2 gp (8) -migration-> 3 copy (8) -> 4 gp (6) ─┐
    1 ------------> 5 gp (9) ----------------------------------- crossover -> 6 (5) -> 7 (4.5)
    with inspiration edges 6 <- 1 and 7 <- 2 that lineage must ignore, and 8 with both a 'migration' edge to a
    lower id and a 'parent' edge (parent wins).
    """
    cid = archive.create_campaign("c", "p", {}, None, "min")
    archive.add(
        [
            program(1, cid, score=10.0, operator="seed", island=0),
            program(2, cid, score=8.0, island=0),
            program(3, cid, score=8.0, operator="migration", island=1),
            program(4, cid, score=6.0, island=1),
            program(5, cid, score=9.0, island=0),
            program(6, cid, score=5.0, operator="crossover", island=1),
            program(7, cid, score=4.5, island=1),
            program(8, cid, score=None, status="error", island=0),
        ],
        [
            (2, 1, "parent"),
            (3, 2, "migration"),
            (4, 3, "parent"),
            (5, 1, "parent"),
            (6, 5, "crossover"),
            (6, 4, "crossover"),
            (6, 1, "inspiration"),
            (7, 6, "parent"),
            (7, 2, "inspiration"),
            (8, 2, "migration"),
            (8, 7, "parent"),
        ],
    )
    return cid


def test_lineage_follows_crossover_and_migration_back_to_the_seed(archive: Archive) -> None:
    build_lineage(archive)
    steps = archive.lineage(7)
    assert all(isinstance(step, LineageStep) for step in steps)
    assert [(s.program.id, s.role, s.parent_id, s.score_change) for s in steps] == [
        (7, "parent", 6, -0.5),
        (6, "crossover", 4, -1.0),
        (4, "parent", 3, -2.0),
        (3, "migration", 2, 0.0),
        (2, "parent", 1, -2.0),
        (1, None, None, None),
    ]
    # 'parent' beats 'migration' even with a higher parent id; a missing score gives no score change.
    steps = archive.lineage(8)
    assert [(s.program.id, s.role, s.parent_id) for s in steps[:2]] == [(8, "parent", 7), (7, "parent", 6)]
    assert steps[0].score_change is None
    assert [s.program.id for s in archive.lineage(1)] == [1]
    with pytest.raises(KeyError):
        archive.lineage(99)


def test_lineage_stops_on_a_cycle(archive: Archive) -> None:
    cid = archive.create_campaign("c", "p", {}, None, "min")
    archive.add([program(1, cid), program(2, cid)], [(1, 2, "parent"), (2, 1, "parent")])
    assert [s.program.id for s in archive.lineage(1)] == [1, 2]


def test_ancestors_reach_every_edge_upward(archive: Archive) -> None:
    build_lineage(archive)
    assert archive.ancestors(7) == [
        (7, 2, "inspiration"),
        (7, 6, "parent"),
        (6, 1, "inspiration"),
        (6, 4, "crossover"),
        (6, 5, "crossover"),
        (5, 1, "parent"),
        (4, 3, "parent"),
        (3, 2, "migration"),
        (2, 1, "parent"),
    ]
    assert archive.ancestors(3) == [(3, 2, "migration"), (2, 1, "parent")]
    # Ancestors reached only through an 'inspiration' edge count too.
    cid = archive.campaign().id
    archive.add(
        [program(9, cid, score=9.5), program(10, cid, score=4.0)],
        [(9, 5, "parent"), (10, 7, "parent"), (10, 9, "inspiration")],
    )
    edges = archive.ancestors(10)
    assert (9, 5, "parent") in edges and (10, 9, "inspiration") in edges
    assert len(edges) == len(archive.ancestors(7)) + 3
    assert [s.program.id for s in archive.lineage(10)] == [10, 7, 6, 4, 3, 2, 1]
    assert archive.ancestors(1) == []
    assert archive.parents(6) == [(4, "crossover"), (5, "crossover"), (1, "inspiration")]


def test_hash_index_maps_hashes_to_roots(archive: Archive) -> None:
    cid = archive.create_campaign("c", "p", {}, None, "min")
    other = archive.create_campaign("other", "p", {}, None, "min")
    archive.add(
        [
            program(1, cid, code_hash="A", func_hash="F"),
            program(2, cid, code_hash="A", status="duplicate", duplicate_of=1, duplicate_by="code"),
            program(3, cid, code_hash="B", func_hash="G"),
            program(
                4, cid, code_hash="C", func_hash="G", status="duplicate", duplicate_of=3, duplicate_by="func"
            ),
            program(5, cid, code_hash="D", status="invalid"),
            program(6, cid, code_hash="B", func_hash="G", operator="migration"),
            program(7, cid, code_hash="C", func_hash="H"),
            program(8, other, code_hash="Z", func_hash="Y"),
        ]
    )
    code, funcs = archive.hash_index(cid)
    assert code == {"A": 1, "B": 3, "C": 3, "D": 5}
    assert funcs == {"F": 1, "G": 3, "H": 7}
    assert archive.hash_index(other) == ({"Z": 8}, {"Y": 8})


def audit(match: bool) -> dict[str, Any]:
    return {"audit": {"score": 1.0, "match": match}}


def test_stats_of_a_hand_built_archive(archive: Archive) -> None:
    cid = archive.create_campaign("c", "p", {}, None, "min")
    archive.add(
        [
            program(1, cid, score=10.0, operator="seed", created_at=100.0),
            program(2, cid, score=8.0, operator="gp", created_at=101.0),  # improved on 1
            program(3, cid, score=12.0, operator="gp", created_at=102.0),  # worse than 1
            program(4, cid, score=None, operator="gp", status="error", created_at=103.0),
            program(5, cid, score=7.0, operator="llm", created_at=104.0),  # improved on 2
            program(6, cid, score=None, operator="llm", status="timeout", created_at=105.0),
            program(7, cid, operator="llm", status="invalid", created_at=106.0),
            program(
                8,
                cid,
                operator="gp",
                status="duplicate",
                duplicate_of=1,
                duplicate_by="code",
                created_at=107.0,
            ),
            program(
                9,
                cid,
                operator="gp",
                status="duplicate",
                duplicate_of=2,
                duplicate_by="func",
                metrics=audit(True),
                created_at=108.0,
            ),
            program(
                10,
                cid,
                operator="llm",
                status="duplicate",
                duplicate_of=2,
                duplicate_by="func",
                metrics=audit(False),
                created_at=109.0,
            ),
            program(
                11,
                cid,
                operator="llm",
                status="duplicate",
                duplicate_of=5,
                duplicate_by="func",
                metrics={"note": "no audit"},
                created_at=110.0,
            ),
            program(
                12,
                cid,
                operator="gp",
                status="duplicate",
                duplicate_of=5,
                duplicate_by="code",
                metrics=audit(True),
                created_at=111.0,
            ),
            program(13, cid, score=7.0, operator="migration", created_at=112.0),  # a copy: not an improvement
            program(14, cid, score=1.0, operator="reset", created_at=116.0),  # a copy: never the best score
        ],
        [
            (2, 1, "parent"),
            (3, 1, "parent"),
            (4, 1, "parent"),
            (5, 2, "parent"),
            (5, 1, "inspiration"),
            (13, 5, "migration"),
            (14, 5, "migration"),
        ],
    )
    stats = archive.stats()
    json.dumps(stats)  # JSON-able
    assert stats["campaign"]["id"] == cid
    assert stats["total"] == 14
    assert stats["counts"] == {"ok": 6, "invalid": 1, "error": 1, "timeout": 1, "duplicate": 5}
    assert stats["duplicates_by"] == {"code": 2, "func": 3}
    assert stats["operators"] == {
        "gp": {"proposed": 6, "ok": 2, "improved": 1, "success_rate": 1 / 6},
        "llm": {"proposed": 5, "ok": 1, "improved": 1, "success_rate": 1 / 5},
        "migration": {"proposed": 1, "ok": 1, "improved": 0, "success_rate": 0.0},
        "reset": {"proposed": 1, "ok": 1, "improved": 0, "success_rate": 0.0},
        "seed": {"proposed": 1, "ok": 1, "improved": 0, "success_rate": 0.0},
    }
    assert stats["wall_seconds"] == pytest.approx(16.0)
    assert stats["evaluations_per_second"] == pytest.approx((6 + 1 + 1) / 16.0)
    assert stats["audit"] == {
        "code": {"audited": 1, "mismatched": 0},
        "func": {"audited": 2, "mismatched": 1},
        "collision_rate": pytest.approx(1 / 3),
    }
    assert stats["best_score"] == 7.0


def test_stats_improvement_follows_direction(archive: Archive) -> None:
    cid = archive.create_campaign("c", "p", {}, None, "max")
    archive.add(
        [
            program(1, cid, score=1.0, operator="seed", created_at=5.0),
            program(2, cid, score=2.0, created_at=5.0),
            program(3, cid, score=0.5, created_at=5.0),
            program(4, cid, score=3.0, created_at=5.0),
        ],
        [(2, 1, "parent"), (3, 1, "parent"), (4, 1, "parent")],
    )
    stats = archive.stats(cid)
    assert stats["operators"]["gp"] == {"proposed": 3, "ok": 3, "improved": 2, "success_rate": 2 / 3}
    assert stats["best_score"] == 3.0
    assert stats["wall_seconds"] == 0.0
    assert stats["evaluations_per_second"] is None  # no time span
    assert stats["audit"]["collision_rate"] is None


def test_stats_of_an_empty_campaign(archive: Archive) -> None:
    archive.create_campaign("c", "p", {}, None, "min")
    stats = archive.stats()
    assert stats["total"] == 0 and stats["operators"] == {} and stats["best_score"] is None
    assert stats["wall_seconds"] is None and stats["evaluations_per_second"] is None


def test_programs_and_count_filters(archive: Archive) -> None:
    old = archive.create_campaign("old", "p", {}, None, "min")
    cid = archive.create_campaign("new", "p", {}, None, "min")
    archive.add([program(1, old)])
    archive.add(
        [
            program(2, cid, island=0),
            program(3, cid, island=1, status="error"),
            program(4, cid, island=1, operator="migration"),
            program(5, cid, island=0, operator="llm"),
            program(6, cid, island=1, status="duplicate"),
        ]
    )
    assert [p.id for p in archive.programs()] == [2, 3, 4, 5, 6]
    assert [p.id for p in archive.programs(old)] == [1]
    assert [p.id for p in archive.programs(status="ok")] == [2, 4, 5]
    assert [p.id for p in archive.programs(operator="gp")] == [2, 3, 6]
    assert [p.id for p in archive.programs(island=1)] == [3, 4, 6]
    assert [p.id for p in archive.programs(since_id=4)] == [5, 6]
    assert [p.id for p in archive.programs(limit=2)] == [2, 3]
    assert [p.id for p in archive.programs(island=1, status="ok")] == [4]
    assert archive.count() == 5
    assert archive.count(old) == 1
    assert archive.count(status="ok") == 3
    assert archive.count(status="ok", exclude_operators=("migration", "reset")) == 2
    with pytest.raises(ValueError, match="status"):
        archive.programs(status="good")


def test_invalid_values_are_rejected_before_writing(archive: Archive) -> None:
    cid = archive.create_campaign("c", "p", {}, None, "min")
    assert "ok" in STATUSES and "crossover" in ROLES
    with pytest.raises(ValueError, match="invalid status of program 1 'finished'"):
        archive.add([program(1, cid, status="finished")])
    with pytest.raises(ValueError, match="role"):
        archive.add([program(1, cid), program(2, cid)], [(2, 1, "mother")])
    with pytest.raises(ValueError, match="duplicate_by"):
        archive.add([program(1, cid, status="duplicate", duplicate_by="name")])
    with pytest.raises(TypeError, match="fitness"):  # the record has no such field
        archive.add([program(1, cid, fitness=1.0)])
    with pytest.raises(TypeError, match="operator"):  # nor may it lack a required one
        archive.add([ProgramRecord(id=1, campaign_id=cid, source="x", status="ok")])
    with pytest.raises(TypeError, match="ProgramRecord"):  # a plain dict is no record
        archive.add([{"id": 1, "campaign_id": cid, "source": "x", "status": "ok", "operator": "seed"}])
    assert archive.count() == 0  # nothing of the rejected batches was written


def test_add_is_one_transaction(archive: Archive) -> None:
    cid = archive.create_campaign("c", "p", {}, None, "min")
    archive.add([program(1, cid)])
    with pytest.raises(IntegrityError):
        archive.add([program(2, cid), program(3, cid), program(1, cid)], [(2, 1, "parent")])
    assert [p.id for p in archive.programs()] == [1]
    assert archive.parents(2) == []


def test_wal_mode_and_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite"
    Archive(path).close()
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
        indexes = {
            row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        }
    assert {
        "ix_programs_best",
        "ix_programs_campaign",
        "ix_programs_code_hash",
        "ix_programs_func_hash",
        "ix_edges_parent",
    } <= indexes
    with Archive(path) as archive:
        connection = archive._engine.raw_connection()
        try:
            assert connection.driver_connection.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
            assert connection.driver_connection.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
        finally:
            connection.close()


def test_newer_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite"
    Archive(path).close()
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA user_version = 5")
    for readonly in (False, True):
        with pytest.raises(RuntimeError, match="schema version 5.*upgrade"):
            Archive(path, readonly=readonly)


def test_missing_file_in_readonly_mode(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "a.sqlite"
    with pytest.raises(FileNotFoundError, match=r"no archive at .*nowhere.*a\.sqlite.*campaign"):
        Archive(path, readonly=True)
    assert not path.exists() and not path.parent.exists()


def test_readonly_reader_sees_new_rows_and_cannot_write(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite"
    writer = Archive(path)
    cid = writer.create_campaign("c", "p", {}, None, "min")
    writer.add([program(1, cid, score=3.0)])
    reader = Archive(path, readonly=True)
    try:
        assert reader.count() == 1 and reader.best()[0].id == 1
        writer.add([program(2, cid, score=1.0)], [(2, 1, "parent")])
        assert reader.count() == 2
        assert [p.id for p in reader.best()] == [2, 1]
        assert [s.program.id for s in reader.lineage(2)] == [2, 1]

        # A writer's open transaction neither blocks the reader nor shows it uncommitted rows.
        raw = sqlite3.connect(path, isolation_level=None)
        raw.execute("BEGIN IMMEDIATE")
        raw.execute(
            "INSERT INTO programs (id, campaign_id, source, status, generation, operator, created_at) "
            "VALUES (3, ?, 'x', 'ok', 0, 'gp', 0)",
            (cid,),
        )
        assert reader.count() == 2
        raw.execute("COMMIT")
        raw.close()
        assert reader.count() == 3

        with pytest.raises(PermissionError, match="read-only"):
            reader.add([program(4, cid)])
        with pytest.raises(PermissionError, match="read-only"):
            reader.set_campaign_status(cid, "stopped")
        with pytest.raises(PermissionError, match="read-only"):
            reader.create_campaign("x", "p", {}, None, "min")
        with (
            reader._engine.begin() as connection,
            pytest.raises(OperationalError, match="readonly|read-only"),
        ):
            connection.exec_driver_sql("DELETE FROM programs")
        assert writer.count() == 3
    finally:
        reader.close()
        writer.close()


def test_readonly_open_of_a_closed_archive(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite"
    with Archive(path) as writer:
        cid = writer.create_campaign("c", "p", {}, None, "min")
        writer.add([program(1, cid)])
    with Archive(path, readonly=True) as reader:
        assert reader.get(1).campaign_id == cid


def test_readonly_open_of_a_non_archive(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite"
    sqlite3.connect(path).close()
    with pytest.raises(ValueError, match="not an evolve archive"):
        Archive(path, readonly=True)


def test_archive_imports_neither_ray_nor_jax(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        import archive
        with archive.Archive({str(tmp_path / "a.sqlite")!r}) as a:
            cid = a.create_campaign("c", "p", {{}}, None, "min")
            a.add([archive.ProgramRecord(id=1, campaign_id=cid, source="x", status="ok", operator="seed",
                                         score=1.0)])
            a.best(); a.lineage(1); a.stats()
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("ray", "jax", "jaxlib"))
        print(",".join(heavy))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == "", f"importing archive imported {result.stdout.strip()}"


def test_llm_calls_round_trip_and_migration_from_schema_1(tmp_path):
    import sqlite3

    from archive import LLMCallRow

    # A schema-1 archive, as the first version wrote it: no llm_calls table.
    path = tmp_path / "v1.sqlite"
    archive = Archive(path)
    cid = archive.create_campaign("c", "exp2", {}, 0, "min")
    archive.add([ProgramRecord(id=1, campaign_id=cid, source="s", status="ok", operator="seed", score=1.0)])
    archive.close()
    con = sqlite3.connect(path)
    con.execute("DROP TABLE llm_calls")
    con.execute("DROP TABLE arms")
    con.execute("DROP TABLE verdicts")
    con.execute("PRAGMA user_version = 1")
    con.commit()
    con.close()
    old = Archive(path, readonly=True)
    assert old.llm_calls(cid) == []  # a reader of an old archive sees no calls, no error
    old.close()

    archive = Archive(path)  # opening it writable migrates it
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
    con.close()
    assert archive.get(1).score == 1.0  # old rows untouched
    prompt = [{"role": "user", "content": "improve"}]
    archive.add([ProgramRecord(id=2, campaign_id=cid, source="t", status="invalid", operator="llm-diff",
                               error="no code")], [(2, 1, "parent")],
                [{"campaign_id": cid, "program_id": 2, "model": "m", "mode": "diff", "prompt": prompt,
                  "response": "I can't", "tokens_in": 5, "tokens_out": 2, "latency": 0.3}])
    calls = archive.llm_calls(cid)
    assert len(calls) == 1 and isinstance(calls[0], LLMCallRow)
    assert calls[0].prompt == prompt and calls[0].program_id == 2 and calls[0].tokens_out == 2
    assert archive.llm_calls(program_id=2)[0].response == "I can't"
    with pytest.raises(ValueError, match="unknown field"):
        archive.add([], [], [{"campaign_id": cid, "model": "m", "mode": "diff", "prompt": [], "api_key": "x"}])


def test_arms_are_upserted_read_back_and_summarised(tmp_path):
    import sqlite3

    path = tmp_path / "arms.sqlite"
    archive = Archive(path)
    cid = archive.create_campaign("c", "exp2", {}, 0, "min")
    other = archive.create_campaign("d", "exp2", {}, 0, "min")
    assert archive.arms(cid) == [] and archive.stats(cid)["arms"] == []
    archive.add([], [], [], [{"campaign_id": cid, "name": "swap_operator", "pulls": 4, "successes": 1,
                              "reward": 0.25, "cost": 2.0, "alpha": 0.25, "beta": 3.75},
                             {"campaign_id": cid, "name": "llm-diff", "pulls": 1, "tokens": 90, "cost": 4.0}])
    archive.add([], [], [], [{"campaign_id": cid, "name": "swap_operator", "pulls": 5, "successes": 2,
                              "reward": 0.5, "cost": 2.5, "alpha": 0.5, "beta": 4.0},
                             {"campaign_id": other, "name": "swap_operator", "pulls": 1}])
    arms = archive.arms(cid)
    assert [a.name for a in arms] == ["swap_operator", "llm-diff"]  # first-written order, one row each
    assert (arms[0].pulls, arms[0].successes, arms[0].beta) == (5, 2, 4.0)
    assert arms[1].tokens == 90 and arms[1].pulls == 1  # untouched by the second write
    assert [a.pulls for a in archive.arms(other)] == [1]
    stats = {a["arm"]: a for a in archive.stats(cid)["arms"]}
    assert stats["swap_operator"]["success_rate"] == 0.4 and stats["swap_operator"]["reward_per_second"] == 0.2
    with pytest.raises(ValueError, match="unknown field"):
        archive.add([], [], [], [{"campaign_id": cid, "name": "x", "luck": 1}])
    archive.close()
    # A schema-2 archive has no arms table: readers see none, a writer adds it.
    con = sqlite3.connect(path)
    con.execute("DROP TABLE arms")
    con.execute("PRAGMA user_version = 2")
    con.commit()
    con.close()
    assert Archive(path, readonly=True).arms(cid) == []
    assert Archive(path).arms(cid) == []


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    from archive import ArchiveBusy

    path = tmp_path / "w.sqlite"
    first, second = Archive(path), Archive(path)
    with first.writer("pid 1 on host, since noon"):
        with pytest.raises(ArchiveBusy, match=r"being written by another campaign \(pid 1 on host, since noon\)"):
            with second.writer("pid 2"):
                pass
        assert Archive(path, readonly=True).campaigns() == []  # readers are not blocked
    with second.writer("pid 2"):  # free again once the first is done
        assert (tmp_path / "w.sqlite.lock").read_text() == "pid 2"
    with pytest.raises(PermissionError):
        with Archive(path, readonly=True).writer("reader"):
            pass
