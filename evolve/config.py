"""A campaign's settings, in sections, read from a TOML file and overridden by command-line flags.

Each setting is declared once, with :func:`setting`: its default, its help text, its command-line flag and
whether a resumed campaign may change it. The ``evolve run`` flags (:func:`add_flags`) and the resume rule
(:data:`RESUME_OVERRIDES`) are generated from these declarations. Every setting also has a *flat name*, unique
across sections (``islands``, ``llm_base_url``, ``max_llm_calls``...): the keyword ``Campaign(**overrides)``
takes, the flag's name, a key a TOML file may give at its top level, and the key under which the archive
stores it, so that archives written before the sections existed still resume.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evolve.llm.client import LLMSettings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def setting(default: Any = dataclasses.MISSING, help: str = "", *, flat: str | None = None,
            flag: str | bool | None = None, resume: bool = False, choices: tuple[str, ...] | None = None,
            factory: Any = dataclasses.MISSING) -> Any:
    """Declare one setting: a dataclass field carrying what the CLI and resume need.

    Args:
        default: the default value (or ``factory`` for a mutable one).
        help: what it does, shown by ``evolve run --help``.
        flat: its flat name when it differs from the field's (unique across sections).
        flag: the command-line flag (``"--llm-model"``); True derives it from the flat name; None: no flag
            (settings given only in a TOML file: tables and lists).
        resume: a resumed campaign may change it (resources, budgets, endpoints); the rest come from the
            archive, so that a resumed search is the same search.
        choices: the values allowed, checked on the command line and in :meth:`Config.validate`.
    """
    meta = {"help": help, "flat": flat, "flag": flag, "resume": resume, "choices": choices}
    if factory is not dataclasses.MISSING:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass
class PopulationConfig:
    """How the population is kept and selected from."""

    islands: int = setting(4, "islands of the population", flag=True)
    island_size: int = setting(40, "programs each island keeps", flag=True)
    selection: str = setting("tournament", "how parents are drawn", flag=True, choices=("tournament", "rank"))
    tournament_size: int = setting(4, "programs per tournament", flag=True)
    pareto: bool = setting(True, "select on the problem's Pareto objectives (NSGA-II) when it names two or more; "
                                 "off: rank by the score alone", flag=True)
    pareto_elite: float = setting(0.5, "share of each Pareto island kept by score alone (0: pure NSGA-II)",
                                  flag=True)
    migration_interval: int = setting(200, "proposals between migrations of each island's best to the next",
                                      flag=True)
    reset_interval: int = setting(1000, "proposals between resets of the weakest half of the islands (0: never)",
                                  flag=True)


@dataclass
class EvaluationConfig:
    """The evaluators: how many, what each may use, and what they skip."""

    workers: int = setting(2, "number of Ray evaluator actors", flag=True, resume=True)
    worker_cpus: float = setting(1.0, "CPUs each evaluator requests from Ray", flag=True, resume=True)
    worker_gpus: float = setting(0.0, "GPUs each evaluator requests from Ray", flag=True, resume=True)
    ray_address: str | None = setting(None, "join this Ray cluster instead of starting a local one", flag=True,
                                      resume=True)
    compile_cache: str | None = setting(
        "~/.cache/evolve/jax", "JAX's persistent compilation cache, shared by the evaluators and kept between "
        "runs ('' for none)", flag=True, resume=True)
    batch_size: int = setting(8, "candidates per evaluator call", flag=True)
    pipeline_depth: int = setting(2, "calls queued per evaluator", flag=True)
    ordered: bool = setting(False, "take results back in the order batches were sent, so that a seeded campaign "
                                   "replays the same way (one slow batch then idles the other evaluators)",
                            flag=True, resume=True)
    dedupe: bool = setting(True, "skip candidates whose code or functional hash was seen", flag=True)
    audit_dedupe: float = setting(0.0, "fraction of duplicates evaluated anyway, to measure the hashes' collision "
                                       "rate", flag=True)
    tune_steps: int = setting(300, "optimiser steps of the constant tuner", flag=True)
    timeout: float | None = setting(None, "per-candidate evaluation timeout in seconds (default: the problem's)",
                                    flag=True, resume=True)
    verify_top: int = setting(5, "when a campaign finishes, run the problem's independent check (its verify) on "
                                 "this many best programs and the Pareto front, and store the verdicts (0: none)",
                              flag=True, resume=True)


@dataclass
class SandboxConfig:
    """What a candidate may use beyond the static check (see docs/threat-model.md)."""

    memory_limit: float = setting(8.0, "GiB of resident memory an evaluator may hold; a candidate over it is "
                                       "stopped (0: no limit)", flag=True, resume=True)
    cpu_limit: float | None = setting(None, "CPU seconds (all threads) one candidate may use (default: the timeout "
                                            "times the cores, at least 4)", flag=True, resume=True)
    keep_env: list[str] = setting(help="environment variables evaluators keep besides what Python, JAX and Ray "
                                       "need", factory=list, resume=True)
    os: bool = setting(True, "run candidates in a process the kernel confines (Landlock and seccomp); turn it off "
                             "only where it breaks an accelerator's driver", flat="sandbox_os", flag=True,
                       resume=True)


@dataclass
class LLMConfig:
    """The OpenAI-compatible endpoint, how to call it, and what to ask of it."""

    base_url: str | None = setting(None, "e.g. http://127.0.0.1:8000/v1, or 'local' for the embedded model",
                                   flat="llm_base_url", flag=True, resume=True)
    model: str = setting(LLMSettings.model, "model name sent to the endpoint", flat="llm_model", flag=True)
    api_key_env: str = setting(LLMSettings.api_key_env, "name of the environment variable holding the API key "
                               "(the key itself is never stored)", flat="llm_api_key_env", flag=True)
    temperature: float = setting(LLMSettings.temperature, "sampling temperature", flat="llm_temperature", flag=True)
    max_tokens: int = setting(LLMSettings.max_tokens, "tokens per answer", flat="llm_max_tokens", flag=True)
    in_flight: int = setting(LLMSettings.in_flight, "calls at once", flat="llm_in_flight", flag=True, resume=True)
    deadline: float = setting(LLMSettings.deadline, "seconds per call, retries included", flat="llm_deadline",
                              flag=True, resume=True)
    retries: int = setting(LLMSettings.retries, "retries of a failed call", flat="llm_retries", flag=True)
    pause: float = setting(5.0, "seconds without calls after three failures in a row (doubling per failed probe, "
                                "up to 120 s)", flat="llm_pause", flag=True, resume=True)
    share: float = setting(0.5, "with operator_choice 'weights' in mixed mode, the fraction of proposals asked of "
                                "the LLM", flat="llm_share", flag=True)
    modes: dict[str, float] = setting(help="weights of the prompt kinds diff, full and crossover", flat="llm_modes",
                                      factory=lambda: {"diff": 1.0, "full": 1.0, "crossover": 0.5})
    max_calls: int | None = setting(None, "budget of LLM calls (past it, GP only)", flat="max_llm_calls", flag=True,
                                    resume=True)
    token_budget: int | None = setting(None, "budget of LLM tokens, in + out (past it, GP only)", flat="max_tokens",
                                       flag=True, resume=True)
    local_command: list[str] | None = setting(None, "with base_url 'local', the server command to start instead "
                                                    "of the shipped model ({port} is replaced)",
                                              flat="llm_local_command")


@dataclass
class BanditConfig:
    """How the next proposal's operator (a GP operator or an LLM mode) is chosen."""

    choice: str = setting("bandit", "bandit: Thompson sampling by success per unit of cost; weights: fixed "
                                    "operator_weights and llm_share", flat="operator_choice", flag=True,
                          choices=("bandit", "weights"))
    decay: float = setting(0.998, "per-result decay of what the bandit learned, in (0, 1]", flat="bandit_decay",
                           flag=True)
    cost: str = setting("seconds", "what a pull costs: evaluator seconds, or proposals (no clock: exact replay)",
                        flat="bandit_cost", flag=True, choices=("seconds", "proposals"))
    seconds_per_token: float = setting(0.0, "price of an LLM token, in seconds", flat="bandit_seconds_per_token",
                                       flag=True)
    weights: dict[str, float] = setting(help="GP operator weights; operators left out get 0 (empty: the registry's "
                                             "defaults)", flat="operator_weights", factory=dict)


