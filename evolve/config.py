"""One configuration object for a campaign, read from a TOML file and overridden by command-line flags."""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass
class Config:
    """Everything that shapes a campaign. Stored with the campaign in the archive, so ``--resume`` needs
    nothing but the database.

    Attributes:
        problem: built-in name, dotted module or path of the problem module.
        problem_options: keyword options for the problem's ``make_problem``.
        db: path of the SQLite archive.
        name: campaign name stored in the archive (defaults to the problem's name).
        budget: number of candidates to propose (every proposal counts: duplicates and failures too).
        seed: seed of the one random generator behind selection and mutation.
        workers: number of Ray evaluator actors.
        worker_cpus, worker_gpus: Ray resources each evaluator requests (GPUs on a GPU cluster).
        compile_cache: directory of JAX's persistent compilation cache, shared by the evaluators and kept
            between runs, so a large program (a symbolic problem's fitter) is compiled once per machine, not
            once per worker and run; empty or None: no disk cache.
        ray_address: join this Ray cluster instead of starting a local one.
        islands, island_size: the population's islands and how many programs each keeps.
        selection: ``tournament`` or ``rank``; tournament_size for the former.
        pareto: select on the problem's Pareto objectives (``Problem.pareto``, NSGA-II: by front, then
            crowding) when it names two or more; False ranks by the score alone.
        pareto_elite: the share of each Pareto island kept (and listed first for selection) by score alone;
            the rest is kept by NSGA-II. 0 is pure NSGA-II, 1 ranks by score alone.
        migration_interval: proposals between migrations of each island's best to the next island.
        reset_interval: proposals between resets of the weakest half of the islands (0 disables).
        batch_size: candidates sent to an evaluator per call; pipeline_depth: calls queued per evaluator.
        dedupe: skip candidates whose code or functional hash was seen.
        audit_dedupe: fraction of duplicates evaluated anyway, to measure the hashes' collision rate.
        operator_weights: GP operator weights; when given, operators left out get weight 0 (empty: the
            operators' default weights, declared in ``evolve.mutators.registry``).
        tune_steps: optimiser steps of ``tune_constants``.
        timeout: per-candidate evaluation timeout in seconds (defaults to the problem's).
        memory_limit: GiB of resident memory an evaluator process may hold; a candidate that takes it over is
            stopped (``error``), and killed with its evaluator if it does not stop (0: no limit).
        cpu_limit: CPU seconds (all threads) one candidate may use (None: the timeout times the number of
            cores, at least 4: XLA uses every core, so only a limit set for shared hardware should be tighter).
        keep_env: environment variables evaluators keep besides what Python, JAX and Ray need (they drop the
            rest, and every variable whose name looks like a secret is blanked).
        sandbox_os: run candidates in a process the kernel confines (``evolve.confine``: no file writes outside
            the campaign's scratch folder, no network but an LLM-calling problem's endpoint). Turn it off only
            where it breaks an accelerator's driver; the static check then holds alone.
        disk_wait: seconds a campaign waits for space when the archive's disk is full, holding the results
            it could not write and trying again every few seconds, before it stops with a message that says
            how to resume.
        progress: show a live progress bar.
        mutator: ``gp``, ``llm`` or ``mixed``; None picks ``mixed`` when an LLM is configured
            (``llm_base_url``), else ``gp``.
        llm_base_url, llm_model, llm_api_key_env, llm_temperature, llm_max_tokens, llm_in_flight,
            llm_deadline, llm_retries: the OpenAI-compatible endpoint and how to call it (the key is read
            from the environment variable named, never stored).
        llm_pause: seconds without LLM calls after three failed calls in a row (the endpoint is taken for
            down; GP proposes meanwhile), then one probe call; each failed probe doubles the pause, up to 120 s.
            A ``Retry-After`` from the endpoint is honoured the same way.
        operator_choice: ``bandit`` (Thompson sampling over the GP operators and LLM modes by success per
            unit of cost, see ``evolve.bandit``) or ``weights`` (GP operators drawn by ``operator_weights``,
            the LLM asked for ``llm_share`` of proposals, its modes drawn by ``llm_modes``). Either way an
            operator or mode with weight 0 is never used.
        bandit_decay: per-result decay of the bandit's posteriors, in (0, 1].
        bandit_cost: what a pull costs the bandit: ``seconds`` (evaluator time, plus an LLM call's latency
            over ``llm_in_flight``) or ``proposals`` (1 each; choices then depend on no clock, so a seeded
            GP campaign replays exactly).
        bandit_seconds_per_token: seconds charged per LLM token on top, to price a paid endpoint.
        llm_share: with ``operator_choice = "weights"`` in ``mixed``, the fraction of proposals asked of
            the LLM.
        llm_modes: weights of the prompt kinds ``diff``, ``full`` and ``crossover``.
        max_llm_calls, max_tokens: budgets of LLM calls and tokens (in + out); past them, GP only.
        max_seconds: stop proposing after this many seconds of the run (results in flight are still
            written); None: the proposal budget alone ends the run.
        llm_local_command: with ``llm_base_url = "local"``, the server command to start instead of
            llama.cpp's server with the shipped SmolLM2 (``{port}`` is replaced by a free port).
    """

    problem: str = "exp2"
    problem_options: dict[str, Any] = field(default_factory=dict)
    db: str = "runs/campaign.sqlite"
    name: str | None = None
    budget: int = 3000
    seed: int = 0
    workers: int = 2
    worker_cpus: float = 1.0
    worker_gpus: float = 0.0
    compile_cache: str | None = "~/.cache/evolve/jax"
    ray_address: str | None = None
    islands: int = 4
    island_size: int = 40
    selection: str = "tournament"
    tournament_size: int = 4
    pareto: bool = True
    pareto_elite: float = 0.5
    migration_interval: int = 200
    reset_interval: int = 1000
    batch_size: int = 8
    pipeline_depth: int = 2
    dedupe: bool = True
    audit_dedupe: float = 0.0
    operator_weights: dict[str, float] = field(default_factory=dict)
    tune_steps: int = 300
    timeout: float | None = None
    memory_limit: float = 8.0
    cpu_limit: float | None = None
    keep_env: list[str] = field(default_factory=list)
    sandbox_os: bool = True
    disk_wait: float = 600.0
    progress: bool = True
    mutator: str | None = None
    llm_base_url: str | None = None
    llm_model: str = "local"
    llm_api_key_env: str = "OPENAI_API_KEY"
    llm_temperature: float = 0.8
    llm_max_tokens: int = 1024
    llm_in_flight: int = 4
    llm_deadline: float = 120.0
    llm_retries: int = 4
    llm_pause: float = 5.0
    operator_choice: str = "bandit"
    bandit_decay: float = 0.998
    bandit_cost: str = "seconds"
    bandit_seconds_per_token: float = 0.0
    llm_share: float = 0.5
    llm_modes: dict[str, float] = field(default_factory=lambda: {"diff": 1.0, "full": 1.0, "crossover": 0.5})
    max_llm_calls: int | None = None
    max_tokens: int | None = None
    llm_local_command: list[str] | None = None
    max_seconds: float | None = None

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise ValueError naming the setting when a value is out of range."""
        positive = ("workers", "islands", "island_size", "tournament_size", "batch_size", "pipeline_depth")
        for name in positive:
            if int(getattr(self, name)) < 1:
                raise ValueError(f"config: {name} must be at least 1, got {getattr(self, name)}")
        if self.budget < 0:
            raise ValueError(f"config: budget must be >= 0, got {self.budget}")
        if not 0.0 <= self.pareto_elite <= 1.0:
            raise ValueError(f"config: pareto_elite is a share in [0, 1], got {self.pareto_elite}")
        if not 0.0 <= self.audit_dedupe <= 1.0:
            raise ValueError(f"config: audit_dedupe is a fraction in [0, 1], got {self.audit_dedupe}")
        if self.selection not in ("tournament", "rank"):
            raise ValueError(f"config: selection must be 'tournament' or 'rank', got {self.selection!r}")
        if self.llm_pause <= 0:
            raise ValueError(f"config: llm_pause must be positive seconds, got {self.llm_pause}")
        if self.memory_limit < 0:
            raise ValueError(f"config: memory_limit is in GiB and must be >= 0 (0: no limit), got {self.memory_limit}")
        if self.disk_wait < 0:
            raise ValueError(f"config: disk_wait must be >= 0 seconds, got {self.disk_wait}")
        if self.cpu_limit is not None and self.cpu_limit <= 0:
            raise ValueError(f"config: cpu_limit must be positive seconds (or unset), got {self.cpu_limit}")
        if self.timeout is not None and self.timeout <= 0:
            raise ValueError(f"config: timeout must be positive, got {self.timeout}")
        if self.mutator not in (None, "gp", "llm", "mixed"):
            raise ValueError(f"config: mutator must be 'gp', 'llm' or 'mixed', got {self.mutator!r}")
        if self.mutator in ("llm", "mixed") and not self.llm_base_url:
            raise ValueError(f"config: mutator {self.mutator!r} needs an LLM endpoint: set llm_base_url "
                             "(--llm-base-url), e.g. http://127.0.0.1:8000/v1")
        if not 0.0 <= self.llm_share <= 1.0:
            raise ValueError(f"config: llm_share is a fraction in [0, 1], got {self.llm_share}")
        unknown = sorted(set(self.llm_modes) - {"diff", "full", "crossover"})
        if unknown or not any(w > 0 for w in self.llm_modes.values()):
            raise ValueError(f"config: llm_modes needs positive weights for diff, full or crossover; got "
                             f"{self.llm_modes}")
        if self.operator_choice not in ("bandit", "weights"):
            raise ValueError(f"config: operator_choice must be 'bandit' or 'weights', got {self.operator_choice!r}")
        if not 0.0 < self.bandit_decay <= 1.0:
            raise ValueError(f"config: bandit_decay must be in (0, 1], got {self.bandit_decay}")
        if self.bandit_cost not in ("seconds", "proposals"):
            raise ValueError(f"config: bandit_cost must be 'seconds' or 'proposals', got {self.bandit_cost!r}")
        if self.bandit_seconds_per_token < 0:
            raise ValueError(f"config: bandit_seconds_per_token must be >= 0, got {self.bandit_seconds_per_token}")
        if self.migration_interval < 0 or self.reset_interval < 0:
            raise ValueError("config: migration_interval and reset_interval must be >= 0 (0 disables)")

    @property
    def resolved_mutator(self) -> str:
        """The mutator in use: the one set, else ``mixed`` with an LLM endpoint and ``gp`` without."""
        return self.mutator or ("mixed" if self.llm_base_url else "gp")

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable copy (stored in the archive)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Config:
        """Build a config from a dict, refusing unknown keys with the list of known ones."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"config: unknown setting(s) {unknown}; known settings are {sorted(known)}")
        return cls(**data)

    def replace(self, **changes: Any) -> Config:
        """Return a copy with ``changes`` applied (``None`` values are ignored)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def load_config(path: str | Path) -> Config:
    """Read a TOML config file. Top-level keys are :class:`Config` fields; a ``[problem_options]`` table
    and an ``[operator_weights]`` table are allowed."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config file {str(path)!r} does not exist")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"config file {str(path)!r} is not valid TOML: {exc}") from exc
    return Config.from_dict(data)
