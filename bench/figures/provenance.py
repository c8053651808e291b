"""Whether a figure may be shown: its JSON names a clean commit, no older than the code it measures.

Each benchmark measures some of the repository's code (:data:`DEPENDS`). A figure is refused when its JSON
(bench/results/NAME.json) lacks its commit, date, machine or command, when it was measured on uncommitted
changes (``-dirty``), when its commit is not in HEAD's history, or when the code it measures changed between
its commit and HEAD. Where git cannot answer (no git, not a checkout, a shallow clone without the commit) the
decision is "unchecked", apart from refusals that need no git.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GIT_TIMEOUT = 30.0
"""Seconds one git call may take."""

SHOWN = 5
"""Changed files a refusal names; the rest are counted."""

_ENGINE = ("bench/_common.py", "evolve/", "archive/", "pyproject.toml", "problems/__init__.py")
"""What every benchmark runs: its helpers, the engine (``evolve`` imports ``archive``), the problem registry and
the pinned dependencies."""

_FLOAT32, _SYMBOLIC, _AGENTS = "problems/float32/", "problems/symbolic/", "problems/agents/"
_TRIVIAL = "bench/trivial_problem.py"  # imports problems/float32/exp2.py
_NOT_EXP2 = ("double_float", "erf", "exp2_real", "log2", "sigmoid", "sin", "tanh")
_EXP2 = (_FLOAT32, *(f":(exclude){_FLOAT32}{name}.py" for name in _NOT_EXP2))
"""The float32 code an exp2 campaign runs: the family's shared modules and exp2's, not the other targets' modules
nor the double-float writer only tanh and the sigmoid use (git's exclusion pathspecs; tests/test_double_float.py
checks an exp2 campaign loads none of them)."""
_SYMBOLIC_BENCH = ("bench/symbolic.py", "bench/recovery.py", "bench/finished.py", *_ENGINE, _SYMBOLIC)
_SYMBOLIC_RUNS = ("bench/symbolic.py", "bench/finished.py", *_ENGINE, _SYMBOLIC,
                  f":(exclude){_SYMBOLIC}recovery.py")
"""What the tools' runs measure, without the symbolic check of their models: a figure that shows the check from a
JSON of its own (:data:`CHECKED_BY`) need not run the tools again when only the check changes."""
_CHECK = ("bench/recovery.py", "bench/_common.py", "pyproject.toml", "problems/__init__.py", _SYMBOLIC,
          "evolve/programs/", "evolve/evaluation/", "evolve/sandbox/", "archive/vocabulary.py")
"""What the symbolic check of stored models runs: it reads them with the program and sandbox helpers."""

DEPENDS: dict[str, tuple[str, ...]] = {
    "demo": ("bench/demo.py", "bench/finished.py", *_ENGINE, *_EXP2),
    "dedupe": ("bench/dedupe.py", "bench/finished.py", *_ENGINE, *_EXP2),
    "engine_throughput": ("bench/engine_throughput.py", "bench/finished.py", _TRIVIAL, *_ENGINE, *_EXP2),
    "engine_throughput_growing": ("bench/engine_throughput.py", "bench/finished.py", _TRIVIAL, *_ENGINE,
                                  *_EXP2),
    "compare_commits": ("bench/compare_commits.py", "bench/engine_throughput.py", "bench/demo.py", "bench/finished.py",
                        _TRIVIAL, *_ENGINE, *_EXP2),
    "scale_out": ("bench/scale_out.py", "bench/finished.py", _TRIVIAL, *_ENGINE, *_EXP2),
    "eval_rate": ("bench/eval_rate.py", "bench/finished.py", *_ENGINE, _FLOAT32, _SYMBOLIC, _AGENTS),
    "bandit": ("bench/bandit.py", "bench/finished.py", *_ENGINE, *_EXP2),
    "llm_mutation": ("bench/llm_mutation.py", "bench/finished.py", *_ENGINE, *_EXP2),
    "formula_eval": ("bench/formula_eval.py", *_ENGINE, _SYMBOLIC),
    "symbolic": _SYMBOLIC_BENCH,
    "symbolic_llm": _SYMBOLIC_BENCH,
    "symbolic_seeds": _SYMBOLIC_BENCH,
    "symbolic_holdout": _SYMBOLIC_RUNS,
    "recovery": _CHECK,
    "recovery_holdout": _CHECK,
    "agent_throughput": ("bench/agent_throughput.py", *_ENGINE, _AGENTS),
    "agents": ("bench/agents.py", "bench/finished.py", *_ENGINE, _AGENTS),
    "llm_agents": ("bench/llm_agents.py", "bench/finished.py", *_ENGINE, _AGENTS),
    "float32": ("bench/float32.py", "bench/finished.py", *_ENGINE, _FLOAT32, "examples/float32_exp.py"),
    "faults": ("bench/faults.py", "bench/fault_injection/", *_ENGINE, *_EXP2),
}
"""Per benchmark (its JSON's name), the repository paths whose code its figure measures: a change to any of them
after the figure's commit makes the figure stale."""

COMPANIONS: dict[str, tuple[str, ...]] = {
    "engine_throughput": ("engine_throughput_growing",),
    "symbolic": ("symbolic_llm", "recovery"),
    "symbolic_holdout": ("recovery_holdout",),
}
"""The other JSONs a benchmark's section shows beside its own (when they exist; a symbolic check only when it
checked these very runs)."""

CHECKED_BY = {"symbolic_holdout": "recovery_holdout"}
"""The figures shown only with the symbolic check of their very runs, and the JSON that holds it."""

REQUIRED = (("measured", "date"), ("machine", "machine"), ("command", "command"))
"""The facts, besides the commit, a JSON must record: its key and what the refusal calls it."""


class CannotCheck(Exception):
    """Git cannot answer for a figure's commit; ``reasons`` are the refusals found without git."""

    def __init__(self, why: str, reasons: list[str]) -> None:
        super().__init__(why)
        self.why, self.reasons = why, reasons


@dataclass(frozen=True)
class Repo:
    """What git says of a checkout once: its HEAD (None when git cannot answer) and whether it is shallow."""

    root: Path
    head: str | None
    shallow: bool

    @classmethod
    def at(cls, root: Path) -> Repo:
        """The checkout at ``root``."""
        out = _git(root, "rev-parse", "--is-shallow-repository", "--short", "HEAD")
        lines = out.splitlines() if out is not None else []
        if len(lines) != 2:
            return cls(Path(root), None, False)
        return cls(Path(root), lines[1], lines[0] == "true")


def _git(root: Path, *args: str) -> str | None:
    """git's output, or None when it fails, times out or is missing."""
    try:
        proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=GIT_TIMEOUT)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout if proc.returncode == 0 else None


