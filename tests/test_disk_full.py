"""A full disk loses nothing: the archive refuses the write whole (ArchiveFull), the campaign holds the results
and tries again until there is space, and if the disk stays full it stops with a message that says how to
resume. The disk is filled for real as SQLite sees it: a page limit (``PRAGMA max_page_count``) set on every
transaction makes SQLite answer SQLITE_FULL, "database or disk is full"."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest
from sqlalchemy import event

import evolve.campaign.disk_full
from archive import Archive, ArchiveFull
from archive.records import ProgramRecord
from archive.vocabulary import NOT_PROPOSALS
from evolve import Campaign, CampaignError


def fill_disk(archive: Archive) -> list[int]:
    """Give ``archive`` a page limit, set before each of its transactions; returns the limit's holder (a
    limit below the file's size stops it growing, which SQLite reports as a full disk)."""
    limit = [2**30]

    @event.listens_for(archive._engine, "begin")
    def cap(connection) -> None:
        connection.exec_driver_sql(f"PRAGMA max_page_count = {limit[0]}")

    return limit


def test_a_full_archive_disk_rolls_the_write_back_whole(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "a.sqlite")
    cid = archive.create_campaign(name="c", problem="p", config={}, seed=0, direction="min", objectives=[])
    rows = [ProgramRecord(id=i, campaign_id=cid, source="x" * 4000, status="invalid", operator="seed")
            for i in range(1, 41)]
    limit = fill_disk(archive)
    archive.add(rows[:5])
    limit[0] = 1
    with pytest.raises(ArchiveFull, match="database or disk is full .*rolled back"):
        archive.add(rows[5:])
    assert archive.count() == 5
    limit[0] = 2**30
    archive.add(rows[5:])
    assert archive.count() == 40 and archive.check().ok


def test_a_campaign_waits_for_space_and_loses_nothing(ray_session, tmp_path, small_exp2, monkeypatch, caplog):
    monkeypatch.setattr(evolve.campaign.disk_full, "DISK_RETRY", 0.2)
    campaign = Campaign(small_exp2, db=str(tmp_path / "c.sqlite"), budget=96, workers=2, batch_size=4,
                        progress=False, disk_wait=120.0)
    limit = fill_disk(campaign.archive)
    batches = [0]
    add, freeing = campaign.archive.add, []

    def add_or_free(*rows, **kwargs):
        try:
            return add(*rows, **kwargs)
        except ArchiveFull:
            if not freeing:  # someone frees space 1.5 s after the first write that found the disk full
                freeing.append(threading.Timer(1.5, lambda: limit.__setitem__(0, 2**30)))
                freeing[0].start()
            raise

    monkeypatch.setattr(campaign.archive, "add", add_or_free)

    def on_batch(_campaign) -> None:
        batches[0] += 1
        if batches[0] == 3:
            limit[0] = 1  # the disk fills up

    with caplog.at_level(logging.WARNING, logger="evolve"):
        summary = campaign.run(on_batch=on_batch)
    err = caplog.text
    assert "database or disk is full" in err and "Waiting up to 120 s for space" in err
    assert "the archive is written again" in err
    assert summary.status == "finished" and summary.proposed == 96
    archive = Archive(tmp_path / "c.sqlite", readonly=True)
    assert archive.count(exclude_operators=NOT_PROPOSALS) == 96 and archive.check().ok


def test_a_disk_that_stays_full_stops_the_campaign_with_how_to_resume(ray_session, tmp_path, small_exp2,
                                                                       monkeypatch):
    monkeypatch.setattr(evolve.campaign.disk_full, "DISK_RETRY", 0.2)
    db = tmp_path / "c.sqlite"
    campaign = Campaign(small_exp2, db=str(db), budget=96, workers=2, batch_size=4, progress=False,
                        disk_wait=1.0)
    limit = fill_disk(campaign.archive)

    batches = [0]

    def on_batch(_campaign) -> None:
        batches[0] += 1
        if batches[0] == 4:  # 16 candidates written
            limit[0] = 1

    with pytest.raises(CampaignError, match=f"disk is full.*resume with: evolve run --resume --db {db} "
                                            "--campaign 1"):
        campaign.run(on_batch=on_batch)
    archive = Archive(db, readonly=True)
    written = archive.count(exclude_operators=NOT_PROPOSALS)
    assert 16 <= written < 96 and archive.check().ok
    # Space again (a new process, no page limit): the resume finishes the budget.
    summary = Campaign(small_exp2, db=str(db), budget=96, workers=2, batch_size=4, progress=False,
                       resume=True, campaign_id=1).run()
    assert summary.status == "finished"
    assert archive.count(exclude_operators=NOT_PROPOSALS) == 96 and archive.check().ok
