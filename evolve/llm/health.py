"""Whether to start LLM calls now: a circuit breaker over one endpoint.

A campaign must not keep sending calls to an endpoint that is down, nor hammer one that asked it to wait.
:class:`LLMHealth` is told how each call ended and answers :meth:`LLMHealth.available`:

- a failed call that came with ``Retry-After`` (429, or a 5xx that says how long) stops new calls for that long;
- ``threshold`` failures in a row mark the endpoint down: no calls for ``pause`` seconds, then one probe call;
  a probe that fails doubles the pause (up to ``max_pause``), one that succeeds brings the endpoint back.

Meanwhile the campaign proposes with the GP operators. The clock is passed in, so the logic is a pure state
machine (tests drive it with made-up times).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class LLMHealth:
    """The state of one endpoint, as its calls tell it (times in seconds of one monotonic clock)."""

    threshold: int = 3
    pause: float = 5.0
    max_pause: float = 120.0
    failures: int = 0
    """Failed calls in a row."""
    until: float = 0.0
    """No call starts before this time."""
    probing: bool = False
    """A probe call is under way (the endpoint is down and one call was let through)."""
    current: float = field(default=0.0)
    """The pause after the next failed probe."""
    outages: list[list[float | None]] = field(default_factory=list)
    """``[start, end]`` of each time the endpoint was down (``end`` None while it still is)."""

    def __post_init__(self) -> None:
        if self.threshold < 1 or self.pause <= 0 or self.max_pause < self.pause:
            raise ValueError("LLMHealth: threshold >= 1 and 0 < pause <= max_pause")
        self.current = self.current or self.pause

    @property
    def down(self) -> bool:
        """Whether the endpoint is taken for down (``threshold`` failures in a row)."""
        return self.failures >= self.threshold

    def available(self, now: float) -> bool:
        """Whether a call may start at ``now``."""
        if now < self.until:
            return False
        return not (self.down and self.probing)

    def started(self) -> None:
        """A call was started (while down, it is the probe)."""
        if self.down:
            self.probing = True

    def record(self, ok: bool, now: float, retry_after: float | None = None) -> None:
        """A call ended at ``now``: answered (``ok``) or failed, perhaps with the endpoint's ``Retry-After``."""
        if ok:
            if self.down and self.outages and self.outages[-1][1] is None:
                self.outages[-1][1] = now
            self.failures, self.probing, self.current = 0, False, self.pause
            return
        was_down, was_probe = self.down, self.probing
        self.failures += 1
        wait = retry_after or 0.0
        if self.down and not was_down:  # it just went down
            self.outages.append([now, None])
            wait = max(wait, self.current)
        elif was_probe:  # the probe failed: wait longer before the next
            self.current = min(2.0 * self.current, self.max_pause)
            wait = max(wait, self.current)
        self.probing = False
        self.until = max(self.until, now + wait)


__all__ = ["LLMHealth"]
