"""Faults caused for real, shared by the tests (which assert on what happened) and bench/faults.py (which counts
it): SIGKILL of a campaign at random moments and during archive writes, the hostile corpus run through a
campaign, and evaluators killed from outside mid-candidate. Each returns plain facts."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from archive.vocabulary import NOT_PROPOSALS as NOT_PROPOSED

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DRIVER = HERE / "crash_driver.py"
HOST = HERE / "hostile_host.py"
SECRET = "s3cr3t-evolve-hostile-7f1c"
PWNED = Path("/tmp")


def lines(log: Path) -> list[str]:
    """The lines of a crash driver's log (none before it exists)."""
    return log.read_text().splitlines() if log.exists() else []


def wait_for(predicate: Any, seconds: float, proc: subprocess.Popen | None = None) -> bool:
    """Poll ``predicate`` for up to ``seconds``; False at the deadline or when ``proc`` exits first."""
    end = time.time() + seconds
    while time.time() < end:
        if predicate():
            return True
        if proc is not None and proc.poll() is not None:
            return False
        time.sleep(0.05)
    return False


def _start(db: Path, log: Path, budget: int, resume: bool, slow_commit: float = 0.0) -> subprocess.Popen:
    args = [sys.executable, str(DRIVER), str(db), str(log), str(budget), "--slow-commit", str(slow_commit)]
    return subprocess.Popen(args + (["--resume"] if resume else []), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)


def kill_and_resume(db: Path, log: Path, budget: int = 400, attempts: int = 7, seed: int = 11) -> dict[str, Any]:
    """Run a campaign (crash_driver.py) and SIGKILL it ``attempts`` times, resuming after each; then let a
    last resume finish the budget. Odd attempts kill inside an archive commit (held open 0.4 s), even ones at a
    random moment 2 to 9 s after the start. Returns the kills, those inside a write, candidates reported
    written but missing from the archive or changed there, the archive's check, proposals against the budget."""
    from archive import Archive

    rng = random.Random(seed)
    kills = during_write = 0
    for attempt in range(attempts):
        resume = db.exists()  # the driver starts afresh if the last one died before creating its campaign
        inside = attempt % 2 == 1
        proc = _start(db, log, budget, resume, slow_commit=0.4 if inside else 0.0)
        before = sum(x.startswith("committing") for x in lines(log))
        if inside:
            hit = wait_for(lambda before=before: sum(x.startswith("committing") for x in lines(log)) > before + 2,
                           120, proc)
            time.sleep(0.1)  # inside the held-open commit
        else:
            hit = False
            wait_for(lambda: False, rng.uniform(2.0, 9.0), proc)
        if proc.poll() is not None:  # it finished (or failed) before the kill
            if proc.returncode != 0:
                raise RuntimeError(f"the campaign failed: {proc.stderr.read()[-3000:]}")
            break
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        kills += 1
        during_write += bool(inside and hit)
    last = _start(db, log, budget, resume=True)
    if last.wait(600) != 0:
        raise RuntimeError(f"the last resume failed: {last.stderr.read()[-3000:]}")
    archive = Archive(db, readonly=True)
    rows = {r.id: r for r in archive.programs()}
    reported = [item.split(":", 1) for x in lines(log) if x.startswith("done") for item in x.split()[1:]]
    missing = [pid for pid, _ in reported if int(pid) not in rows]
    changed = [pid for pid, code in reported if int(pid) in rows and str(rows[int(pid)].code_hash) != code]
    report = archive.check()
    return {"kills": kills, "kills_during_writes": during_write, "reported": len(reported),
            "lost": len(missing) + len(changed), "missing": missing[:10], "changed": changed[:10],
            "check_ok": report.ok, "problems": report.problems,
            "proposed": archive.count(exclude_operators=NOT_PROPOSED), "budget": budget,
            "status": archive.campaign().status, "campaigns": len(archive.campaigns()),
            "seeds": sum(r.operator == "seed" for r in rows.values())}


