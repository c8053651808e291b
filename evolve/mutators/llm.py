"""LLM mutation: prompts and the parsing of answers.

This module turns parents into chat messages and a model's answer back into a child program, as pure
functions: SEARCH/REPLACE diffs against the parent (``diff``), a rewrite of the EVOLVE block (``full``), or
one child of two parents (``crossover``); :class:`LLMMutator` puts them around a call to the model, as a
:class:`evolve.mutators.base.Proposer`. Parsing is tolerant of whitespace, Markdown fences and chatter
around the code; a diff that does not apply falls back to a full program if the answer holds one, and
otherwise the reason is raised as :class:`LLMParseError` (the candidate is then recorded ``invalid``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from archive.vocabulary import LLM_PREFIX
from evolve.evaluation import row_limits
from evolve.mutators.base import Parent, Proposal
from evolve.problem import Problem
from evolve.programs import program

if TYPE_CHECKING:  # the client needs openai; the prompts and the parsing do not
    from evolve.llm.client import LLMCall, LLMClient

MODES = ("diff", "full", "crossover")
MAX_ERROR_CHARS = 300  # per recent error quoted in a prompt: prompts are stored, keep them short

SYSTEM_PROMPT = (
    "You improve Python programs in an evolutionary search. Programs may use `jnp` (jax.numpy), `lax` "
    "(jax.lax) and `math`, and nothing else: no imports, no dunder names, no I/O, no attribute assignment, no "
    "item assignment except into a variable the function made itself, no `except ... as`, no positional class "
    "patterns in `match`. Keep the function name and signature. Answer with code only, in the format asked."
)

DIFF_FORMAT = """\
Answer with one or more edits to the current program, each exactly in this form:
<<<<<<< SEARCH
lines copied exactly from the current program
=======
the lines that replace them
>>>>>>> REPLACE"""

FULL_FORMAT = "Answer with the complete new program in one ```python block."


class LLMParseError(ValueError):
    """A model's answer holds no usable program; the message says why (stored as the candidate's error)."""


@dataclass(frozen=True)
class Edit:
    """One SEARCH/REPLACE edit."""

    search: str
    replace: str


def _describe(parent: Parent) -> str:
    if parent.score is None:
        return "not evaluated"
    shown = ", ".join(f"{k}={v}" for k, v in list(parent.metrics.items())[:6])
    return f"score {parent.score:.6g}" + (f" ({shown})" if shown else "")


def _block(source: str) -> str:
    return program.split_block(source)[1].strip("\n")


def build_messages(
    mode: str,
    problem: Problem,
    parents: Sequence[Parent],
    inspirations: Sequence[Parent] = (),
    recent_errors: Sequence[str] = (),
) -> list[dict[str, str]]:
    """Return the chat messages asking for one child.

    Args:
        mode: ``diff``, ``full`` or ``crossover`` (which needs two parents).
        problem: supplies the description (what the program must do and how it is scored).
        parents: ``parents[0]`` is the program to change; ``parents[1]`` the second parent of a crossover.
        inspirations: other good or diverse programs of the island, shown for ideas.
        recent_errors: errors of recent failed children, so the model can avoid them.
    """
    if mode not in MODES:
        raise ValueError(f"unknown LLM mode {mode!r}; valid ones are {MODES}")
    if not parents or (mode == "crossover" and len(parents) < 2):
        raise ValueError(f"mode {mode!r} needs {'two parents' if mode == 'crossover' else 'a parent'}")
    parts = [f"Task:\n{problem.description.strip()}"]
    for i, other in enumerate(inspirations, 1):
        parts.append(f"Inspiration {i} ({_describe(other)}):\n```python\n{_block(other.source)}\n```")
    if recent_errors:
        errors = "\n".join(f"- {e.strip()[:MAX_ERROR_CHARS]}" for e in recent_errors)
        parts.append(f"Recent children failed with these errors; avoid them:\n{errors}")
    if mode == "crossover":
        a, b = parents[0], parents[1]
        parts.append(f"Parent A ({_describe(a)}):\n```python\n{_block(a.source)}\n```")
        parts.append(f"Parent B ({_describe(b)}):\n```python\n{_block(b.source)}\n```")
        parts.append("Combine the best ideas of A and B into one better program. " + FULL_FORMAT)
    else:
        parent = parents[0]
        parts.append(f"Current program ({_describe(parent)}):\n```python\n{_block(parent.source)}\n```")
        parts.append("Improve the current program. " + (DIFF_FORMAT if mode == "diff" else FULL_FORMAT))
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": "\n\n".join(parts)}]


_FENCE = re.compile(r"```[ \t]*(?:python|py|python3)?[ \t]*\n(.*?)(?:```|\Z)", re.DOTALL | re.IGNORECASE)
_DIFF = re.compile(
    r"<{5,}\s*SEARCH[ \t]*\n(.*?)\n?={5,}[ \t]*\n(.*?)\n?>{5,}\s*REPLACE", re.DOTALL | re.IGNORECASE
)


def extract_code_blocks(text: str) -> list[str]:
    """Return the fenced code blocks of ``text`` (``` or ```python), in order; an unclosed last fence
    counts up to the end (answers cut off by a token limit)."""
    return [m.group(1).strip("\n") for m in _FENCE.finditer(text) if m.group(1).strip()]


def parse_edits(text: str) -> list[Edit]:
    """Return the SEARCH/REPLACE edits of ``text`` (fences around them are allowed)."""
    return [Edit(m.group(1), m.group(2)) for m in _DIFF.finditer(text)]


def _strip_lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.strip("\n").splitlines()]


def apply_edits(source: str, edits: Sequence[Edit]) -> str:
    """Apply ``edits`` in order: each search text must occur in the program, exactly or line by line with
    trailing whitespace and the common indentation ignored. Raises :class:`LLMParseError` otherwise."""
    if not edits:
        raise LLMParseError("the answer has no SEARCH/REPLACE edit")
    for n, edit in enumerate(edits, 1):
        if edit.search and edit.search in source:
            source = source.replace(edit.search, edit.replace, 1)
            continue
        lines = source.splitlines()
        want = [s.strip() for s in _strip_lines(edit.search)]
        if not want or not any(want):
            raise LLMParseError(f"edit {n}: the SEARCH text is empty")
        for start in range(len(lines) - len(want) + 1):
            if [line.strip() for line in lines[start:start + len(want)]] == want:
                indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
                given = _strip_lines(edit.replace)
                base = min((len(x) - len(x.lstrip()) for x in given if x.strip()), default=0)
                replaced = [indent + x[base:] if x.strip() else "" for x in given]
                lines[start:start + len(want)] = replaced
                source = "\n".join(lines) + "\n"
                break
        else:
            first = want[0][:80]
            raise LLMParseError(f"edit {n} does not apply: SEARCH text not found in the program ({first!r}...)")
    return source


def _as_child(code: str, parent_source: str) -> str:
    """Place a program the model wrote into the parent's frame (code outside the EVOLVE block kept)."""
    prefix, _, suffix = program.split_block(parent_source)
    if program.EVOLVE_START in code:
        code = program.split_block(code)[1]
    if not prefix and not suffix:
        return code.strip("\n") + "\n"
    return program.join_block(prefix, code.strip("\n") + "\n", suffix)


