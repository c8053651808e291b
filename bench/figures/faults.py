"""Reliability figures: faults caused for real (kills, the hostile corpus, LLM endpoints)."""

from __future__ import annotations


def faults_section(r: dict) -> list[str]:
    """Reliability under faults caused for real: kills, the hostile corpus, LLM endpoints."""
    s = r["summary"]
    ratio = s.get("gp_rate_ratio")
    lines = [
        f"### Faults (`{r['command']}`)",
        "",
        f"Measured on commit {r.get('commit') or 'unrecorded'}, with the same fault code as the tests.",
        "",
        "| fault | figure |",
        "|---|---|",
        f"| campaign SIGKILLed and resumed | {s['campaign_kills']} kills ({s['campaign_kills_during_writes']} inside "
        f"an archive commit), then finished its budget |",
        f"| evaluator SIGKILLed from outside mid-candidate | {s['evaluator_kills']} kills, each replaced, its "
        "candidates retried |",
        f"| kills survived in all | {s['kills_survived']} |",
        f"| candidates lost (goal 0) | {s['candidates_lost']} |",
        f"| archive sound afterwards (`evolve check`) | {'yes' if s['archive_sound'] else 'no'} |",
        f"| hostile programs contained | {s['hostile_contained']} of {s['hostile_programs']} |",
        f"| driver secret seen by an evaluator | {'yes' if s['secret_seen'] else 'no'} |",
        f"| files written outside the campaign's folder | {len(s['written_outside'])} |",
        f"| good candidates' evaluation rate after the corpus / without it | "
        f"{'-' if ratio is None else f'{ratio:.2f}'} |",
        *([f"| code past the static check, in a real evaluator: TCP and unix-socket connect, writes in the home "
           f"folder and /tmp | {'all refused' if s['breach_refused'] else 'NOT all refused'}, "
           f"{len(s['breach_written'])} files landed ({s['os_layer']}) |"] if "os_layer" in s else []),
        f"| LLM endpoint faults survived | {s['llm_faults_survived']} of {s['llm_faults']} |",
        f"| longest stall of the loop during an LLM fault | {s['longest_stall_during_llm_faults']:.2f} s |",
        *([f"| endpoint down (500s) for {s['outage_seconds']:g} s: longest stall, LLM use resumed after | "
           f"{s['longest_stall_during_outage']:.2f} s, {'yes' if s['outage_recovered'] else 'no'} |"]
          if "outage_seconds" in s else []),
        "",
        "| LLM fault | calls | failed (all recorded) | longest call | GP evaluated meanwhile | longest stall | "
        "survived |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for f in r["llm"]:
        lines.append(f"| {f['scenario']} | {f['llm_calls']} | {f['failed_calls']} ({f['failed_calls_recorded']}) | "
                     f"{f['longest_call']:.2f} s (deadline {f['deadline']:g} s) | {f['gp_evaluated']} | "
                     f"{f['longest_stall']:.2f} s | {'yes' if f['survived'] else 'no'} |")
    return [*lines, ""]


def faults_headline(r: dict) -> str:
    """The README's line: kills survived, candidates lost, hostile programs contained, LLM faults survived."""
    s = r["summary"]
    return (f"Faults: {s['kills_survived']} kills survived, {s['candidates_lost']} candidates lost (goal 0), "
            f"{s['hostile_contained']} of {s['hostile_programs']} hostile programs contained, "
            f"{s['llm_faults_survived']} of {s['llm_faults']} LLM endpoint faults survived.")
