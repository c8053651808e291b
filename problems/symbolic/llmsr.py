"""The four scientific equation-discovery data sets of LLM-SR (Shojaee et al., 2024).

The CSVs are not part of this repository: they are read from ``DEFAULT_DATA_DIR`` (``../shared/data/llmsr``
from the project root), or from the folder given as ``data_dir``, which holds one sub-folder per set with
``train.csv``, ``test_id.csv`` and ``test_ood.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from problems.symbolic.data import DataError, Dataset, load_split_folder

# parents[2] is the project root (problems/symbolic/llmsr.py); the shared data sits beside it.
DEFAULT_DATA_DIR: Path = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "llmsr"


@dataclass(frozen=True)
class SetInfo:
    """What one LLM-SR set is: its columns, a description for the LLM, and LLM-SR's published NMSE."""

    target: str
    inputs: tuple[str, ...]
    description: str
    # NMSE = mean((y - yhat)**2) / var(y) of LLM-SR (GPT-3.5) on the in-domain ("id") and out-of-domain ("ood")
    # test sets. The paper reports oscillator1/2 in-domain as "<1e-6": stored as 1e-6, an upper bound.
    published: dict[str, float] = field(default_factory=dict)


SETS: dict[str, SetInfo] = {
    "oscillator1": SetInfo(
        target="a",
        inputs=("x", "v"),
        description=(
            "A nonlinear damped oscillator (a simulated one-dimensional mechanical system). "
            "a is the acceleration of the body, to be written as a function of its position x and its velocity v "
            "(consistent simulation units). The restoring and damping forces need not be linear in x and v. "
            "Training and in-domain test points lie on part of the trajectory; the out-of-domain test covers "
            "positions and velocities beyond that range."
        ),
        published={"id": 1e-6, "ood": 5e-4},
    ),
    "oscillator2": SetInfo(
        target="a",
        inputs=("t", "x", "v"),
        description=(
            "A nonlinear damped oscillator driven by a time-dependent external force (simulated, one-dimensional). "
            "a is the acceleration of the body, to be written as a function of the time t, its position x and its "
            "velocity v (consistent simulation units); the driving force enters through t. "
            "Training and in-domain test points cover times 30 to 50; the out-of-domain test covers times 0 to 20."
        ),
        published={"id": 1e-6, "ood": 3.81e-5},
    ),
    "bactgrow": SetInfo(
        target="db",
        inputs=("b", "s", "temp", "pH"),
        description=(
            "The growth rate of an E. coli bacterial population. db is the growth rate, to be written as a "
            "function of the population density b, the substrate (nutrient) concentration s, the temperature "
            "temp in degrees Celsius and the acidity pH. Growth typically saturates with substrate and has an "
            "optimum in temperature and in pH. Training and in-domain test cover b and s in 1-5, temp 1-40 and "
            "pH 2-12; the out-of-domain test extends to b and s up to 10, temp up to 60 and pH 1-14."
        ),
        published={"id": 0.0214, "ood": 0.0264},
    ),
    "stressstrain": SetInfo(
        target="stress",
        inputs=("strain", "temp"),
        description=(
            "Measured tensile stress of aluminium alloy 6061-T651 as a function of strain and temperature, "
            "through the elastic and plastic regions (experimental data, so with noise). strain and stress are in "
            "scaled, dimensionless units (about 0 to 1); temp is the test temperature in degrees Celsius divided "
            "by 300 (0.0667 = 20 C, 1.0 = 300 C). Training and in-domain test hold the curves at 20, 100, 150, 250 "
            "and 300 C; the out-of-domain test is the curve at 200 C."
        ),
        published={"id": 0.0210, "ood": 0.0516},
    ),
}


def load(name: str, data_dir: str | Path | None = None) -> Dataset:
    """Load one LLM-SR set (train, in-domain and out-of-domain test) from ``data_dir`` (default: the shared copy).

    ``data_dir`` is the folder that holds the set folders (``oscillator1/`` ...), not a set folder itself.
    """
    if name not in SETS:
        raise DataError(f"unknown LLM-SR data set {name!r}; choose one of: {', '.join(SETS)}")
    info = SETS[name]
    root = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    folder = root / name
    if not folder.is_dir():
        where = "the default folder" if data_dir is None else "the folder data_dir"
        raise DataError(
            f"LLM-SR data for {name!r} not found: {folder} does not exist ({where} is {root}). Set the problem "
            f"option data_dir to the folder that holds {', '.join(f'{n}/' for n in SETS)} (each with train.csv, "
            f"test_id.csv, test_ood.csv), e.g. `evolve run symbolic.{name} -o data_dir=/path/to/llmsr`"
        )
    return load_split_folder(
        folder, name, target=info.target, inputs=info.inputs, description=info.description, option="data_dir"
    )
