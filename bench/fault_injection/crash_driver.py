"""Runs (or resumes) a small exp2 campaign for the crash tests, logging each batch the archive has committed.

    python bench/fault_injection/crash_driver.py DB LOG BUDGET [--resume] [--slow-commit SECONDS]

Each line of LOG is ``committing <ids>`` before a batch's transaction commits and ``done <id>:<code_hash> ...``
after it did, so a test knows which candidates were reported written, and can kill the process while a
write is under way (``--slow-commit`` holds each commit open that long).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import event  # noqa: E402

from archive import Archive  # noqa: E402
from evolve import Campaign, load_problem  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("log")
    parser.add_argument("budget", type=int)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--slow-commit", type=float, default=0.0)
    args = parser.parse_args()
    log = open(args.log, "a", buffering=1)  # noqa: SIM115 (open for the process's life)

    def note(line: str) -> None:
        log.write(line + "\n")
        log.flush()
        os.fsync(log.fileno())

    problem = load_problem("exp2", points=4096, tune_points=512)
    # Killed before it created its campaign, there is nothing to resume yet.
    resume = args.resume and Path(args.db).exists() and bool(Archive(args.db, readonly=True).campaigns())
    settings = dict(db=args.db, budget=args.budget, workers=2, batch_size=4, progress=False, tune_steps=50,
                    migration_interval=40, reset_interval=120)
    campaign = Campaign(problem, resume=True, **settings) if resume else Campaign(problem, seed=1, **settings)
    archive = campaign.archive
    pending: list[str] = []
    add = archive.add

    def logged_add(programs, edges=(), calls=(), arms=()):
        pending[:] = [f"{p.id}:{p.code_hash}" for p in programs]
        add(programs, edges, calls, arms)
        if pending:
            note("done " + " ".join(pending))
        pending.clear()  # later commits (a status update) are not this batch's

    def on_commit(_connection) -> None:
        if pending:
            note("committing " + " ".join(x.split(":")[0] for x in pending))
            time.sleep(args.slow_commit)

    archive.add = logged_add
    event.listen(archive._engine, "commit", on_commit)
    summary = campaign.run()
    note(f"finished {summary.status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