SECTIONS: dict[str, type] = {"population": PopulationConfig, "evaluation": EvaluationConfig,
                             "sandbox": SandboxConfig, "llm": LLMConfig, "bandit": BanditConfig}
"""The config's sections by name (TOML tables of these names hold their settings)."""


@dataclass
class Config:
    """Everything that shapes a campaign, stored with it in the archive (``--resume`` needs only the database).

    The top-level settings say what is searched and for how long; the rest lives in :data:`SECTIONS`.
    """

    problem: str = setting("exp2", "built-in name, dotted module or path of the problem module")
    problem_options: dict[str, Any] = setting(help="keyword options for the problem's make_problem", factory=dict)
    db: str = setting("runs/campaign.sqlite", "SQLite archive to write", flag=True)
    name: str | None = setting(None, "campaign name stored in the archive (default: the problem's)", flag=True)
    budget: int = setting(3000, "candidates to propose in total (duplicates and failures count)", flag=True,
                          resume=True)
    seed: int = setting(0, "random seed (same seed and settings: same run)", flag=True)
    max_seconds: float | None = setting(None, "stop proposing after this many seconds of the run (results in "
                                              "flight are still written)", flag=True, resume=True)
    disk_wait: float = setting(600.0, "seconds to wait for space when the archive's disk is full, before stopping "
                                      "with a resume command")
    progress: bool = setting(True, "show a live progress bar", flag=True, resume=True)
    mutator: str | None = setting(None, "gp, llm or mixed (default: mixed with an LLM endpoint, else gp)",
                                  flag=True, choices=("gp", "llm", "mixed"))
    population: PopulationConfig = field(default_factory=PopulationConfig)
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)
    sandbox: SandboxConfig = field(default_factory=SandboxConfig)
    llm: LLMConfig = field(default_factory=LLMConfig)
    bandit: BanditConfig = field(default_factory=BanditConfig)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise ValueError naming the setting when a value is out of range."""
        for path, f in settings().items():
            value = _get(self, path)
            choices = f.metadata["choices"]
            if choices and value is not None and value not in choices:
                raise ValueError(f"config: {_flat(f)} must be one of {', '.join(map(repr, choices))}, got {value!r}")
        pop, ev, sb, llm, bandit = self.population, self.evaluation, self.sandbox, self.llm, self.bandit
        for name, value in (("workers", ev.workers), ("islands", pop.islands), ("island_size", pop.island_size),
                            ("tournament_size", pop.tournament_size), ("batch_size", ev.batch_size),
                            ("pipeline_depth", ev.pipeline_depth), ("llm_in_flight", llm.in_flight)):
            if int(value) < 1:
                raise ValueError(f"config: {name} must be at least 1, got {value}")
        _check(self.budget >= 0, f"budget must be >= 0, got {self.budget}")
        _check(0.0 <= pop.pareto_elite <= 1.0, f"pareto_elite is a share in [0, 1], got {pop.pareto_elite}")
        _check(pop.migration_interval >= 0 and pop.reset_interval >= 0,
               "migration_interval and reset_interval must be >= 0 (0 disables)")
        _check(0.0 <= ev.audit_dedupe <= 1.0, f"audit_dedupe is a fraction in [0, 1], got {ev.audit_dedupe}")
        _check(ev.timeout is None or ev.timeout > 0, f"timeout must be positive, got {ev.timeout}")
        _check(ev.verify_top >= 0, f"verify_top must be >= 0 (0: no verification), got {ev.verify_top}")
        _check(sb.memory_limit >= 0, f"memory_limit is in GiB and must be >= 0 (0: no limit), got {sb.memory_limit}")
        _check(sb.cpu_limit is None or sb.cpu_limit > 0,
               f"cpu_limit must be positive seconds (or unset), got {sb.cpu_limit}")
        _check(self.disk_wait >= 0, f"disk_wait must be >= 0 seconds, got {self.disk_wait}")
        _check(self.max_seconds is None or self.max_seconds > 0,
               f"max_seconds must be positive (or unset), got {self.max_seconds}")
        _check(llm.pause > 0, f"llm_pause must be positive seconds, got {llm.pause}")
        _check(0.0 <= llm.share <= 1.0, f"llm_share is a fraction in [0, 1], got {llm.share}")
        unknown = sorted(set(llm.modes) - {"diff", "full", "crossover"})
        _check(not unknown and any(w > 0 for w in llm.modes.values()),
               f"llm_modes needs positive weights for diff, full or crossover; got {llm.modes}")
        _check(not (self.mutator in ("llm", "mixed") and not llm.base_url),
               f"mutator {self.mutator!r} needs an LLM endpoint: set llm_base_url (--llm-base-url), e.g. "
               "http://127.0.0.1:8000/v1")
        _check(0.0 < bandit.decay <= 1.0, f"bandit_decay must be in (0, 1], got {bandit.decay}")
        _check(bandit.seconds_per_token >= 0, f"bandit_seconds_per_token must be >= 0, got {bandit.seconds_per_token}")

    @property
    def resolved_mutator(self) -> str:
        """The mutator in use: the one set, else ``mixed`` with an LLM endpoint and ``gp`` without."""
        return self.mutator or ("mixed" if self.llm.base_url else "gp")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy keyed by flat names (how the archive stores it)."""
        return {_flat(f): _copy(_get(self, path)) for path, f in settings().items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Config:
        """Build a config from flat names, section tables (``{"llm": {"model": ...}}``) or both, refusing unknown
        keys with the list of known ones."""
        return cls().replace(**flatten(data))

    def replace(self, **changes: Any) -> Config:
        """A copy with ``changes`` (by flat name) applied; ``None`` values are ignored."""
        paths = flat_paths()
        unknown = sorted(set(changes) - set(paths))
        if unknown:
            raise ValueError(f"config: unknown setting(s) {unknown}; known settings are {sorted(paths)}")
        by_section: dict[str | None, dict[str, Any]] = {}
        for name, value in changes.items():
            if value is not None:
                section, attr = paths[name]
                by_section.setdefault(section, {})[attr] = value
        top = by_section.pop(None, {})
        sections = {s: dataclasses.replace(getattr(self, s), **v) for s, v in by_section.items()}
        return dataclasses.replace(self, **top, **sections)


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(f"config: {message}")


def _copy(value: Any) -> Any:
    return type(value)(value) if isinstance(value, (dict, list)) else value


def _flat(f: dataclasses.Field) -> str:
    return f.metadata.get("flat") or f.name


def _get(config: Config, path: tuple[str | None, str]) -> Any:
    section, attr = path
    return getattr(getattr(config, section) if section else config, attr)


def settings() -> dict[tuple[str | None, str], dataclasses.Field]:
    """Every setting's declaration by its path ``(section or None, field name)``, in declaration order."""
    out: dict[tuple[str | None, str], dataclasses.Field] = {}
    for f in dataclasses.fields(Config):
        if f.name in SECTIONS:
            out.update({(f.name, g.name): g for g in dataclasses.fields(SECTIONS[f.name])})
        else:
            out[(None, f.name)] = f
    return out


def flat_paths() -> dict[str, tuple[str | None, str]]:
    """Each setting's flat name mapped to its path ``(section or None, field name)``."""
    return {_flat(f): path for path, f in settings().items()}


def flatten(data: dict[str, Any]) -> dict[str, Any]:
    """Flat names for a mapping that gives settings by flat name, in section tables, or both."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in SECTIONS and isinstance(value, dict):
            fields = {f.name: f for f in dataclasses.fields(SECTIONS[key])}
            unknown = sorted(set(value) - set(fields))
            if unknown:
                raise ValueError(f"config: unknown setting(s) {unknown} in [{key}]; known there are {sorted(fields)}")
            out.update({_flat(fields[k]): v for k, v in value.items()})
        else:
            out[key] = value
    return out


RESUME_OVERRIDES: tuple[str, ...] = tuple(_flat(f) for f in settings().values() if f.metadata["resume"])
"""Flat names of the settings a resumed campaign may change; the rest come from the archive."""


def _flag_type(owner: type, name: str) -> type:
    """The type a flag parses: the field's annotation without its ``None``."""
    hint = typing.get_type_hints(owner)[name]
    return next(a for a in typing.get_args(hint) if a is not type(None)) if isinstance(hint, types.UnionType) \
        else hint


def add_flags(parser: argparse.ArgumentParser) -> None:
    """Add a flag for every setting that declares one, grouped by section: ``--<flat name>`` with its type, help
    and choices; a setting on by default gets ``--no-<flat name>`` instead. Each flag's dest is the flat name
    and its default None (not given)."""
    groups: dict[str | None, Any] = {None: parser}
    for (section, _), f in settings().items():
        if not f.metadata["flag"]:
            continue
        if section not in groups:
            groups[section] = parser.add_argument_group(f"[{section}] {SECTIONS[section].__doc__.strip()}")
        flat = _flat(f)
        name = f.metadata["flag"] if isinstance(f.metadata["flag"], str) else "--" + flat.replace("_", "-")
        kind = _flag_type(SECTIONS[section] if section else Config, f.name)
        if kind is bool:
            negated = "--no-" + name.removeprefix("--") if f.default else name
            groups[section].add_argument(negated, dest=flat, action="store_const", const=not f.default,
                                         default=None, help=("turn off: " if f.default else "") + f.metadata["help"])
        else:
            groups[section].add_argument(name, dest=flat, type=kind, default=None, choices=f.metadata["choices"],
                                         help=f.metadata["help"])


def flag_values(args: argparse.Namespace) -> dict[str, Any]:
    """The settings given on the command line (by flat name), from a namespace :func:`add_flags` filled."""
    flagged = (_flat(f) for f in settings().values() if f.metadata["flag"])
    return {name: getattr(args, name) for name in flagged if getattr(args, name, None) is not None}


def load_config(path: str | Path) -> Config:
    """Read a TOML config file: section tables (``[population]``, ``[llm]``...) and top-level settings, which may
    also be any setting's flat name; ``[problem_options]`` holds the problem's options."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config file {str(path)!r} does not exist")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"config file {str(path)!r} is not valid TOML: {exc}") from exc
    return Config.from_dict(data)
