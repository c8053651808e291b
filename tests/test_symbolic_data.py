"""The symbolic-regression data layer: CSV loading and its error messages, LLM-SR sets, Feynman equations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from problems.symbolic import feynman, llmsr
from problems.symbolic.data import (
    MIN_ROWS,
    DataError,
    Dataset,
    load_single_csv,
    load_split_folder,
    read_csv,
)


def write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def good_rows(n: int = 20, offset: float = 0.0) -> list[str]:
    return [f"{i + offset},{2 * i},{i * 0.5 + 1}" for i in range(n)]


# ---------------------------------------------------------------- read_csv: good files


def test_read_csv_round_trip_defaults(tmp_path):
    path = write(tmp_path / "d.csv", "x,v,a", good_rows())
    x, y, inputs, target = read_csv(path)
    assert inputs == ("x", "v") and target == "a"
    assert x.dtype == np.float64 and y.dtype == np.float64
    assert x.shape == (20, 2) and y.shape == (20,)
    np.testing.assert_array_equal(x[:, 0], np.arange(20.0))
    np.testing.assert_array_equal(x[:, 1], 2 * np.arange(20.0))
    np.testing.assert_array_equal(y, np.arange(20.0) * 0.5 + 1)


def test_read_csv_chosen_target_and_input_order(tmp_path):
    path = write(tmp_path / "d.csv", "x,v,a", good_rows())
    x, y, inputs, target = read_csv(path, target="x", inputs=["a", "v"])
    assert inputs == ("a", "v") and target == "x"
    np.testing.assert_array_equal(x[:, 0], np.arange(20.0) * 0.5 + 1)
    np.testing.assert_array_equal(x[:, 1], 2 * np.arange(20.0))
    np.testing.assert_array_equal(y, np.arange(20.0))
    # Only the target given: the inputs are all the other columns, in file order.
    _, _, inputs, _ = read_csv(path, target="v")
    assert inputs == ("x", "a")


def test_read_csv_tolerates_spaces_bom_blank_lines_and_unused_text_columns(tmp_path):
    rows = [f" {i} , sample{i} , {i * 3} " for i in range(12)]
    path = tmp_path / "d.csv"
    path.write_text("\ufeff x , note , y \n" + "\n".join(rows) + "\n\n\n", encoding="utf-8")
    x, y, inputs, target = read_csv(path, inputs=["x"])
    assert inputs == ("x",) and target == "y"
    np.testing.assert_array_equal(y, 3 * np.arange(12.0))


# ---------------------------------------------------------------- read_csv: errors


def error(func, *args, **kwargs) -> str:
    with pytest.raises(DataError) as info:
        func(*args, **kwargs)
    return str(info.value)


def test_missing_file(tmp_path):
    msg = error(read_csv, tmp_path / "nope.csv")
    assert "nope.csv" in msg and "not found" in msg


def test_empty_file_and_header_only(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    msg = error(read_csv, empty)
    assert "empty.csv" in msg and "empty" in msg and "header" in msg
    header_only = write(tmp_path / "head.csv", "x,y", [])
    msg = error(read_csv, header_only)
    assert "head.csv" in msg and "no data rows" in msg


def test_unknown_target_and_input_list_the_columns(tmp_path):
    path = write(tmp_path / "d.csv", "x,v,a", good_rows())
    msg = error(read_csv, path, target="acc")
    assert "'acc'" in msg and "d.csv" in msg and "x, v, a" in msg
    msg = error(read_csv, path, inputs=["x", "speed"])
    assert "speed" in msg and "x, v, a" in msg


def test_bad_input_choices(tmp_path):
    path = write(tmp_path / "d.csv", "x,v,a", good_rows())
    assert "both the target and an input" in error(read_csv, path, target="a", inputs=["x", "a"])
    assert "more than once" in error(read_csv, path, inputs=["x", "x"])
    assert "at least one" in error(read_csv, path, inputs=[])
    assert "list of column names" in error(read_csv, path, inputs="x")


def test_duplicate_column_names(tmp_path):
    path = write(tmp_path / "d.csv", "x,x,a", good_rows())
    msg = error(read_csv, path)
    assert "duplicate" in msg and "'x'" in msg and "line 1" in msg


def test_non_numeric_value_names_file_line_column_value(tmp_path):
    rows = good_rows()
    rows[4] = "4,eight,3"
    path = write(tmp_path / "d.csv", "x,v,a", rows)
    msg = error(read_csv, path)
    # Line 6: the header is line 1, so row index 4 is line 6.
    assert "d.csv" in msg and "line 6" in msg and "'v'" in msg and "'eight'" in msg and "not a number" in msg
    rows[4] = "4,,3"
    msg = error(read_csv, write(path, "x,v,a", rows))
    assert "line 6" in msg and "empty value" in msg


def test_wrong_number_of_fields(tmp_path):
    rows = good_rows()
    rows[2] = "1,2"
    msg = error(read_csv, write(tmp_path / "d.csv", "x,v,a", rows))
    assert "d.csv" in msg and "line 4" in msg and "2 fields" in msg and "3 columns" in msg


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf", "NaN"])
def test_non_finite_values(tmp_path, bad):
    rows = good_rows()
    rows[9] = f"1,2,{bad}"
    msg = error(read_csv, write(tmp_path / "d.csv", "x,v,a", rows))
    assert "line 11" in msg and "'a'" in msg and "not finite" in msg and bad in msg


def test_too_few_rows(tmp_path):
    msg = error(read_csv, write(tmp_path / "d.csv", "x,v,a", good_rows(MIN_ROWS - 1)))
    assert f"only {MIN_ROWS - 1} data rows" in msg and str(MIN_ROWS) in msg
    read_csv(write(tmp_path / "ok.csv", "x,v,a", good_rows(MIN_ROWS)))


def test_header_mistakes(tmp_path):
    msg = error(read_csv, write(tmp_path / "semi.csv", "x;v;a", [r.replace(",", ";") for r in good_rows()]))
    assert "single column" in msg and "comma-separated" in msg
    msg = error(read_csv, write(tmp_path / "nohead.csv", "0,1,2", good_rows()))
    assert "header row" in msg and "line 1" in msg
    msg = error(read_csv, write(tmp_path / "blank.csv", "x,,a", good_rows()))
    assert "column 2" in msg and "empty name" in msg


def test_folder_instead_of_file(tmp_path):
    assert "is a folder" in error(read_csv, tmp_path)


# ---------------------------------------------------------------- load_split_folder


def make_folder(root: Path, ood: bool = True) -> Path:
    root.mkdir(exist_ok=True)
    write(root / "train.csv", "x,v,a", good_rows(30))
    write(root / "test_id.csv", "x,v,a", good_rows(15, 100))
    if ood:
        write(root / "test_ood.csv", "a,v,x", [",".join(r.split(",")[::-1]) for r in good_rows(12, 500)])
    return root


def test_split_folder_loads_all_three(tmp_path):
    ds = load_split_folder(make_folder(tmp_path / "set"), "mine", description="demo")
    assert isinstance(ds, Dataset)
    assert ds.name == "mine" and ds.inputs == ("x", "v") and ds.target == "a" and ds.description == "demo"
    assert ds.train[0].shape == (30, 2) and ds.test_id[0].shape == (15, 2)
    assert ds.test_ood is not None and ds.test_ood[0].shape == (12, 2)
    # test_ood.csv lists its columns in another order: they are matched by name.
    np.testing.assert_array_equal(ds.test_ood[0][:, 0], np.arange(12.0) + 500)
    np.testing.assert_array_equal(ds.test_ood[1], np.arange(12.0) * 0.5 + 1)


def test_split_folder_without_ood(tmp_path):
    ds = load_split_folder(make_folder(tmp_path / "set", ood=False), "mine", target="x")
    assert ds.test_ood is None and ds.inputs == ("v", "a")


def test_split_folder_missing_names_option(tmp_path):
    msg = error(load_split_folder, tmp_path / "absent", "oscillator1", option="data_dir")
    assert "absent" in msg and "data_dir=" in msg and "evolve run symbolic.oscillator1 -o data_dir=" in msg
    msg = error(load_split_folder, tmp_path / "absent", "mine", option="folder")
    assert "folder=" in msg


def test_split_folder_missing_train_file(tmp_path):
    folder = make_folder(tmp_path / "set")
    (folder / "train.csv").unlink()
    msg = error(load_split_folder, folder, "mine")
    assert "train.csv" in msg and "test_id.csv" in msg


def test_split_folder_columns_differ(tmp_path):
    folder = make_folder(tmp_path / "set")
    write(folder / "test_id.csv", "x,w,a", good_rows(15))
    msg = error(load_split_folder, folder, "mine")
    assert "test_id.csv" in msg and "train.csv" in msg and "'v'" in msg and "'w'" in msg


def test_split_folder_bad_value_in_test_file(tmp_path):
    folder = make_folder(tmp_path / "set")
    rows = good_rows(12, 500)
    rows[0] = "1,2,oops"
    write(folder / "test_ood.csv", "x,v,a", rows)
    msg = error(load_split_folder, folder, "mine")
    assert "test_ood.csv" in msg and "line 2" in msg and "'oops'" in msg


def test_input_names_must_be_python_names(tmp_path):
    folder = tmp_path / "set"
    folder.mkdir()
    for f in ("train.csv", "test_id.csv"):
        write(folder / f, "temp (C),v,a", good_rows())
    msg = error(load_split_folder, folder, "mine")
    assert "temp (C)" in msg and "rename" in msg


# ---------------------------------------------------------------- load_single_csv


def test_single_csv_split_sizes_and_determinism(tmp_path):
    path = write(tmp_path / "obs.csv", "x,v,a", good_rows(100))
    ds = load_single_csv(path, test_fraction=0.25, seed=3)
    assert ds.name == "obs" and ds.test_ood is None
    assert len(ds.train[1]) == 75 and len(ds.test_id[1]) == 25
    # Every row lands in exactly one split.
    both = np.sort(np.concatenate([ds.train[0][:, 0], ds.test_id[0][:, 0]]))
    np.testing.assert_array_equal(both, np.arange(100.0))
    again = load_single_csv(path, test_fraction=0.25, seed=3)
    np.testing.assert_array_equal(ds.test_id[0], again.test_id[0])
    other = load_single_csv(path, test_fraction=0.25, seed=4)
    assert not np.array_equal(ds.test_id[0], other.test_id[0])
    assert load_single_csv(path, name="custom").name == "custom"
    assert len(load_single_csv(path).test_id[1]) == 20


def test_single_csv_bad_fraction(tmp_path):
    path = write(tmp_path / "obs.csv", "x,v,a", good_rows())
    assert "test_fraction" in error(load_single_csv, path, test_fraction=1.0)


# ---------------------------------------------------------------- LLM-SR sets

needs_llmsr = pytest.mark.skipif(not llmsr.DEFAULT_DATA_DIR.is_dir(), reason="LLM-SR data not in ../shared/data")


@needs_llmsr
@pytest.mark.parametrize(
    "name, rows",
    [
        ("oscillator1", (10000, 10000, 10000)),
        ("oscillator2", (10000, 10000, 10000)),
        ("bactgrow", (7500, 2500, 15000)),
        ("stressstrain", (2161, 1442, 738)),
    ],
)
def test_llmsr_sets_load(name, rows):
    ds = llmsr.load(name)
    info = llmsr.SETS[name]
    assert ds.name == name and ds.inputs == info.inputs and ds.target == info.target
    assert ds.description == info.description and len(info.description) > 100
    assert ds.test_ood is not None
    for (x, y), n in zip((ds.train, ds.test_id, ds.test_ood), rows, strict=True):
        assert x.shape == (n, len(info.inputs)) and y.shape == (n,) and x.dtype == np.float64
        assert np.isfinite(x).all() and np.isfinite(y).all()
    assert set(info.published) == {"id", "ood"}


def test_llmsr_default_dir_is_beside_the_project():
    root = Path(__file__).resolve().parents[1]
    assert llmsr.DEFAULT_DATA_DIR == root.parent / "shared" / "data" / "llmsr"


def test_llmsr_missing_data_dir(tmp_path):
    msg = error(llmsr.load, "bactgrow", data_dir=tmp_path / "nowhere")
    assert "data_dir" in msg and "nowhere" in msg and "bactgrow" in msg
    assert "unknown" in error(llmsr.load, "oscillator3")


def test_llmsr_own_copy(tmp_path):
    # A user's copy with the documented columns loads; one with other column names says which are there.
    make_folder(tmp_path / "oscillator1")
    assert llmsr.load("oscillator1", data_dir=tmp_path).train[0].shape == (30, 2)
    folder = tmp_path / "oscillator1"
    for f in ("train.csv", "test_id.csv", "test_ood.csv"):
        write(folder / f, "pos,v,a", good_rows())
    msg = error(llmsr.load, "oscillator1", data_dir=tmp_path)
    assert "train.csv" in msg and "['x']" in msg and "pos, v, a" in msg


# ---------------------------------------------------------------- Feynman equations


@pytest.mark.parametrize("name", sorted(feynman.EQUATIONS))
def test_feynman_generates_finite_data(name):
    eq = feynman.EQUATIONS[name]
    ds = feynman.generate(name, n_train=300, n_test=200, seed=1)
    d = len(eq.inputs)
    assert ds.inputs == eq.inputs and ds.target == eq.target and ds.description == eq.description
    assert ds.test_ood is not None
    for (x, y), n in zip((ds.train, ds.test_id, ds.test_ood), (300, 200, 200), strict=True):
        assert x.shape == (n, d) and y.shape == (n,) and x.dtype == np.float64 and y.dtype == np.float64
        assert np.isfinite(x).all() and np.isfinite(y).all()
        np.testing.assert_array_equal(y, eq.fn(*x.T))
    lo, hi = np.array(eq.id_range, dtype=float).T
    olo, ohi = np.array(eq.ood_range, dtype=float).T
    for x, _ in (ds.train, ds.test_id):
        assert ((x >= lo) & (x <= hi)).all()
    x_ood = ds.test_ood[0]
    assert ((x_ood >= olo) & (x_ood <= ohi)).all()
    assert ((x_ood < lo) | (x_ood > hi)).any(axis=1).all(), "every OOD point is outside the in-domain box"


@pytest.mark.parametrize("name", sorted(feynman.EQUATIONS))
def test_feynman_finite_over_the_whole_ranges(name):
    # Corners are where divisions, square roots and exponentials break first; add dense random points too.
    eq = feynman.EQUATIONS[name]
    rng = np.random.default_rng(0)
    for ranges in (eq.id_range, eq.ood_range):
        lo, hi = np.array(ranges, dtype=float).T
        corners = np.array(np.meshgrid(*[(a, b) for a, b in ranges])).reshape(len(ranges), -1).T
        x = np.concatenate([corners, rng.uniform(lo, hi, size=(20000, len(ranges)))])
        with np.errstate(all="ignore"):
            y = eq.fn(*x.T)
        assert np.isfinite(y).all(), f"{name}: non-finite on {ranges}"


@pytest.mark.parametrize("name", sorted(feynman.EQUATIONS))
def test_feynman_formula_text_matches_fn(name):
    # The formula string is what an exact recovery is compared with, so it must compute what fn computes.
    eq = feynman.EQUATIONS[name]
    lhs, rhs = (s.strip() for s in eq.formula.split("=", 1))
    assert lhs == eq.target
    x = feynman.generate(name, n_train=50, n_test=10).train[0]
    env = {"exp": np.exp, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos, "tanh": np.tanh, "pi": np.pi}
    env.update(zip(eq.inputs, x.T, strict=True))
    np.testing.assert_allclose(eval(rhs, {"__builtins__": {}}, env), eq.fn(*x.T), rtol=1e-12)


def test_feynman_deterministic_by_seed():
    a = feynman.generate("I.12.11", n_train=100, n_test=50, seed=7)
    b = feynman.generate("I.12.11", n_train=100, n_test=50, seed=7)
    c = feynman.generate("I.12.11", n_train=100, n_test=50, seed=8)
    for split in ("train", "test_id", "test_ood"):
        np.testing.assert_array_equal(getattr(a, split)[0], getattr(b, split)[0])
        assert not np.array_equal(getattr(a, split)[0], getattr(c, split)[0])
    # Independent streams: more training points leave the test points unchanged.
    d = feynman.generate("I.12.11", n_train=500, n_test=50, seed=7)
    np.testing.assert_array_equal(a.test_id[0], d.test_id[0])
    np.testing.assert_array_equal(a.test_ood[0], d.test_ood[0])


def test_feynman_coverage():
    eqs = feynman.EQUATIONS.values()
    assert len(feynman.EQUATIONS) >= 12
    assert {len(eq.inputs) for eq in eqs} == {1, 2, 3, 4, 5}
    text = " ".join(eq.formula for eq in eqs)
    for func in ("exp(", "sqrt(", "sin(", "cos("):
        assert func in text
    for eq in eqs:
        assert eq.name not in eq.description and eq.formula.split("=", 1)[1].strip() not in eq.description


def test_feynman_unknown_name():
    assert "I.6.20a" in error(feynman.generate, "I.99.99")
