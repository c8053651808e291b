"""A benchmark's guard against recording a campaign that was stopped before its budget was spent.

A campaign stops cleanly on Ctrl-C or SIGTERM (a session or batch job ending) and returns its summary as usual;
a benchmark that recorded that summary would report a run cut short as if it had had its whole budget.
"""

from __future__ import annotations

import signal
import sys
from typing import TypeVar

from archive import CampaignStatus

Summary = TypeVar("Summary")


def finished(summary: Summary) -> Summary:
    """``summary`` when its campaign ran to its end.

    Raises:
        SystemExit: the campaign was stopped by a signal (exit status 128 + the signal, as a shell reports it):
            the benchmark ends there, and the run under way is not recorded.
    """
    if getattr(summary, "status", CampaignStatus.FINISHED) == CampaignStatus.FINISHED:
        return summary
    signum = getattr(summary, "stop_signal", None) or signal.SIGINT
    print(f"stopped by {signal.Signals(signum).name}: the campaign under way is not recorded; what was written "
          "before it is kept (re-run with --resume where the benchmark has it)", file=sys.stderr, flush=True)
    raise SystemExit(128 + signum)
