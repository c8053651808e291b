"""LLM-SR benchmark: stressstrain (data read from the shared folder, see `problems.symbolic.llmsr`)."""

from __future__ import annotations

from typing import Any

from evolve.problem import Problem
from problems.symbolic._core import dataset_problem
from problems.symbolic.llmsr import load


def make_problem(data_dir: str | None = None, **options: Any) -> Problem:
    """The stressstrain formula problem; ``data_dir`` is the folder holding the LLM-SR data sets."""
    return dataset_problem(load("stressstrain", data_dir), options)
