"""Data sets for symbolic regression and a CSV loader with error messages a scientist can act on.

numpy and the standard library only: the archive and notebooks import this without JAX.
"""

from __future__ import annotations

import csv
import keyword
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Below this a fit and a held-out test mean little; a file this short is more likely a mistake than a data set.
MIN_ROWS = 10


class DataError(ValueError):
    """Bad data files or columns; the message says what is wrong and what to do."""


@dataclass(frozen=True)
class Dataset:
    """A regression data set: named input columns, one target, train and test splits (float64 arrays)."""

    name: str
    inputs: tuple[str, ...]
    target: str
    train: tuple[np.ndarray, np.ndarray]
    test_id: tuple[np.ndarray, np.ndarray]
    test_ood: tuple[np.ndarray, np.ndarray] | None
    description: str = ""

    def __post_init__(self) -> None:
        # Shape mistakes surface later as baffling broadcasting errors inside candidates; catch them here.
        splits = {"train": self.train, "test_id": self.test_id, "test_ood": self.test_ood}
        for split, xy in splits.items():
            if xy is None:
                if split != "test_ood":
                    raise DataError(f"data set {self.name!r}: the {split} split is missing")
                continue
            x, y = xy
            if x.ndim != 2 or x.shape[1] != len(self.inputs) or y.shape != (x.shape[0],):
                raise DataError(
                    f"data set {self.name!r}, {split}: X has shape {x.shape} and y {y.shape}; expected "
                    f"(n, {len(self.inputs)}) for inputs {list(self.inputs)} and (n,)"
                )