def _repo_changes() -> set[str]:
    out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT, capture_output=True,
                         text=True)
    return set(out.stdout.splitlines()) if out.returncode == 0 else set()


def run_hostile_corpus(tmp: Path, budget: int = 48, corpus_seeds: bool = True, timeout: float = 5.0) -> dict[str, Any]:
    """Run the corpus of hostile/ (as extra seeds of hostile_host.py, both beside this module) through a campaign of
    ``budget`` GP proposals with a per-candidate ``timeout`` of that many seconds, in a process whose environment
    holds secrets, from ``tmp``; returns each program's
    outcome against the status its file expects, whether a secret was seen, what was written outside ``tmp``,
    evaluators replaced, and the evaluation rate of the GP children afterwards (``corpus_seeds=False``: the
    same campaign without the corpus, for that rate's control)."""
    from archive import Archive
    from bench.fault_injection.hostile_host import corpus

    for old in PWNED.glob("evolve-hostile-pwned*"):
        old.unlink()
    before = _repo_changes()
    config = tmp / "hostile.toml"
    config.write_text("workers = 2\nbatch_size = 4\nmemory_limit = 1.2\ncompile_cache = ''\n")
    env = {**os.environ, "EVOLVE_HOSTILE_TEST_TOKEN": SECRET, "OPENAI_API_KEY": SECRET,
           "MY_SERVICE_PASSWORD": SECRET, "PYTHONPATH": str(ROOT)}
    db = tmp / "hostile.sqlite"
    cmd = [sys.executable, "-m", "evolve.cli", "run", str(HOST), "-o", f"secret={SECRET}", "--config", str(config),
           "--db", str(db), "--budget", str(budget), "--no-progress", "-o", f"corpus_seeds={corpus_seeds}",
           "-o", f"timeout={timeout}"]
    proc = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"the hostile campaign failed: {proc.stdout[-2000:]}{proc.stderr[-3000:]}")
    archive = Archive(db, readonly=True)
    seeds = {r.source: r for r in archive.programs(operator="seed")}
    outcomes = []
    for name, status, reason, source in corpus() if corpus_seeds else ():
        row = seeds.get(source)
        got, error = (row.status, row.error or "") if row is not None else ("missing", "")
        outcomes.append({"name": name, "expected": status, "reason": reason, "status": got, "error": error[:300],
                         "seconds": None if row is None else row.eval_seconds,
                         "contained": got == status and reason in error and bool(error)})
    ok = archive.programs(status="ok")
    gp = [r for r in ok if r.operator != "seed"]
    replaced = [w for w in proc.stdout.split(";") if "evaluator(s) replaced" in w]
    stamps = sorted(r.created_at for r in archive.programs() if r.operator not in NOT_PROPOSED)
    rate = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 2 and stamps[-1] > stamps[0] else None
    return {"programs": len(outcomes), "contained": sum(o["contained"] for o in outcomes),
            "not_contained": [o for o in outcomes if not o["contained"]], "outcomes": outcomes,
            "secret_seen": any(r.metrics.get("secret_seen") for r in ok), "check_ok": archive.check().ok,
            "gp_ok": len(gp), "gp_candidates_per_second": rate,
            "proposed": archive.count(exclude_operators=NOT_PROPOSED), "budget": budget,
            "evaluators_replaced": int(replaced[0].split()[0]) if replaced else 0,
            "written_outside": sorted(str(p) for p in PWNED.glob("evolve-hostile-pwned*"))
            + sorted(_repo_changes() - before),
            "stdout": proc.stdout[-3000:] + proc.stderr[-3000:]}


def slow_problem() -> Any:
    """exp2 on 64 points, each evaluation held for 0.15 s: long enough that a kill lands inside a candidate."""
    import jax.numpy as jnp

    from evolve.problem import Problem, Result

    x = jnp.linspace(0.0, 1.0, 64)

    def evaluate(fn: Any) -> Result:
        time.sleep(0.15)
        return Result(float(jnp.max(jnp.abs(fn(x) - jnp.exp2(x)))), {})

    return Problem(name="slow", description="approximate 2**x", seed="def f(x):\n    return 1.0 + x\n",
                   entrypoint="f", probe_inputs=(x,), evaluate=evaluate, timeout=5.0)


