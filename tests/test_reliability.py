"""Crash and resume: a campaign killed with SIGKILL at random moments, during archive writes too, resumes and
loses nothing; Ctrl-C or SIGTERM stops it cleanly; a second campaign on the same archive is refused.

Each campaign runs as a separate process (bench/fault_injection/crash_driver.py or the ``evolve``
command), with Ray of its own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from archive import Archive
from bench.fault_injection.runs import DRIVER, ROOT, kill_and_resume, lines, wait_for
from bench.fault_injection.runs import NOT_PROPOSED as PROPOSALS
from evolve.cli import main


def test_sigkill_at_random_moments_loses_nothing(tmp_path: Path) -> None:
    # 6 kills, 3 of them inside a write (the bench kills 7 times)
    facts = kill_and_resume(tmp_path / "crash.sqlite", tmp_path / "reported.log", budget=400, attempts=6)
    assert facts["kills"] >= 5 and facts["kills_during_writes"] >= 3, facts
    assert facts["reported"] > 0 and facts["lost"] == 0, facts  # every reported candidate is there, unchanged
    assert facts["check_ok"], facts["problems"]
    assert facts["proposed"] == facts["budget"] and facts["status"] == "finished" and facts["campaigns"] == 1
    assert facts["seeds"] == 1  # a resume never evaluates the seed again
    assert main(["check", str(tmp_path / "crash.sqlite")]) == 0


def _start_and_stop(tmp_path: Path, signum: int, group: bool) -> tuple[subprocess.Popen, str, str]:
    """Start ``evolve run`` in a session of its own, send it ``signum`` once 24 candidates are written (to the
    whole process group when ``group``, as a terminal sends Ctrl-C; else to the command alone, as ``kill``
    does), wait for it to end; return the process and its output."""
    db = tmp_path / "stop.sqlite"
    cmd = [sys.executable, "-m", "evolve.cli", "run", "exp2", "-o", "points=4096", "-o", "tune_points=512",
           "--budget", "100000", "--workers", "2", "--batch-size", "4", "--db", str(db), "--no-progress"]
    # Output to files: Ray's processes may hold an inherited pipe open after the command has exited.
    out_file, err_file = (tmp_path / "out.txt").open("w"), (tmp_path / "err.txt").open("w")
    proc = subprocess.Popen(cmd, stdout=out_file, stderr=err_file, text=True, cwd=ROOT, start_new_session=True)

    def written() -> int:
        try:
            return Archive(db, readonly=True).count(exclude_operators=PROPOSALS) if db.exists() else 0
        except Exception:  # the file is being created
            return 0

    assert wait_for(lambda: written() >= 24, 180, proc), (tmp_path / "err.txt").read_text()[-3000:]
    if group:
        os.killpg(proc.pid, signum)
    else:
        proc.send_signal(signum)
    proc.wait(timeout=90)
    return proc, (tmp_path / "out.txt").read_text(), (tmp_path / "err.txt").read_text()


def _group_alive(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_sigterm_stops_cleanly_like_ctrl_c(tmp_path: Path) -> None:
    # What `kill PID` or a batch scheduler ending the job sends.
    proc, out, err = _start_and_stop(tmp_path, signal.SIGTERM, group=False)
    assert proc.returncode == 128 + signal.SIGTERM, err[-3000:]
    assert "Stopping (SIGTERM): writing the candidates under way" in err
    assert f"Resume with: evolve run --resume --db {tmp_path / 'stop.sqlite'} --campaign 1" in out
    archive = Archive(tmp_path / "stop.sqlite", readonly=True)
    assert archive.campaign().status == "stopped" and archive.check().ok
    assert wait_for(lambda: not _group_alive(proc.pid), 30), "Ray's processes outlived the campaign"


def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path: Path) -> None:
    db = tmp_path / "stop.sqlite"
    # Ctrl-C goes to the whole process group, as a terminal sends it (Ray's own processes get it too).
    proc, out, err = _start_and_stop(tmp_path, signal.SIGINT, group=True)
    assert proc.returncode == 130, err[-3000:]  # the command's exit status after a Ctrl-C
    assert wait_for(lambda: not _group_alive(proc.pid), 30), "Ray's processes outlived the campaign"
    assert "Stopping (SIGINT): writing the candidates under way" in err
    assert f"Resume with: evolve run --resume --db {db} --campaign 1" in out
    archive = Archive(db, readonly=True)
    assert archive.campaign().status == "stopped"
    assert archive.check().ok
    stopped_at = archive.count(exclude_operators=PROPOSALS)
    # The resumed campaign takes the budget from there.
    done = subprocess.run([sys.executable, "-m", "evolve.cli", "run", "--resume", "--db", str(db), "--budget",
                           str(stopped_at + 16), "--no-progress"], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert archive.count(exclude_operators=PROPOSALS) == stopped_at + 16 and archive.check().ok


def test_a_second_campaign_on_the_same_archive_is_refused(tmp_path: Path, small_exp2) -> None:
    from evolve import Campaign, CampaignError

    db, log = tmp_path / "busy.sqlite", tmp_path / "busy.log"
    first = subprocess.Popen([sys.executable, str(DRIVER), str(db), str(log), "100000"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert wait_for(lambda: any(x.startswith("done") for x in lines(log)), 180, first)
        with pytest.raises(CampaignError, match=f"being written by another campaign \\(pid {first.pid} on "):
            Campaign(small_exp2, db=str(db), budget=8, progress=False).run()
        code = main(["run", "exp2", "-o", "points=4096", "--db", str(db), "--budget", "8", "--no-progress"])
        assert code == 1
    finally:
        first.send_signal(signal.SIGINT)
        first.wait(90)
    assert first.returncode == 0
    archive = Archive(db, readonly=True)
    assert archive.check().ok and len(archive.campaigns()) == 1
    # Once the first has stopped, the archive is free again.
    assert not os.path.getsize(f"{db}.lock")