def _read_table(path: str | Path) -> tuple[list[str], list[list[str]], list[int]]:
    """Read header and raw rows (strings), with the physical line number of each row for messages."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"data file {path} not found; check the path (it must be a CSV with a header row of names)")
    if path.is_dir():
        raise DataError(f"{path} is a folder, not a CSV file; give the path of the .csv file")
    rows: list[list[str]] = []
    lines: list[int] = []
    header: list[str] | None = None
    header_line = 0
    try:
        # utf-8-sig: spreadsheet programs often write a byte-order mark that would otherwise stick to the first name.
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            for row in reader:
                if not row or all(not field.strip() for field in row):
                    continue  # blank lines (a trailing newline, spacing) carry no data
                if header is None:
                    header = [field.strip() for field in row]
                    header_line = reader.line_num
                    continue
                rows.append(row)
                lines.append(reader.line_num)
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not a UTF-8 text file ({exc.reason}); save it as UTF-8 CSV") from None
    except csv.Error as exc:
        raise DataError(f"{path} is not a readable CSV file: {exc}") from None
    if header is None:
        raise DataError(
            f"{path} is empty; it needs a header row of column names (e.g. `x,v,a`) followed by rows of numbers"
        )
    _check_header(path, header, header_line)
    if not rows:
        raise DataError(f"{path} has a header ({','.join(header)}) but no data rows; add rows of numbers below it")
    for row, line in zip(rows, lines, strict=True):
        if len(row) != len(header):
            raise DataError(
                f"{path}, line {line}: {len(row)} fields but the header has {len(header)} columns "
                f"({','.join(header)}); every row needs one value per column, separated by commas"
            )
    if len(rows) < MIN_ROWS:
        raise DataError(
            f"{path} has only {len(rows)} data rows; at least {MIN_ROWS} are needed to fit and test a formula"
        )
    return header, rows, lines


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_header(path: Path, header: list[str], line: int) -> None:
    if len(header) < 2:
        hint = ""
        if any(sep in header[0] for sep in (";", "\t", "|")):
            hint = " (it looks separated by ';', tab or '|'; the file must be comma-separated)"
        raise DataError(
            f"{path}, line {line}: the header has a single column {header[0]!r}{hint}; it needs at least one input "
            "column and one target column, e.g. `x,v,a`"
        )
    if all(_is_number(name) for name in header):
        raise DataError(
            f"{path}, line {line}: the first row is numbers ({','.join(header)}), not column names; "
            "add a header row naming each column, e.g. `x,v,a`"
        )
    for i, name in enumerate(header, start=1):
        if not name:
            raise DataError(f"{path}, line {line}: column {i} has an empty name; give every column a name")
    dupes = sorted(name for name, count in Counter(header).items() if count > 1)
    if dupes:
        raise DataError(
            f"{path}, line {line}: duplicate column names {dupes} in the header ({','.join(header)}); "
            "rename them so that every column has its own name"
        )


def _resolve_columns(
    path: Path, header: list[str], target: str | None, inputs: Sequence[str] | None
) -> tuple[tuple[str, ...], str]:
    """Pick target (default: last column) and inputs (default: every other column, in file order)."""
    if isinstance(inputs, str):
        raise DataError(f"inputs must be a list of column names, not the string {inputs!r}")
    columns = ", ".join(header)
    if target is None:
        target = header[-1]
    elif target not in header:
        raise DataError(f"target column {target!r} is not in {path}; its columns are: {columns}")
    if inputs is None:
        chosen = tuple(name for name in header if name != target)
    else:
        chosen = tuple(inputs)
        missing = [name for name in chosen if name not in header]
        if missing:
            raise DataError(f"input column(s) {missing} not in {path}; its columns are: {columns}")
        if not chosen:
            raise DataError(f"no input columns chosen for {path}; name at least one of: {columns}")
        if len(set(chosen)) != len(chosen):
            raise DataError(f"input columns {list(chosen)} name a column more than once; list each once")
        if target in chosen:
            raise DataError(f"column {target!r} is both the target and an input; drop it from the inputs")
    return chosen, target


def _to_array(
    path: Path, header: list[str], rows: list[list[str]], lines: list[int], names: Sequence[str]
) -> np.ndarray:
    """Parse the named columns only, so that unused text columns (ids, notes) do no harm."""
    index = [header.index(name) for name in names]
    out = np.empty((len(rows), len(index)), dtype=np.float64)
    for r, (row, line) in enumerate(zip(rows, lines, strict=True)):
        for c, (i, name) in enumerate(zip(index, names, strict=True)):
            text = row[i].strip()
            try:
                value = float(text)
            except ValueError:
                shown = repr(text) if text else "an empty value"
                raise DataError(
                    f"{path}, line {line}, column {name!r}: {shown} is not a number; "
                    "every used column must hold plain numbers (e.g. 1.5, -2e-3)"
                ) from None
            if not math.isfinite(value):
                raise DataError(
                    f"{path}, line {line}, column {name!r}: the value {text!r} is not finite; "
                    "remove or fill the rows with nan/inf before fitting"
                )
            out[r, c] = value
    return out


def read_csv(
    path: str | Path, target: str | None = None, inputs: Sequence[str] | None = None
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], str]:
    """Read a CSV with a header row of names. target defaults to the last column, inputs to all other columns.

    Returns X (n, d) float64, y (n,) float64, the input names and the target name. Columns not used need not be
    numeric. Raises :class:`DataError` with the file, line and column for anything wrong.
    """
    path = Path(path)
    header, rows, lines = _read_table(path)
    names, target = _resolve_columns(path, header, target, inputs)
    data = _to_array(path, header, rows, lines, (*names, target))
    return data[:, :-1].copy(), data[:, -1].copy(), names, target


def _check_identifiers(where: str, names: Sequence[str]) -> None:
    # Input names become the formula's argument names, so they must be valid Python parameter names.
    bad = [name for name in names if not name.isidentifier() or keyword.iskeyword(name)]
    if bad:
        raise DataError(
            f"{where}: column name(s) {bad} cannot be formula arguments (they must be Python names: letters, digits "
            "and underscores, not starting with a digit, not a keyword); rename them in the header, e.g. `temp_C`"
        )


def load_split_folder(
    folder: str | Path,
    name: str,
    *,
    target: str | None = None,
    inputs: Sequence[str] | None = None,
    description: str = "",
    option: str = "data_dir",
) -> Dataset:
    """A folder holding train.csv, test_id.csv and (optionally) test_ood.csv with the same columns.

    Target and inputs are resolved on train.csv (defaults: last column, all others); the test files must have
    the same column names (their order may differ). ``option`` is the problem option that names the folder, quoted
    in the message when the folder is missing.
    """
    folder = Path(folder)
    usage = f"set the problem option {option}=/path/to/folder (e.g. `evolve run symbolic.{name} -o {option}=/path`)"
    if not folder.exists():
        raise DataError(f"data folder {folder} for {name!r} does not exist; {usage}")
    if not folder.is_dir():
        raise DataError(
            f"{folder} is a file, but {name!r} needs a folder holding train.csv, test_id.csv and optionally "
            f"test_ood.csv; {usage}"
        )
    for required in ("train.csv", "test_id.csv"):
        if not (folder / required).is_file():
            present = sorted(p.name for p in folder.iterdir() if p.suffix == ".csv")
            raise DataError(
                f"{folder / required} not found; the folder {option}={folder} must hold train.csv and test_id.csv "
                f"(and optionally test_ood.csv); CSV files there: {present or 'none'}"
            )
    train_path = folder / "train.csv"
    header, rows, lines = _read_table(train_path)
    names, target = _resolve_columns(train_path, header, target, inputs)
    _check_identifiers(str(train_path), names)

    def split(path: Path, table: tuple[list[str], list[list[str]], list[int]]) -> tuple[np.ndarray, np.ndarray]:
        head, body, nums = table
        if set(head) != set(header):
            missing = [c for c in header if c not in head]
            extra = [c for c in head if c not in header]
            raise DataError(
                f"{path} has columns ({','.join(head)}) but {train_path} has ({','.join(header)}): "
                f"missing {missing}, extra {extra}; all files of a folder must have the same columns"
            )
        data = _to_array(path, head, body, nums, (*names, target))
        return data[:, :-1].copy(), data[:, -1].copy()

    train = split(train_path, (header, rows, lines))
    test_id = split(folder / "test_id.csv", _read_table(folder / "test_id.csv"))
    ood_path = folder / "test_ood.csv"
    test_ood = split(ood_path, _read_table(ood_path)) if ood_path.exists() else None
    return Dataset(name, names, target, train, test_id, test_ood, description)


def load_single_csv(
    path: str | Path,
    *,
    target: str | None = None,
    inputs: Sequence[str] | None = None,
    test_fraction: float = 0.2,
    seed: int = 0,
    description: str = "",
    name: str | None = None,
) -> Dataset:
    """One CSV: rows are split at random (seeded) into train and in-domain test; no OOD set.

    Each split keeps the file's row order. ``name`` defaults to the file's stem.
    """
    if not 0.0 < test_fraction < 1.0:
        raise DataError(f"test_fraction must be between 0 and 1 (exclusive), got {test_fraction}")
    path = Path(path)
    x, y, names, target = read_csv(path, target, inputs)
    _check_identifiers(str(path), names)
    n = len(y)
    n_test = min(n - 1, max(1, round(n * test_fraction)))
    order = np.random.default_rng(seed).permutation(n)
    test_idx, train_idx = np.sort(order[:n_test]), np.sort(order[n_test:])
    return Dataset(
        name if name is not None else path.stem,
        names,
        target,
        (x[train_idx], y[train_idx]),
        (x[test_idx], y[test_idx]),
        None,
        description,
    )