def parse_answer(mode: str, text: str, parent_source: str, entrypoint: str) -> tuple[str, str]:
    """Turn a model's answer into a child program.

    Returns ``(source, how)``, where ``how`` is ``diff`` (edits applied), ``full`` (a rewrite) or
    ``diff-fallback-full`` (the edits did not apply, but the answer also held a whole program).
    Raises :class:`LLMParseError` with the reason when there is nothing usable.
    """
    if mode not in MODES:
        raise ValueError(f"unknown LLM mode {mode!r}; valid ones are {MODES}")
    if not text or not text.strip():
        raise LLMParseError("the answer is empty")
    defines = re.compile(rf"^\s*def\s+{re.escape(entrypoint)}\s*\(", re.MULTILINE)
    blocks = [b for b in extract_code_blocks(text) if "<<<<<<<" not in b]
    full = next((b for b in reversed(blocks) if defines.search(b)), None)
    if full is None and not blocks and defines.search(text) and "<<<<<<<" not in text:
        full = text[defines.search(text).start():]  # an unfenced program
    if mode == "diff":
        edits = parse_edits(text)
        if edits:
            try:
                return apply_edits(parent_source, edits), "diff"
            except LLMParseError:
                if full is None:
                    raise
                return _as_child(full, parent_source), "diff-fallback-full"
    if full is None:
        if blocks:
            raise LLMParseError(f"the answer's code does not define {entrypoint}()")
        raise LLMParseError("the answer holds no code" + (" and no SEARCH/REPLACE edit" if mode == "diff" else ""))
    return _as_child(full, parent_source), "full"


@dataclass(frozen=True)
class LLMPending:
    """An LLM proposal under way: the call and what it was asked."""

    future: Future[LLMCall]
    mode: str
    parents: tuple[Parent, ...]
    problem: Problem
    inspirations: tuple[Parent, ...] = ()

    def done(self) -> bool:
        """Whether the model has answered (or the call failed)."""
        return self.future.done()

    @property
    def call(self) -> LLMCall:
        """The call's outcome (waits for it)."""
        return self.future.result()


class LLMMutator:
    """LLM mutation in one ``mode`` (``diff``, ``full`` or ``crossover``) through ``client``: a
    :class:`evolve.mutators.base.Proposer` whose :meth:`start` sends the prompt and :meth:`finish` parses the
    answer into a :class:`Proposal` (operator ``llm-<mode>``, ``meta["parsed"]`` how)."""

    def __init__(self, client: LLMClient, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown LLM mode {mode!r}; valid ones are {MODES}")
        self.client = client
        self.mode = mode

    def start(
        self,
        parents: Sequence[Parent],
        problem: Problem,
        rng: np.random.Generator | None = None,
        inspirations: Sequence[Parent] = (),
        recent_errors: Sequence[str] = (),
    ) -> LLMPending:
        """Send the prompt for a child of ``parents`` (two for a crossover); ``rng`` is unused, the client's
        seed governs its sampling. ``inspirations`` and ``recent_errors`` go into the prompt."""
        asked = tuple(parents[: 2 if self.mode == "crossover" else 1])
        messages = build_messages(self.mode, problem, asked, inspirations, recent_errors)
        return LLMPending(self.client.submit(messages), self.mode, tuple(parents), problem, tuple(inspirations))

    def finish(self, pending: LLMPending) -> Proposal:
        """The child the answer holds; raises :class:`LLMParseError` when the call failed or the answer holds no
        usable program (an answer too long to store whole is not parsed: its program would be refused)."""
        call = pending.call
        if not call.ok:
            raise LLMParseError(f"LLM call failed: {call.error}")
        if len(call.text) > row_limits.RESPONSE_CHARS:
            raise LLMParseError(f"the LLM's answer is {len(call.text):,} characters, over the "
                                f"{row_limits.RESPONSE_CHARS:,} an answer may have (stored cut)")
        source, how = parse_answer(pending.mode, call.text, pending.parents[0].source, pending.problem.entrypoint)
        return Proposal(source, LLM_PREFIX + pending.mode, {"parsed": how})