def commits(data: dict[str, Any]) -> list[str]:
    """The commits a figure was measured on: its JSON's, then those of its runs where it records one per run (a
    benchmark that keeps earlier runs, measured one at a time, may hold runs of older commits)."""
    found = [str(data["commit"])] if data.get("commit") else []
    return list(dict.fromkeys(found + [str(r["commit"]) for r in _runs(data) if r.get("commit")]))


def _runs(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The runs of a JSON that records a commit per run; [] for one that does not."""
    runs = [r for r in data.get("runs") or [] if isinstance(r, dict)]
    return runs if any("commit" in r for r in runs) else []


def _recorded(data: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The refusals that need no git: of its commits (missing, uncommitted changes), and of its other facts."""
    reasons = [] if data.get("commit") else ["no commit recorded"]
    bare = sum(not r.get("commit") for r in _runs(data))
    if bare:
        reasons.append(f"{bare} of its {len(_runs(data))} runs record no commit")
    reasons += [f"measured on uncommitted changes ({c})" for c in commits(data) if c.endswith("-dirty")]
    return reasons, [f"no {what} recorded" for key, what in REQUIRED if not data.get(key)]


def changed(name: str, commit: str, repo: Repo) -> list[str]:
    """The refusals git gives: ``commit`` missing or off HEAD's history, or the code ``name`` measures changed
    since; raises :class:`CannotCheck` (with no reasons) where git cannot tell."""
    if repo.head is None:
        raise CannotCheck("no git checkout here", [])
    full = _git(repo.root, "rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}")
    if full is None:
        if repo.shallow:
            raise CannotCheck(f"commit {commit} is not in this shallow clone", [])
        return [f"commit {commit} is not in this repository's history"]
    full = full.strip()
    if _git(repo.root, "merge-base", "--is-ancestor", full, "HEAD") is None:
        if repo.shallow:
            raise CannotCheck(f"this shallow clone cannot tell whether {commit} is an ancestor of HEAD", [])
        return [f"commit {commit} is not an ancestor of HEAD"]
    diff = _git(repo.root, "diff", "--name-only", full, "HEAD", "--", *DEPENDS[name])
    if diff is None:
        raise CannotCheck(f"git diff {commit} HEAD failed", [])
    files = diff.split()
    if not files:
        return []
    more = f" and {len(files) - SHOWN} more" if len(files) > SHOWN else ""
    return [f"code it measures changed since {commit}: {', '.join(files[:SHOWN])}{more}"]


def refusals(name: str, data: dict[str, Any], root: Path, repo: Repo | None = None) -> list[str]:
    """Why the figure ``name`` measured in ``data`` (its JSON) must not be shown: [] when it may. Raises
    :class:`CannotCheck` when git cannot answer for one of its commits (its ``reasons`` are those found
    otherwise). ``repo`` spares a call to git when deciding many figures in the same checkout."""
    if name not in DEPENDS:
        raise KeyError(f"no DEPENDS entry for benchmark {name!r}")
    reasons, facts = _recorded(data)
    cannot = None
    for commit in commits(data):
        repo = repo or Repo.at(root)
        try:
            reasons += changed(name, commit.removesuffix("-dirty"), repo)
        except CannotCheck as e:
            cannot = cannot or e.why
    if cannot:
        raise CannotCheck(cannot, reasons + facts)
    return reasons + facts


def decide(name: str, data: dict[str, Any], repo: Repo) -> dict[str, Any]:
    """The decision on one figure as bench/results/provenance.json records it: its commit and date, ``status``
    (accepted, refused, or unchecked where git cannot answer and nothing else refuses it), the reasons, and
    ``checked`` (False when git could not answer)."""
    try:
        reasons, checked = refusals(name, data, repo.root, repo), True
        status = "refused" if reasons else "accepted"
    except CannotCheck as e:
        status = "refused" if e.reasons else "unchecked"
        reasons, checked = [*e.reasons, f"cannot be checked here ({e.why})"], False
    return {"commit": data.get("commit"), "measured": data.get("measured"), "status": status,
            "reasons": reasons, "checked": checked}


def decide_all(figures: dict[str, dict[str, Any]], root: Path) -> dict[str, Any]:
    """The decisions on every figure in ``figures`` (name to JSON) at ``root``'s HEAD, as recorded in
    bench/results/provenance.json."""
    repo = Repo.at(root)
    return {"head": repo.head, "figures": {name: decide(name, data, repo) for name, data in figures.items()}}


def short(reason: str) -> str:
    """A reason without its list of files (what comes before its colon)."""
    return reason.split(":", 1)[0]
