"""Your own data: a formula for one column of a CSV file from the others, with its constants fitted.

    evolve run formula -o path=measurements.csv -o target=y -o "inputs=['t', 'x']"

``path`` is one CSV file (split at random into training and in-domain test rows) or a folder holding
``train.csv``, ``test_id.csv`` and optionally ``test_ood.csv`` (out-of-domain test rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evolve.problem import Problem
from problems.symbolic._core import dataset_problem
from problems.symbolic.data import DataError, load_single_csv, load_split_folder


def make_problem(
    path: str | None = None,
    target: str | None = None,
    inputs: Sequence[str] | None = None,
    description: str = "",
    test_fraction: float = 0.2,
    **options: Any,
) -> Problem:
    """A formula problem on a CSV file or a folder of splits.

    Args:
        path: the CSV file, or a folder with train.csv, test_id.csv (and test_ood.csv).
        target: the column to predict (default: the last one).
        inputs: the columns to predict it from (default: all the others), in the formula's argument order.
        description: what the variables are (meaning, units): an LLM needs it to do better than blind search.
        test_fraction: for a single file, the share of rows kept for the in-domain test.
        options: fitting options (``starts``, ``steps``, ``fit_rows``, ``timeout``, ``seed``, ``interpret``).
    """
    if path is None:
        raise DataError("the formula problem needs data: set the problem option path=... (a CSV file with a "
                        "header row, or a folder with train.csv and test_id.csv), e.g. "
                        "`evolve run formula -o path=data.csv -o target=y`")
    where = Path(path).expanduser()
    columns = tuple(inputs) if inputs is not None else None
    if where.is_dir():
        dataset = load_split_folder(where, where.name, target=target, inputs=columns, description=description,
                                    option="path")
    else:
        dataset = load_single_csv(where, target=target, inputs=columns, test_fraction=test_fraction,
                                  description=description, seed=int(options.get("seed", 0)))
    return dataset_problem(dataset, options)
