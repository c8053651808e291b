"""The evaluator's sandbox helpers (evolve/sandbox/limits.py, evolve/sandbox/memory_watch.py): which environment
variables go, the CPU-time limit, the memory watchdog."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from evolve.sandbox.limits import (
    CandidateLimit,
    blank_secrets,
    cpu_limit,
    death_note,
    note_folder,
    read_note,
    scrub_environment,
    secret_names,
)


def test_secrets_and_unneeded_variables_are_removed_what_runs_jax_and_ray_is_kept():
    env = {"PATH": "/usr/bin", "HOME": "/root", "JAX_PLATFORMS": "cpu", "CUDA_VISIBLE_DEVICES": "0",
           "RAY_ADDRESS": "x", "LC_ALL": "C", "OPENAI_API_KEY": "sk-1", "AWS_SECRET_ACCESS_KEY": "a",
           "GITHUB_TOKEN": "t", "DB_PASSWORD": "p", "RAY_REDIS_PASSWORD": "r", "MY_DATA": "/data", "EDITOR": "vi",
           "EVOLVE_LLM_BASE_URL": "http://127.0.0.1:1/v1"}
    # Ray's own variables are never touched (blanking RAY_AUTH_MODE cut the workers off Ray's control service).
    env["RAY_AUTH_MODE"] = "token"
    assert secret_names(env) == ["AWS_SECRET_ACCESS_KEY", "DB_PASSWORD", "GITHUB_TOKEN", "OPENAI_API_KEY"]
    assert blank_secrets(env, keep=("DB_PASSWORD",)) == {"AWS_SECRET_ACCESS_KEY": "", "GITHUB_TOKEN": "",
                                                         "OPENAI_API_KEY": ""}
    removed = scrub_environment(env, keep=("MY_DATA",))
    assert removed == ["AWS_SECRET_ACCESS_KEY", "DB_PASSWORD", "EDITOR", "GITHUB_TOKEN", "OPENAI_API_KEY"]
    assert sorted(env) == ["CUDA_VISIBLE_DEVICES", "EVOLVE_LLM_BASE_URL", "HOME", "JAX_PLATFORMS", "LC_ALL",
                           "MY_DATA", "PATH", "RAY_ADDRESS", "RAY_AUTH_MODE", "RAY_REDIS_PASSWORD"]


def test_the_cpu_limit_stops_a_busy_block_and_is_lifted_after_it():
    with pytest.raises(CandidateLimit, match="used more than its 0.2 s of CPU time") as caught:
        with cpu_limit(0.2):
            while True:
                pass
    assert caught.value.status == "timeout"
    with cpu_limit(5.0):
        total = sum(range(1000))
    assert total == 499500


def _watch_with(events: list[tuple[bytes | None, int]], grace: float = 2.0,
                note: str = os.devnull) -> tuple[str, list[int]]:
    """Run :func:`evolve.sandbox.memory_watch.watch` over a scripted evaluator: each event is what the evaluator writes
    before one look (None: nothing; b"": it closes the pipe) and its resident bytes at that look; half a second
    passes between two looks."""
    from evolve.sandbox.memory_watch import watch

    read, write = os.pipe()
    sent: list[int] = []
    closed = []
    look = iter(range(len(events)))

    def say(message: bytes | None) -> None:
        if message == b"":
            os.close(write)
            closed.append(write)
        elif message is not None:
            os.write(write, message)

    def rss(pid: int) -> int:
        i = next(look)
        if i + 1 < len(events):
            say(events[i + 1][0])  # read by the watchdog before its next look
        return events[i][1]

    say(events[0][0])
    times = iter(range(len(events)))
    try:
        reason = watch(1234, 100.0, note, read, poll=0.0, grace=grace, rss=rss,
                       kill=lambda pid, signum: sent.append(signum), clock=lambda: next(times) / 2)
    finally:
        os.close(read)
        if not closed:
            os.close(write)
    return reason, sent


def test_the_memory_watchdog_signals_once_then_kills_after_the_grace_or_at_twice_the_limit(tmp_path):
    # Over the limit outside a candidate: nothing; inside: SIGUSR1 once, then SIGKILL once the grace is over,
    # with the reason in the death note.
    note = tmp_path / "note"
    reason, sent = _watch_with([(None, 500), (b"1", 150), (None, 150), (None, 150), (None, 150), (None, 150),
                                (None, 150), (None, 150)], note=str(note))
    assert sent == [signal.SIGUSR1, signal.SIGKILL] and "did not stop (evaluator killed)" in reason
    assert note.read_text() == reason
    # Twice the limit: killed at the next look, without waiting for the grace.
    reason, sent = _watch_with([(b"1", 150), (None, 250)], grace=60.0)
    assert sent == [signal.SIGUSR1, signal.SIGKILL]
    # Back under the limit in time, or the candidate ended: no kill; a closed pipe ends the watch.
    reason, sent = _watch_with([(b"1", 150), (None, 50), (b"0", 150), (None, 150), (b"", 0)], grace=0.1)
    assert sent == [signal.SIGUSR1] and reason == "the evaluator closed the watchdog's input"


def test_a_death_note_is_never_written_through_a_planted_link_or_over_a_planted_file(tmp_path):
    # Regression: the note went to the predictable /tmp/evolve-evaluator-PID.reason, opened with open(..., "w"),
    # so another user could plant a link there and have the watchdog overwrite any file the driver's user owns.
    folder = note_folder()
    try:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and folder.parent == Path(tempfile.gettempdir())
        assert death_note(1234, folder).parent == folder
        victim = tmp_path / "victim"
        victim.write_text("precious")
        over_limit = [(b"1", 250), (None, 250)]
        linked = death_note(1234, folder)
        linked.symlink_to(victim)
        reason, sent = _watch_with(over_limit, note=str(linked))
        assert sent == [signal.SIGUSR1, signal.SIGKILL]  # killed all the same
        assert victim.read_text() == "precious" and read_note(linked) is None
        planted = death_note(1235, folder)
        planted.write_text("planted")
        _watch_with(over_limit, note=str(planted))
        assert planted.read_text() == "planted"
        written = death_note(1236, folder)
        reason, _ = _watch_with(over_limit, note=str(written))
        assert stat.S_IMODE(written.stat().st_mode) == 0o600
        assert read_note(written) == reason and not written.exists()  # read once, then removed
    finally:
        for leftover in folder.iterdir():
            leftover.unlink()
        folder.rmdir()


GIL_HOLDER = """
import re, sys
from evolve.sandbox.limits import MemoryWatchdog
watchdog = MemoryWatchdog(300 * 2**20, sys.argv[1])
s = "a" * 10**8
print(watchdog.pid, flush=True)
with watchdog.watching():
    found = re.findall("a", s)  # one C call that holds the GIL while its list grows to 0.8 GB
print("returned", flush=True)
"""


def _gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except (FileNotFoundError, ProcessLookupError):
        return True


def test_memory_taken_inside_one_c_call_that_holds_the_gil_is_capped(tmp_path):
    # A watchdog thread could not look before findall returned (at 3 times the cap); the watchdog process
    # kills the evaluator on the way, at twice the cap, writes why in the folder it was given, and then ends too.
    child = subprocess.Popen([sys.executable, "-c", GIL_HOLDER, str(tmp_path)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parent.parent)
    out, err = child.communicate(timeout=120)
    assert child.returncode == -signal.SIGKILL, err
    assert "returned" not in out
    assert "did not stop (evaluator killed)" in read_note(death_note(child.pid, tmp_path))
    assert not (Path(tempfile.gettempdir()) / f"evolve-evaluator-{child.pid}.reason").exists()
    watchdog = int(out.split()[0])
    deadline = time.time() + 10
    while not _gone(watchdog) and time.time() < deadline:
        time.sleep(0.05)
    assert _gone(watchdog)
