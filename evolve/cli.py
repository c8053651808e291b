"""The ``evolve`` command: run campaigns and read archives."""

from __future__ import annotations

import argparse
import ast
import json
import logging
import signal
import sys
from typing import Any

from archive.vocabulary import CampaignStatus
from evolve.config import add_flags, flag_values


def _option(text: str) -> tuple[str, Any]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"problem option {text!r} must look like key=value")
    key, value = text.split("=", 1)
    if value.lower() in ("true", "false"):  # as TOML writes them; "false" as a string would be true
        return key, value.lower() == "true"
    try:
        return key, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return key, value


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``evolve`` command."""
    parser = argparse.ArgumentParser(prog="evolve", description="Evolutionary program search.")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run (or --resume) a campaign")
    run.add_argument("problem", nargs="?", help="built-in name (see `evolve problems`) or path of a .py file")
    run.add_argument("--config", help="TOML file of settings (flags override it)")
    run.add_argument("--resume", action="store_true", help="continue the campaign stored in --db")
    run.add_argument("--campaign", type=int, help="with --resume: which campaign (default: the latest)")
    run.add_argument("-o", "--option", action="append", type=_option, default=[], metavar="KEY=VALUE",
                     help="problem option passed to make_problem (repeatable)")
    add_flags(run)
    run.add_argument("--llm", dest="llm_base_url", help="same as --llm-base-url ('--llm local': embedded model)")

    sub.add_parser("problems", help="list the built-in problems")

    llm_cmd = sub.add_parser("llm", help="the embedded local model")
    llm_sub = llm_cmd.add_subparsers(dest="llm_command", required=True)
    llm_sub.add_parser("serve", help="serve the embedded model on a free loopback port until Ctrl-C")

    best = sub.add_parser("best", help="the best programs of a campaign")
    best.add_argument("db")
    best.add_argument("-k", type=int, default=10)
    best.add_argument("--campaign", type=int)
    best.add_argument("--source", action="store_true", help="print each program's source")

    front = sub.add_parser("front", help="the Pareto front of a campaign (its trade-offs between objectives)")
    front.add_argument("db")
    front.add_argument("--campaign", type=int, help="which campaign (default: the latest)")
    front.add_argument("--objectives", help="comma-separated metrics, each min or max after a colon "
                                            "(e.g. max_ulp:min,ops:min; default: the campaign's objectives)")
    front.add_argument("--baselines", action="store_true",
                       help="also the Taylor and minimax polynomials of a float32 target, measured alike")
    front.add_argument("--source", action="store_true", help="print each program's source")

    lineage = sub.add_parser("lineage", help="every ancestor of a program back to the seed")
    lineage.add_argument("db")
    lineage.add_argument("program_id", type=int)

    status = sub.add_parser("status", help="counts, duplicates avoided, operator success, evaluations/s")
    status.add_argument("db")
    status.add_argument("--campaign", type=int)
    status.add_argument("--json", action="store_true", help="print the statistics as JSON")

    check = sub.add_parser("check", help="check an archive's integrity (SQLite's checks and the engine's "
                                         "invariants); exits 1 if anything is wrong")
    check.add_argument("db")

    verify = sub.add_parser("verify", help="run the problem's independent check on a campaign's best programs "
                                           "and Pareto front, and store the verdicts")
    verify.add_argument("db")
    verify.add_argument("--campaign", type=int, help="which campaign (default: the latest)")
    verify.add_argument("--top", type=int, default=5, help="best programs to check, beside the Pareto front")
    verify.add_argument("--llm", help="for a problem whose check calls an LLM: its endpoint's base URL, or 'local' "
                                      "for the embedded model (default: the campaign's)")

    report = sub.add_parser("report", help="plots and an index.html of a campaign, openable from disk")
    report.add_argument("db")
    report.add_argument("--campaign", type=int, help="which campaign (default: the latest)")
    report.add_argument("--out", help="folder to write (default: <db without .sqlite>-report)")
    report.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def cmd_run(args: argparse.Namespace) -> int:
    """Run or resume a campaign and print its best program."""
    from evolve.campaign.loop import Campaign, CampaignError
    from evolve.config import Config, load_config

    config = load_config(args.config) if args.config else Config()
    overrides = flag_values(args)
    if args.option:
        overrides["problem_options"] = {**config.problem_options, **dict(args.option)}
    problem = args.problem or (None if args.resume else config.problem)
    if problem is None and not args.resume:
        print("evolve run: give a problem (see `evolve problems`) or --resume", file=sys.stderr)
        return 2
    if "db" not in overrides and not args.config:
        if args.resume:
            print("evolve run --resume: say which archive with --db", file=sys.stderr)
            return 2
        stem = problem.rsplit("/", 1)[-1].removesuffix(".py")
        overrides["db"] = f"runs/{stem}.sqlite"
    try:
        campaign = Campaign(problem, config, resume=args.resume, campaign_id=args.campaign, **overrides)
        summary = campaign.run()
    except (CampaignError, ValueError, FileNotFoundError, KeyError) as exc:
        print(f"evolve run: {exc}", file=sys.stderr)
        return 1
    db = summary.db
    print()
    if summary.status == CampaignStatus.STOPPED:
        lost = (f" {summary.dropped} candidate(s) under way were not written; a resume proposes them again."
                if summary.dropped else "")
        print(f"Stopped.{lost} Resume with: evolve run --resume --db {db} --campaign {summary.campaign_id}")
    print(f"campaign {summary.campaign_id} ({summary.problem}): {summary.proposed} proposed, "
          f"{summary.evaluated} evaluated, {summary.duplicates} duplicates skipped, "
          f"failures {summary.failures}, {summary.wall_seconds:.1f} s "
          f"({summary.candidates_per_second:.1f} candidates/s)"
          + (f"; {summary.restarts} evaluator(s) replaced" if summary.restarts else ""))
    if summary.best_id is not None:
        metrics = ", ".join(f"{k}={_fmt(v)}" for k, v in summary.best_metrics.items())
        print(f"best program #{summary.best_id}: score {_fmt(summary.best_score)} ({metrics})")
        print(summary.best_source.rstrip())
    print(f"\nOpen the archive: evolve best {db} | evolve lineage {db} {summary.best_id} | evolve status {db}")
    print(f'In Python: from archive import Archive; Archive("{db}", readonly=True).best(10)')
    # The shell's convention: 128 plus the number of the signal that stopped the command.
    return 0 if summary.status == CampaignStatus.FINISHED else 128 + (summary.stop_signal or signal.SIGINT)


def cmd_problems(args: argparse.Namespace) -> int:
    """List the built-in problems."""
    from evolve.problem import builtin_problems

    for short, module in builtin_problems().items():
        doc = (sys.modules.get(module) or __import__(module, fromlist=["_"])).__doc__ or ""
        print(f"{short:16s} {module:32s} {doc.strip().splitlines()[0] if doc.strip() else ''}")
    return 0


def _open(db: str) -> Any:
    from archive import Archive

    return Archive(db, readonly=True)


def _verdict(row: Any) -> str:
    """A verdict in a few characters: ``passed``, ``failed`` or ``worse`` (passed, with a figure worse than the
    search score); ``-`` when the program was not checked."""
    if row is None:
        return "-"
    return "failed" if not row.passed else "worse" if row.worse else "passed"


def cmd_best(args: argparse.Namespace) -> int:
    """Print the best programs of a campaign, with the verdict of the problem's check where it ran."""
    archive = _open(args.db)
    rows = archive.best(args.k, args.campaign)
    verdicts = archive.verdicts(args.campaign)
    print(f"{'id':>8} {'score':>14} {'gen':>4} {'island':>6} {'operator':>20} {'verified':>8}  metrics")
    for r in rows:
        metrics = ", ".join(f"{k}={_fmt(v)}" for k, v in (r.metrics or {}).items())
        print(f"{r.id:>8} {_fmt(r.score):>14} {r.generation:>4} {_fmt(r.island):>6} {r.operator:>20} "
              f"{_verdict(verdicts.get(r.id)):>8}  {metrics}")
        if r.id in verdicts:
            print(f"    verified: {verdicts[r.id].detail}")
        if args.source:
            print("    " + r.source.rstrip().replace("\n", "\n    "))
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Check a campaign's best programs and Pareto front with the problem's ``verify``, store the verdicts and
    print them; exits 1 when a checked program is overrated (failed, or worse than its search score)."""
    from evolve.campaign.verification import verify_archive

    print(f"{'id':>8} {'search score':>14} {'verified':>14} {'verdict':>8}  detail")

    def show(program: Any, verdict: Any) -> None:
        print(f"{program.id:>8} {_fmt(program.score):>14} {_fmt(verdict.score):>14} {_verdict(verdict):>8}  "
              f"{verdict.detail}", flush=True)

    from archive import ArchiveBusy

    try:
        verdicts = verify_archive(args.db, args.campaign, args.top, on_verdict=show, llm=args.llm)
    except ArchiveBusy as exc:
        print(f"evolve verify: {exc}", file=sys.stderr)
        return 1
    overrated = [v.program_id for v in verdicts if v.worse]
    print(f"{len(verdicts)} checked, {len(overrated)} overrated" + (f": {overrated}" if overrated else ""))
    return 1 if overrated else 0


def _objectives(text: str | None) -> list[tuple[str, str]] | None:
    if not text:
        return None
    out = []
    for item in text.split(","):
        name, _, way = item.strip().partition(":")
        if way not in ("min", "max"):
            raise ValueError(f"objective {item!r} must look like NAME:min or NAME:max")
        out.append((name, way))
    return out


def cmd_front(args: argparse.Namespace) -> int:
    """Print the Pareto front of a campaign, with the classical baselines its problem offers beside it."""
    archive = _open(args.db)
    objectives = _objectives(args.objectives) or archive.objectives(args.campaign)
    rows = [(f"#{r.id}", r.operator, {**(r.metrics or {}), "score": r.score}, r.source)
            for r in archive.front(args.campaign, objectives)]
    if args.baselines:
        from evolve.problem import Baselines, load_problem

        campaign = archive.campaign(args.campaign)
        options = campaign.config.get("problem_options") or {}
        offered = load_problem(campaign.problem, **options).extension(Baselines)
        if offered is None:
            raise ValueError(f"problem {campaign.problem!r} offers no baselines to compare with (a problem gives "
                             "them with the Baselines extension); leave out --baselines")
        for b in offered.measure(campaign.problem, options):
            if b["metrics"] is None:  # a rational with a pole on the points: nothing to compare
                continue
            label = f"{b['kind']} {b['degree']}" + (f"/{b['denominator']}" if b["denominator"] else "")
            rows.append((label, "baseline", b["metrics"], b["source"]))
    names = [name for name, _ in objectives]
    print(f"{'program':>12} {'operator':>20}  " + "  ".join(f"{n:>12}" for n in names))
    for label, operator, metrics, source in rows:
        print(f"{label:>12} {operator:>20}  " + "  ".join(f"{_fmt(metrics.get(n)):>12}" for n in names))
        if args.source:
            print("    " + source.rstrip().replace("\n", "\n    "))
    return 0


def cmd_lineage(args: argparse.Namespace) -> int:
    """Print a program's ancestry back to the seed."""
    archive = _open(args.db)
    steps = archive.lineage(args.program_id)
    print(f"{'id':>8} {'score':>14} {'change':>14} {'operator':>20} {'edge':>10}")
    for step in steps:
        p = step.program
        print(f"{p.id:>8} {_fmt(p.score):>14} {_fmt(step.score_change):>14} {p.operator:>20} {_fmt(step.role):>10}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """Print a campaign's statistics."""
    archive = _open(args.db)
    campaign = archive.campaign(args.campaign)
    stats = archive.stats(campaign.id)
    if args.json:
        print(json.dumps(stats, indent=2, default=str))
        return 0
    print(f"campaign {campaign.id} {campaign.name!r} on {campaign.problem} ({campaign.status})")
    print("programs by status: " + ", ".join(f"{k}={v}" for k, v in stats["counts"].items()))
    print("duplicates avoided: " + ", ".join(f"by {k} hash={v}" for k, v in stats["duplicates_by"].items()))
    audit = stats.get("audit") or {}
    per_hash = {k: v for k, v in audit.items() if isinstance(v, dict) and v.get("audited")}
    if per_hash:
        detail = ", ".join(f"{k} hash: {v['mismatched']}/{v['audited']} mismatched" for k, v in per_hash.items())
        print(f"dedupe audit: {detail}; collision rate {_fmt(audit.get('collision_rate'))}")
    eps = stats.get("evaluations_per_second")
    wall, best = _fmt(stats.get("wall_seconds")), _fmt(stats.get("best_score"))
    print(f"evaluations/s: {_fmt(eps)} over {wall} s; best score {best}")
    if stats.get("llm"):
        print(f"{'LLM model':>22} {'mode':>9} {'calls':>6} {'failed':>6} {'unusable':>8} {'apply-fail':>10} "
              f"{'tokens in/out':>15} {'latency':>8}")
        for row in stats["llm"]:
            tokens = f"{row['tokens_in']}/{row['tokens_out']}"
            print(f"{row['model'][-22:]:>22} {row['mode']:>9} {row['calls']:>6} {row['failed_calls']:>6} "
                  f"{row['unusable_answers']:>8} {_fmt(row['apply_failure_rate']):>10} {tokens:>15} "
                  f"{_fmt(row['mean_latency']):>8}")
    print(f"{'operator':>22} {'proposed':>9} {'ok':>7} {'improved':>9} {'success':>8}")
    for name, op in sorted(stats["operators"].items()):
        print(f"{name:>22} {op['proposed']:>9} {op['ok']:>7} {op['improved']:>9} {_fmt(op['success_rate']):>8}")
    if stats.get("arms"):
        print(f"operator bandit ({campaign.config.get('operator_choice', 'weights')} choice):")
        print(f"{'arm':>22} {'pulls':>7} {'successes':>9} {'rate':>8} {'cost s':>9} {'s/pull':>9} "
              f"{'tokens':>8} {'reward':>8} {'reward/s':>9}")
        for arm in stats["arms"]:
            print(f"{arm['arm']:>22} {arm['pulls']:>7} {arm['successes']:>9} {_fmt(arm['success_rate']):>8} "
                  f"{arm['cost_seconds']:>9.3g} {_fmt(arm['mean_cost']):>9} {arm['tokens']:>8} "
                  f"{arm['reward']:>8.3g} {_fmt(arm['reward_per_second']):>9}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Check an archive's integrity; 0 when sound, 1 when a check fails or the file cannot be read."""
    from sqlalchemy.exc import DatabaseError

    try:
        report = _open(args.db).check()
    except DatabaseError as exc:
        print(f"evolve check: {args.db} cannot be read as an SQLite archive: {exc.orig or exc}", file=sys.stderr)
        return 1
    counted = ", ".join(f"{v} {k}" for k, v in report.counts.items())
    if report.ok:
        print(f"{args.db}: ok ({counted})")
        return 0
    print(f"{args.db}: {len(report.problems)} problem(s) found" + (f" ({counted})" if counted else ""))
    for problem in report.problems:
        print(f"  - {problem}")
    return 1


def cmd_report(args: argparse.Namespace) -> int:
    """Write a campaign's report (PNG plots and index.html)."""
    from pathlib import Path

    from archive.report import write_report

    out = args.out or str(Path(args.db).with_suffix("")) + "-report"
    path = write_report(args.db, out, args.campaign, progress=not args.no_progress)
    print(f"wrote {path} (open it in a browser: file://{path.resolve()})")
    return 0


def cmd_llm(args: argparse.Namespace) -> int:
    """``evolve llm serve``: run the embedded model server in the foreground."""
    import time

    from evolve.llm.local import LocalServer

    try:
        server = LocalServer().start()
    except RuntimeError as exc:
        print(f"evolve llm serve: {exc}", file=sys.stderr)
        return 1
    print(f"serving {server.alias} at {server.url} (OpenAI-compatible); Ctrl-C stops it", flush=True)
    try:
        while server.process is not None and server.process.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


COMMANDS = {"run": cmd_run, "llm": cmd_llm, "problems": cmd_problems, "best": cmd_best, "front": cmd_front,
            "lineage": cmd_lineage, "status": cmd_status, "check": cmd_check, "report": cmd_report,
            "verify": cmd_verify}


class _Stderr(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (as the logging module's last resort does)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def log_to_stderr(level: int = logging.WARNING) -> None:
    """Show the engine's diagnostics (a full disk, what the kernel does not enforce...) on stderr, once."""
    logger = logging.getLogger("evolve")
    if not any(isinstance(h, _Stderr) for h in logger.handlers):
        handler = _Stderr()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(level)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``evolve`` command."""
    args = build_parser().parse_args(argv)
    log_to_stderr(logging.INFO if args.command == "run" else logging.WARNING)
    try:
        return COMMANDS[args.command](args)
    except (FileNotFoundError, KeyError, ValueError) as exc:
        print(f"evolve {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
