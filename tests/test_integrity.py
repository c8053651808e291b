"""The archive's integrity check (archive/integrity.py, ``evolve check``): a sound archive passes, and each kind
of damage is named."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from archive import Archive
from archive.records import ProgramRecord
from evolve.cli import main


def sound_archive(path: Path, budget: int = 3, status: str = "finished") -> Path:
    """A finished campaign: a seed, three children (one a duplicate, one an LLM answer with its call) and a
    migration copy."""
    with Archive(path) as archive:
        cid = archive.create_campaign("c", "exp2", {"budget": budget, "max_seconds": None}, 0, "min")
        rows = [
            {"id": 1, "operator": "seed", "score": 5.0},
            {"id": 2, "operator": "insert_term", "score": 4.0},
            {"id": 3, "operator": "perturb_constant", "status": "duplicate", "duplicate_of": 2,
             "duplicate_by": "func"},
            {"id": 4, "operator": "llm_diff", "status": "invalid", "error": "no code block"},
            {"id": 5, "operator": "migration", "score": 4.0, "island": 1},
        ]
        archive.add([ProgramRecord(**{"campaign_id": cid, "source": "def f(x):\n    return x\n", "status": "ok", **r})
                     for r in rows],
                    [(2, 1, "parent"), (3, 2, "parent"), (4, 2, "parent"), (5, 2, "migration")],
                    [{"campaign_id": cid, "program_id": 4, "model": "m", "mode": "diff", "prompt": []}])
        archive.set_campaign_status(cid, status)
    return path


def test_a_sound_archive_passes(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    db = sound_archive(tmp_path / "a.sqlite")
    report = Archive(db, readonly=True).check()
    assert report.ok, report.problems
    assert report.counts == {"campaigns": 1, "programs": 5, "edges": 4, "llm_calls": 1}
    assert main(["check", str(db)]) == 0
    assert ": ok (1 campaigns, 5 programs, 4 edges, 1 llm_calls)" in capsys.readouterr().out


@pytest.mark.parametrize(("damage", "named"), [
    ("INSERT INTO edges VALUES (4, 99, 'parent')", "every lineage edge joins two stored programs"),
    ("DELETE FROM edges WHERE child_id = 2", "every proposed program has a parent: broken by 2"),
    ("UPDATE programs SET created_at = created_at + 1 WHERE id = 2", "a duplicate names a program recorded no later"),
    ("UPDATE programs SET duplicate_of = 3 WHERE id = 3", "a duplicate names a program recorded no later"),
    ("UPDATE programs SET duplicate_of = 99 WHERE id = 3", "a duplicate names a program recorded no later"),
    ("UPDATE programs SET score = NULL WHERE id = 2", "an evaluated program ('ok') has a score: broken by 2"),
    ("UPDATE programs SET status = 'lost' WHERE id = 2", "every program has a known status: broken by 2"),
    ("DELETE FROM edges WHERE child_id = 5", "a copy (migration, reset) points at the program it copies"),
    ("INSERT INTO edges VALUES (1, 2, 'parent')", "a seed has no parent"),
    ("UPDATE llm_calls SET program_id = 77", "every LLM call belongs to a campaign"),
    ("UPDATE campaigns SET config = '{\"budget\": 2, \"max_seconds\": null}'", "more than its budget of 2"),
    ("UPDATE campaigns SET config = '{\"budget\": 9, \"max_seconds\": null}'", "not its budget of 9"),
])
def test_each_kind_of_damage_is_named(tmp_path: Path, capsys: pytest.CaptureFixture, damage: str,
                                      named: str) -> None:
    db = sound_archive(tmp_path / "a.sqlite")
    with sqlite3.connect(db) as connection:
        connection.execute(damage)
    report = Archive(db, readonly=True).check()
    assert any(named in p for p in report.problems), report.problems
    assert main(["check", str(db)]) == 1
    assert named in capsys.readouterr().out


def test_a_stopped_campaign_may_fall_short_of_its_budget(tmp_path: Path) -> None:
    assert Archive(sound_archive(tmp_path / "a.sqlite", budget=10, status="stopped"), readonly=True).check().ok


def test_a_damaged_file_fails_the_check(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    db = sound_archive(tmp_path / "a.sqlite")
    with sqlite3.connect(db) as connection:  # fold the WAL into the file, so the damage hits stored pages
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(db.read_bytes())
    page = 4096
    data[page + 16:page * 3] = b"\xff" * (page * 2 - 16)  # the insides of pages 2 and 3
    db.write_bytes(bytes(data))
    assert main(["check", str(db)]) == 1
    out = capsys.readouterr()
    assert "integrity_check" in out.out or "cannot be read" in out.err
    (tmp_path / "junk.sqlite").write_text("not a database")
    assert main(["check", str(tmp_path / "junk.sqlite")]) == 1
    assert "cannot be read as an SQLite archive: file is not a database" in capsys.readouterr().err
