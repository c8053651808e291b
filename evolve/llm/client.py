"""Calls to any OpenAI-compatible chat endpoint, with a hard deadline, retries and bounded concurrency.

The official ``openai`` client does the HTTP; this module adds what a long campaign needs: at most
``in_flight`` calls at once in background threads (the campaign loop never waits on one call), a deadline
per call that covers every retry and cancels the request when it passes, exponential backoff with jitter
on 429, 5xx, malformed answers and dropped connections (``Retry-After`` honoured), and a result object
that records failures instead of raising, so the campaign goes on. The API key is read from the
environment variable the settings name and is never part of a result.
"""

from __future__ import annotations

import os
import random
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class LLMSettings:
    """Where and how to call the model.

    Attributes:
        base_url: the endpoint's base URL, e.g. ``https://api.openai.com/v1`` or ``http://127.0.0.1:8000/v1``.
        model: model name sent with each call.
        api_key_env: name of the environment variable holding the API key (the key is never stored).
        temperature, max_tokens: sampling settings.
        in_flight: calls running at once.
        deadline: seconds one call may take, all retries included; then it is cancelled and failed.
        retries: further attempts after a retryable failure.
        backoff: seconds before the first retry; doubled each time, with jitter.
    """

    base_url: str = "http://127.0.0.1:8000/v1"
    model: str = "local"
    api_key_env: str = "OPENAI_API_KEY"
    temperature: float = 0.8
    max_tokens: int = 1024
    in_flight: int = 4
    deadline: float = 120.0
    retries: int = 4
    backoff: float = 0.5

    def __post_init__(self) -> None:
        if self.in_flight < 1 or self.retries < 0 or self.deadline <= 0 or self.max_tokens < 1:
            raise ValueError("LLM settings: in_flight >= 1, retries >= 0, deadline > 0 and max_tokens >= 1 "
                             f"are required; got {self}")
        if not 0.0 <= self.temperature <= 2.0:
            raise ValueError(f"LLM settings: temperature must be in [0, 2], got {self.temperature}")


@dataclass
class LLMCall:
    """One call's outcome: the answer or the error, and its cost."""

    messages: list[dict[str, str]]
    model: str
    text: str | None = None
    error: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    latency: float = 0.0
    attempts: int = 0
    answered_by: str | None = None  # the model name the endpoint reported
    retry_after: float | None = None  # seconds the endpoint last asked us to wait (Retry-After), if it did
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the call produced an answer."""
        return self.error is None and self.text is not None


class _Retryable(Exception):
    def __init__(self, message: str, wait: float | None = None) -> None:
        super().__init__(message)
        self.wait = wait


def _retry_after(exc: Any) -> float | None:
    response = getattr(exc, "response", None)
    value = response.headers.get("retry-after") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class LLMClient:
    """A pool of calls to one endpoint. ``submit`` returns a future; ``complete`` waits for the answer."""

    def __init__(self, settings: LLMSettings, seed: int | None = None) -> None:
        import openai

        self.settings = settings
        self._openai = openai
        key = os.environ.get(settings.api_key_env) or "none"  # local servers accept any key
        # Retries are ours (deadline-bounded, Retry-After aware), so the client's own are off.
        self._client = openai.OpenAI(base_url=settings.base_url, api_key=key, max_retries=0,
                                     timeout=settings.deadline)
        self._pool = ThreadPoolExecutor(max_workers=settings.in_flight, thread_name_prefix="llm")
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._not_before = 0.0  # Retry-After holds every call of this client, not only the one that got it

    def submit(self, messages: list[dict[str, str]], **meta: Any) -> Future[LLMCall]:
        """Start a call in the background; at most ``in_flight`` run at once, the rest queue."""
        return self._pool.submit(self.complete, messages, **meta)

    def complete(self, messages: list[dict[str, str]], temperature: float | None = None, **meta: Any) -> LLMCall:
        """Call the model and return the outcome; endpoint faults become ``error``, never exceptions.
        ``temperature`` overrides the settings' for this call."""
        s = self.settings
        call = LLMCall(messages=messages, model=s.model, meta=dict(meta))
        start = time.monotonic()
        end = start + s.deadline
        wait = s.backoff
        last = "no attempt"
        for attempt in range(s.retries + 1):
            hold = self._not_before - time.monotonic()
            if hold > 0:  # the endpoint asked for a pause (to this call or another)
                if time.monotonic() + hold >= end:
                    last = f"the endpoint asked to wait {hold:.3g} s more (Retry-After), past the deadline"
                    break
                time.sleep(hold)
            remaining = end - time.monotonic()
            if remaining <= 0:
                break
            call.attempts = attempt + 1
            try:
                self._attempt(call, remaining, temperature)
                call.error = call.retry_after = None
                break
            except _Retryable as exc:
                last = str(exc)
                call.retry_after = exc.wait
                if exc.wait is not None:
                    with self._lock:
                        self._not_before = max(self._not_before, time.monotonic() + exc.wait)
                pause = 0.0 if exc.wait is not None else wait * (0.5 + self._jitter())  # (Retry-After: held above)
                wait *= 2
                if attempt == s.retries or time.monotonic() + pause >= end:
                    break
                time.sleep(pause)
            except Exception as exc:  # not worth retrying (400, 401, 404...)
                last = f"{type(exc).__name__}: {exc}"
                call.error = last[:1000]
                call.latency = time.monotonic() - start
                return call
        if call.text is None:
            passed = time.monotonic() - start >= s.deadline - 1e-3
            call.error = (f"deadline of {s.deadline:g} s passed after {call.attempts} attempt(s); last: {last}"
                          if passed else f"gave up after {call.attempts} attempt(s): {last}")[:1000]
        call.latency = time.monotonic() - start
        return call

    def _jitter(self) -> float:
        with self._lock:
            return self._random.random()

    def _attempt(self, call: LLMCall, timeout: float, temperature: float | None = None) -> None:
        s = self.settings
        openai = self._openai
        try:
            response = self._client.chat.completions.create(
                model=s.model, messages=call.messages, max_tokens=s.max_tokens,
                temperature=s.temperature if temperature is None else temperature,
                timeout=timeout,
            )
        except openai.RateLimitError as exc:
            raise _Retryable(f"429 rate limited: {exc}", _retry_after(exc)) from exc
        except openai.APIStatusError as exc:
            if exc.status_code >= 500:
                raise _Retryable(f"{exc.status_code} server error: {exc}", _retry_after(exc)) from exc
            raise
        except openai.APITimeoutError as exc:
            raise _Retryable(f"timed out: {exc}") from exc
        except openai.APIConnectionError as exc:
            raise _Retryable(f"connection failed: {exc}") from exc
        except (openai.APIResponseValidationError, ValueError) as exc:  # unparseable body
            raise _Retryable(f"malformed answer: {type(exc).__name__}: {exc}") from exc
        choices = getattr(response, "choices", None)
        if not choices or choices[0].message is None or choices[0].message.content is None:
            raise _Retryable("malformed answer: no choice with content")
        usage = getattr(response, "usage", None)
        call.text = choices[0].message.content
        call.tokens_in = int(getattr(usage, "prompt_tokens", 0) or 0)
        call.tokens_out = int(getattr(usage, "completion_tokens", 0) or 0)
        call.answered_by = getattr(response, "model", None)

    def close(self) -> None:
        """Stop accepting calls; calls already running finish (each within its deadline)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._client.close()
