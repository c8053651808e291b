"""Measure again every figure the README withholds, one benchmark after another, then rewrite the figures.

    python bench/remeasure.py            # run the command of every withheld or missing figure, then bench/report.py
    python bench/remeasure.py --list     # print those commands and run nothing
    python bench/remeasure.py --only float32 symbolic   # the withheld figures among these benchmarks alone

The commands are the ones the withheld figures' lines name (bench/report.py): each benchmark's whole run, and
for a section that shows other JSONs beside its own (the symbolic section shows the LLM runs and the symbolic
check), their commands after it. They run in the README's order on this checkout, which must be clean: a figure
measured on uncommitted changes is withheld as well. Timing benchmarks need the machine to themselves; leave it
idle. A command that fails is reported and the next one runs; a signal (Ctrl-C) stops the whole run, keeping
what the benchmarks wrote.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import report  # noqa: E402
from bench._common import commit  # noqa: E402
from bench.figures import load, provenance  # noqa: E402


def stale(only: list[str] | None = None) -> list[str]:
    """The commands that measure again every figure that is withheld, missing or not complete (of the benchmarks
    in ``only``, when given), in the README's order, each once."""
    decisions = provenance.decide_all(report.figures(), ROOT)
    commands: list[str] = []
    for name, _, _ in report.SECTIONS:
        if only is None or name in only:
            data = load(name)
            commands += report.rerun_commands(name, data, decisions)
            if data and data.get("complete") is False:  # shown as far as it went; its command goes on with it
                commands.append(report.command(name, data))
    return list(dict.fromkeys(commands))


def argv(command: str) -> list[str]:
    """A ``python bench/....py ...`` command as the argument list that runs it with this interpreter (so the
    JSON records the command as written).

    Raises:
        ValueError: the command is not a ``python`` command.
    """
    words = shlex.split(command)
    if not words or words[0] != "python":
        raise ValueError(f"not a python command: {command!r}")
    return [sys.executable, *words[1:]]


def run(commands: list[str]) -> list[tuple[str, int, float]]:
    """Run ``commands`` one after another in the repository's root: (command, exit status, seconds) for each that
    ran. A failure is reported and the next one runs; one ended by a signal ends the whole run."""
    done = []
    for i, command in enumerate(commands, 1):
        print(f"[{i}/{len(commands)}] {command}", flush=True)
        start = time.monotonic()
        status = subprocess.run(argv(command), cwd=ROOT).returncode
        done.append((command, status, time.monotonic() - start))
        if status < 0 or status >= 128:
            print(f"stopped by a signal (exit status {status}); the rest not run", file=sys.stderr)
            break
        if status:
            print(f"failed (exit status {status}); going on", file=sys.stderr)
    return done


GENERATED = ("README.md", "docs/figures.md")
"""The files bench/report.py rewrites outside bench/results/ (so a finished remeasure leaves them changed)."""


def changed(root: Path = ROOT) -> list[str]:
    """The tracked files outside ``bench/results/`` that differ from HEAD (what makes the checkout dirty)."""
    out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ":/",
                          ":(top,exclude)bench/results"], cwd=root, capture_output=True, text=True)
    return [line[3:] for line in out.stdout.splitlines() if line.strip()]


def advice(files: list[str]) -> str:
    """What to do about a dirty checkout with these changed files."""
    if files and set(files) <= set(GENERATED):
        return (f"Only {' and '.join(files)} changed, as bench/report.py rewrote them: commit them with "
                "bench/results/ (or `git checkout -- README.md docs/figures.md`), then run it again.")
    return f"Commit or stash the changes{' (' + ', '.join(files) + ')' if files else ''}, then run it again."


def main(args: list[str] | None = None) -> int:
    """Measure again what is withheld (or list it, with ``--list``), then rewrite the figures; exit status 1 when
    a command failed or the checkout is not clean."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print the commands and run nothing")
    parser.add_argument("--only", nargs="+", choices=[name for name, _, _ in report.SECTIONS],
                        help="these benchmarks' figures alone")
    opts = parser.parse_args(args)
    commands = stale(opts.only)
    if opts.list or not commands:
        print("\n".join(commands) if commands else "Every figure is shown: nothing to measure again.")
        return 0
    code = commit(ROOT)
    if code is None or code.endswith("-dirty"):
        print(f"remeasure: the checkout is {'not a git checkout' if code is None else 'dirty (' + code + ')'}; "
              f"figures measured on it would be withheld too. {advice(changed(ROOT))}", file=sys.stderr)
        return 1
    done = run(commands)
    for command, status, seconds in done:
        print(f"{'ok' if status == 0 else f'exit {status}':>8}  {seconds / 60:6.1f} min  {command}")
    report.main([])
    return 0 if len(done) == len(commands) and all(status == 0 for _, status, _ in done) else 1


if __name__ == "__main__":
    sys.exit(main())
