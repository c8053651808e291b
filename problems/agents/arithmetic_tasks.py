"""Arithmetic word problems generated from templates, for searching LLM-calling agents (pure Python).

Every task is drawn from a template by a seeded ``numpy`` generator, so a seed gives the same tasks on every
machine; its answer is a whole number computed with the question, and checked exactly. The templates take one
to three steps (a sum, a difference, a product, an equal share, change from a purchase, a chain), so that
accuracy separates agents that reason from ones that guess. :func:`splits` gives disjoint train, validation
and held-out sets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

NAMES = ("Ava", "Ben", "Chloe", "Dan", "Ella", "Finn", "Grace", "Hugo", "Iris", "Jack", "Kira", "Leo", "Maya",
         "Noah", "Olive", "Paul", "Rosa", "Sam", "Tara", "Omar")
ITEMS = ("apples", "marbles", "stickers", "pencils", "cookies", "stamps", "shells", "books", "cards", "coins",
         "eggs", "balloons")
CONTAINERS = ("boxes", "bags", "jars", "packs", "baskets", "crates")


@dataclass(frozen=True)
class Task:
    """One word problem.

    Attributes:
        question: the text an agent is given.
        answer: the whole-number answer.
        template: the name of the template it came from (how many steps, which operations).
    """

    question: str
    answer: int
    template: str


def _two(rng: np.random.Generator, items: tuple[str, ...] = NAMES) -> tuple[str, str]:
    first, second = rng.choice(len(items), size=2, replace=False)
    return items[int(first)], items[int(second)]


def _int(rng: np.random.Generator, low: int, high: int) -> int:
    """A whole number in ``[low, high]``."""
    return int(rng.integers(low, high + 1))


def _gain(rng: np.random.Generator) -> Task:
    a, b = _int(rng, 3, 60), _int(rng, 2, 40)
    name, other = _two(rng)
    item = ITEMS[_int(rng, 0, len(ITEMS) - 1)]
    return Task(f"{name} has {a} {item}. {other} gives {name} {b} more {item}. How many {item} does {name} "
                "have now?", a + b, "sum")


def _loss(rng: np.random.Generator) -> Task:
    b = _int(rng, 2, 40)
    a = b + _int(rng, 1, 50)
    name, other = _two(rng)
    item = ITEMS[_int(rng, 0, len(ITEMS) - 1)]
    return Task(f"{name} had {a} {item} and gave {b} of them to {other}. How many {item} does {name} have "
                "left?", a - b, "difference")


def _groups(rng: np.random.Generator) -> Task:
    a, b = _int(rng, 2, 12), _int(rng, 2, 15)
    name, _ = _two(rng)
    item, box = ITEMS[_int(rng, 0, len(ITEMS) - 1)], CONTAINERS[_int(rng, 0, len(CONTAINERS) - 1)]
    return Task(f"{name} buys {a} {box} of {item}. Each of the {box} holds {b} {item}. How many {item} does "
                f"{name} buy in all?", a * b, "product")


def _share(rng: np.random.Generator) -> Task:
    each, people = _int(rng, 2, 15), _int(rng, 2, 9)
    name, _ = _two(rng)
    item = ITEMS[_int(rng, 0, len(ITEMS) - 1)]
    return Task(f"{name} shares {each * people} {item} equally among {people} friends. How many {item} does "
                "each friend get?", each, "quotient")


def _change(rng: np.random.Generator) -> Task:
    count, price = _int(rng, 2, 9), _int(rng, 2, 12)
    bill = next(b for b in (20, 50, 100, 200) if b >= count * price)
    name, _ = _two(rng)
    item = ITEMS[_int(rng, 0, len(ITEMS) - 1)]
    return Task(f"{item.capitalize()} cost {price} dollars each. {name} buys {count} of them and pays with a "
                f"{bill}-dollar bill. How many dollars of change does {name} get?", bill - count * price,
                "change")


def _chain(rng: np.random.Generator) -> Task:
    a, b = _int(rng, 10, 60), _int(rng, 2, 30)
    c = _int(rng, 1, a + b - 1)
    name, other = _two(rng)
    item = ITEMS[_int(rng, 0, len(ITEMS) - 1)]
    return Task(f"{name} has {a} {item}. {name} finds {b} more, then gives {c} to {other}. How many {item} "
                f"does {name} have now?", a + b - c, "chain")


def _double_then(rng: np.random.Generator) -> Task:
    a, b = _int(rng, 2, 25), _int(rng, 1, 20)
    name, other = _two(rng)
    item = ITEMS[_int(rng, 0, len(ITEMS) - 1)]
    return Task(f"{other} has {a} {item}. {name} has twice as many {item} as {other}, plus {b}. How many "
                f"{item} does {name} have?", 2 * a + b, "twice-plus")


TEMPLATES: dict[str, Callable[[np.random.Generator], Task]] = {
    "sum": _gain, "difference": _loss, "product": _groups, "quotient": _share, "change": _change,
    "chain": _chain, "twice-plus": _double_then,
}
"""The templates by name: each draws one task from a generator."""


def generate(count: int, seed: int) -> list[Task]:
    """``count`` tasks, templates drawn uniformly, fixed by ``seed`` (the same list on every machine).

    Raises:
        ValueError: ``count`` is negative.
    """
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    rng = np.random.default_rng(seed)
    names = list(TEMPLATES)
    return [TEMPLATES[names[int(rng.integers(len(names)))]](rng) for _ in range(count)]


def splits(seed: int = 0, train: int = 40, validation: int = 30, heldout: int = 60) -> dict[str, list[Task]]:
    """Disjoint ``train``, ``validation`` and ``heldout`` task lists for ``seed``: drawn in one stream, and
    a question seen in an earlier split is drawn again rather than repeated.

    Raises:
        ValueError: a size is negative.
    """
    sizes = {"train": train, "validation": validation, "heldout": heldout}
    bad = {k: v for k, v in sizes.items() if v < 0}
    if bad:
        raise ValueError(f"split sizes must be >= 0, got {bad}")
    rng = np.random.default_rng(seed)
    names, seen = list(TEMPLATES), set()
    out: dict[str, list[Task]] = {}
    for split, size in sizes.items():
        tasks: list[Task] = []
        while len(tasks) < size:
            task = TEMPLATES[names[int(rng.integers(len(names)))]](rng)
            if task.question not in seen:
                seen.add(task.question)
                tasks.append(task)
        out[split] = tasks
    return out


def is_correct(answer: Any, task: Task) -> bool:
    """Whether an agent's answer is the task's answer exactly: the whole number itself (an int, or a float
    or bool-free value equal to it) or text that is that number (spaces, a final full stop and thousands
    separators aside). ``"12 apples"`` or ``"12.5"`` is not ``12``."""
    if isinstance(answer, bool):
        return False
    if isinstance(answer, int | float | np.integer | np.floating):
        return bool(np.isfinite(answer)) and float(answer) == task.answer
    if isinstance(answer, str):
        text = answer.strip().rstrip(".").replace(",", "").strip()
        return text == str(task.answer) or text == f"{task.answer}.0"
    return False


def bootstrap_ci(correct: np.ndarray, draws: int = 2000, level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of the mean of ``correct`` (``(n,)`` of 0/1), resampling the
    tasks ``draws`` times with a fixed seed; ``(nan, nan)`` for no tasks."""
    correct = np.asarray(correct, dtype=float)
    if correct.size == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = correct[rng.integers(0, correct.size, size=(draws, correct.size))].mean(axis=1)
    tail = (1.0 - level) / 2.0
    return float(np.quantile(means, tail)), float(np.quantile(means, 1.0 - tail))


__all__ = ["TEMPLATES", "Task", "bootstrap_ci", "generate", "is_correct", "splits"]