def kill_evaluators(db: Path, kills: int = 2, budget: int = 64) -> dict[str, Any]:
    """Run a campaign (in this process, on the Ray already started) and SIGKILL an evaluator's process from
    outside ``kills`` times, each a moment after a batch came back (so in the middle of a candidate). Returns
    the kills, the evaluators replaced, candidates lost to a kill (recorded as died, not retried), the
    proposals against the budget and the archive's check."""
    from archive import Archive
    from evolve import Campaign

    campaign = Campaign(slow_problem(), db=str(db), budget=budget, workers=2, batch_size=4, progress=False,
                        compile_cache="")
    done: list[int] = []

    def killer(c: Campaign) -> None:
        if len(done) < kills and c.proposed_done >= 8 * (len(done) + 1):
            pid = c.pool.actor_pids[len(done) % 2]
            done.append(pid)
            threading.Timer(0.05, os.kill, (pid, signal.SIGKILL)).start()

    summary = campaign.run(on_batch=killer)
    archive = Archive(db, readonly=True)
    rows = archive.programs()
    return {"kills": len(done), "evaluators_replaced": summary.restarts, "status": summary.status,
            "lost": sum("evaluator process died" in (r.error or "") for r in rows),
            "proposed": archive.count(exclude_operators=NOT_PROPOSED), "budget": budget,
            "check_ok": archive.check().ok, "pool": len(campaign.pool.actor_pids)}


BREAKOUT = HERE / "os_breakout.py"
ATTACKS = ("connect", "unix_connect", "home_write", "tmp_write")
"""The attacks of os_breakout.py that the OS layer must refuse (its scratch write it allows)."""


def breach_attempts(tmp: Path) -> dict[str, Any]:
    """Run os_breakout.py in a short campaign (Ray must be up): its fitness, code that skips the
    static check, tries a TCP connect to a listening port on 127.0.0.1, a connect to a listening unix socket, and
    a file write in the home folder and in /tmp, inside a real evaluator. Returns what each attack met, what the
    OS layer reported as holding, whether every attack was refused, and the files that landed."""
    import socket

    from archive import Archive
    from evolve import Campaign, load_problem

    marker = f"evolve-breach-{os.getpid()}-{time.time_ns()}"
    landed = [Path.home() / f"{marker}.txt", Path("/tmp", f"{marker}.txt")]
    with socket.socket() as server, socket.socket(socket.AF_UNIX) as unix:
        server.bind(("127.0.0.1", 0))
        server.listen()
        unix.bind(str(tmp / "breakout.sock"))
        unix.listen()
        problem = load_problem(str(BREAKOUT), port=server.getsockname()[1], marker=marker,
                               unix_path=str(tmp / "breakout.sock"))
        campaign = Campaign(problem, db=str(tmp / "breakout.sqlite"), budget=3, workers=1, seed=0, progress=False,
                            compile_cache="")
        summary = campaign.run()
    rows = [r for r in Archive(tmp / "breakout.sqlite", readonly=True).programs() if r.status == "ok"]
    attacks = dict(rows[0].metrics) if rows else {}
    written = [str(p) for p in landed if p.exists()]
    for path in landed:
        path.unlink(missing_ok=True)
    return {"status": summary.status, "attacks": attacks, "confinement": campaign.pool.confinement.describe(),
            "refused": bool(attacks) and all(attacks.get(a, "done") != "done" for a in ATTACKS),
            "scratch_write": attacks.get("scratch_write"), "written": written}


__all__ = ["ATTACKS", "breach_attempts", "kill_and_resume", "kill_evaluators", "lines", "run_hostile_corpus",
           "slow_problem", "wait_for"]
