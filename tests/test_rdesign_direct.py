"""Plain variables evaluated by rglm itself (rglm.frame.direct) against formulaic's evaluation
of the same variables, the path they replace: the same recipe (names, levels, contrasts, term
columns) and bit for bit the same model matrices, in fitting and on new data, and the same
errors."""

from __future__ import annotations

import pickle
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
import pytest

import rglm
from rglm.exceptions import RGLMError
from rglm.frame import direct
from rglm.frame.formula import formula_context
from rglm.frame.model_frame import ModelFrame, build_frame
from rglm.frame.rdesign import RDesign, build_design


@contextmanager
def formulaic_only() -> Iterator[None]:
    """Every variable evaluated by formulaic, as before the direct path."""
    direct.ENABLED = False
    try:
        yield
    finally:
        direct.ENABLED = True


def _frame(n: int = 60, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "y": rng.poisson(2.0, n),
            "x": rng.normal(size=n),
            "k": rng.integers(0, 4, n),
            "k32": rng.integers(1, 4, n).astype(np.int32),
            "u8": rng.integers(0, 3, n).astype(np.uint8),
            "f32": rng.normal(size=n).astype(np.float32),
            "fl": rng.choice([0.5, 1.0, 2.25], n),
            "b": rng.random(n) > 0.4,
            "s": pd.Series(rng.choice(["a", "b", "c"], n), dtype=object),
            "t": pd.Series(rng.choice(["u", "v", "w", "z"], n), dtype="str"),
            "c": pd.Categorical(rng.choice(["lo", "mid", "hi"], n), categories=["mid", "lo", "hi", "unused"]),
            "o": pd.Categorical(rng.choice(["1", "2", "3"], n), categories=["1", "2", "3"], ordered=True),
            "ci": pd.Categorical(rng.integers(0, 3, n)),
            "a b": rng.normal(size=n),
            "g h": pd.Series(rng.choice(["p q", "r"], n), dtype=object),
            "xna": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n)),
            "sna": pd.Series(np.where(rng.random(n) < 0.1, None, rng.choice(["m", "n"], n)), dtype=object),
            "pos": rng.uniform(0.5, 3.0, n),
            # code point order: "Z" < "a" < "ß" < "é" < "中" < "😀"
            "uni": pd.Series(rng.choice(["é", "a", "Z", "ß", "中", "😀"], n), dtype="str"),
            "unio": pd.Series(rng.choice(["é", "a", "Z", "ß", "中", "😀"], n), dtype=object),
            "one": pd.Series(["q"] * n, dtype=object),
            "bt": np.ones(n, dtype=bool),
            "i64": rng.integers(-(2**60), 2**60, n),  # not all exact as float64
            "bn": pd.array(np.where(rng.random(n) < 0.1, None, rng.random(n) > 0.5), dtype="boolean"),
            "sn": pd.array(np.where(rng.random(n) < 0.1, None, rng.choice(["e", "d"], n)), dtype="string"),
            "bo": pd.Series(rng.random(n) > 0.5, dtype=object),
            "mix": pd.Series(rng.choice(np.array(["a", 1, "b", 2.5], dtype=object), n), dtype=object),
            "i64n": pd.array(rng.integers(0, 5, n), dtype="Int64"),
        }
    )
    return df


FORMULAS = [
    "y ~ x + k + k32 + u8 + f32 + fl + b + s + t + c + o + ci + uni + unio",
    "y ~ factor(k) + C(fl) + as.factor(k32) + factor(s) + C(t) + factor(c) + factor(o) + factor(b)",
    "y ~ C(s, sum) + C(t, helmert) + C(k, SAS) + C(c, poly)",
    "y ~ x:s + s",
    "y ~ s:t",
    "y ~ s * t + x:c",
    "y ~ x * c - 1",
    "y ~ 0 + s + t",
    "y ~ -1 + x:s",
    "y ~ b:x + b",
    "y ~ b * s",
    "y ~ o * x + factor(k):s",
    "y ~ `a b` + `g h` + x:`g h`",
    "y ~ log(pos) + s + poly(x, 2) + x",
    "y ~ relevel(s, 'b') + x + ordered(t) + c",
    "y ~ C(s, levels = c('a', 'b')) + x + t",
    "y ~ xna + sna + s",
    "y ~ ci + c + ci:x",
    "y ~ .",
    "y ~ s + C(s) + factor(k):t",
    "y ~ s*t*c",
    "y ~ I(x^2) + factor(k) + ns(pos, df = 3)",
    "y ~ s + offset(log(pos)) + x",
    "y ~ one + x",
    "y ~ bt + x + factor(bt):x",
    "y ~ i64 + x",
    "y ~ bn + sn + bo + mix + i64n",
    "y ~ factor(bn) + C(sn) + factor(bo) + factor(i64n) + x:mix",
]

CONTRASTS: list[dict[str, Any] | None] = [
    None,
    {"s": "contr.sum", "c": "contr.helmert"},
    {"t": "contr.SAS", "o": "contr.treatment", "k": "contr.sum"},
]


def _build(formula: str, data: pd.DataFrame, **kw: Any) -> ModelFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build_frame(formula, data, **kw)


def _same_recipe(a: RDesign, b: RDesign) -> None:
    assert a.r_names == b.r_names
    assert a.py_names == b.py_names
    assert a.factor_levels == b.factor_levels
    for la, lb in zip(a.factor_levels, b.factor_levels, strict=True):
        assert (la is None) == (lb is None)
        if la is not None and lb is not None:
            assert [type(v) for v in la] == [type(v) for v in lb]
    assert a.contrasts.keys() == b.contrasts.keys()
    assert all(str(a.contrasts[k]) == str(b.contrasts[k]) for k in a.contrasts)
    assert a.term_indices.keys() == b.term_indices.keys()
    assert all(np.array_equal(a.term_indices[k], b.term_indices[k]) for k in a.term_indices)
    assert a.codes == b.codes
    assert a.variables == b.variables
    assert a.levels_by_column() == b.levels_by_column()
    assert a.columns_read == b.columns_read
    assert a.variable_indices() == b.variable_indices()
    assert a.transform_state.keys() == b.transform_state.keys()


def _same_frames(new: ModelFrame, old: ModelFrame) -> None:
    _same_recipe(new.spec.rhs_spec, old.spec.rhs_spec)
    assert np.array_equal(np.asarray(new.X), np.asarray(old.X))
    assert np.asarray(new.X).tobytes() == np.asarray(old.X).tobytes()  # the sign of zeros too
    assert new.spec.column_names == old.spec.column_names
    assert dict(new.spec.levels) == dict(old.spec.levels)
    assert new.index.equals(old.index)
    assert np.array_equal(new.y, old.y)
    assert np.array_equal(new.offset, old.offset)


def _new_data(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``df`` in another order, with a missing value, Categoricals with their levels
    in another order and text given as a Categorical."""
    new = df.iloc[[5, 3, 17, 0, 9, 40, 41, 2]].copy()
    new.loc[new.index[1], "x"] = np.nan
    new["c"] = pd.Categorical(new["c"].astype(object), categories=["hi", "lo", "mid"])
    new["s"] = pd.Categorical(new["s"])
    return new


def _same_or_same_error(fn: Callable[[], Any]) -> Any:
    """``fn()`` with the direct path and without: the same result, or the same error."""
    try:
        got = fn()
    except (RGLMError, ValueError, TypeError, KeyError) as exc:
        with formulaic_only(), pytest.raises(type(exc)) as info:
            fn()
        assert str(info.value) == str(exc)
        return None
    with formulaic_only():
        want = fn()
    return got, want


def _design_outcome(frame: ModelFrame, data: pd.DataFrame) -> tuple[str, Any]:
    try:
        return "ok", frame.spec.design(data).tobytes()
    except RGLMError as exc:
        return type(exc).__name__, str(exc)


# (contrasts, names): both namings are compared in every case; ``names`` picks the one shown.
SETTINGS = [(None, "R"), (CONTRASTS[1], "default"), (CONTRASTS[2], "R")]


@pytest.mark.parametrize(("contrasts", "names"), SETTINGS, ids=["plain", "sum-helmert", "sas-sum"])
@pytest.mark.parametrize("formula", FORMULAS)
def test_the_same_design_as_formulaic(formula: str, contrasts: dict[str, Any] | None, names: str) -> None:
    df = _frame()
    kw: dict[str, Any] = {"names": names}
    if contrasts is not None:
        used = {c for c in contrasts if c in formula or formula.endswith(".")}
        kw["contrasts"] = {c: v for c, v in contrasts.items() if c in used} or None
    pair = _same_or_same_error(lambda: _build(formula, df, **kw))
    if pair is None:
        return
    got, want = pair
    _same_frames(got, want)
    new = _new_data(df)
    outcome = _design_outcome(got, new)
    assert outcome == _design_outcome(want, new)
    # the recipe replays on the rows it was learnt from
    rows = df.loc[got.index]
    assert got.spec.design(rows).tobytes() == np.asarray(got.X).tobytes()
    # a saved recipe replays the same
    again = pickle.loads(pickle.dumps(got))
    assert _design_outcome(again, new) == outcome


@pytest.mark.parametrize(
    ("formula", "column", "value"),
    [
        ("y ~ s + x", "s", "zz"),
        ("y ~ t + x", "t", "new"),
        ("y ~ factor(k) + x", "k", 7),
        ("y ~ C(fl, sum)", "fl", 3.5),
        ("y ~ c", "c", "unused"),
        ("y ~ x", "x", "text"),
        ("y ~ x", "x", True),
        ("y ~ s", "s", 1.5),
        ("y ~ b", "b", 1.0),
        ("y ~ x", "x", pd.Categorical([2.5] * 6)),
        ("y ~ x", "x", pd.Categorical([2.5, 1.0] * 3)),
    ],
)
def test_new_data_is_refused_alike(formula: str, column: str, value: Any) -> None:
    df = _frame()
    got, want = _same_or_same_error(lambda: _build(formula, df))
    new = df.iloc[:6].copy()
    if isinstance(new[column].dtype, pd.CategoricalDtype):
        if value not in new[column].cat.categories:
            new[column] = new[column].cat.add_categories([value])
    elif isinstance(value, pd.Categorical):
        new[column] = value
    elif isinstance(value, bool):
        new[column] = np.full(len(new), value)
    else:
        new[column] = new[column].astype(object)
    if not isinstance(value, pd.Categorical):
        new.iloc[2, new.columns.get_loc(column)] = value
    outcome = []
    for frame in (got, want):
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                out = frame.spec.design(new)
            outcome.append(("ok", out.tobytes(), [str(w.message) for w in caught]))
        except Exception as exc:  # noqa: BLE001 - the errors themselves are compared
            outcome.append((type(exc).__name__, str(exc), []))
    assert outcome[0] == outcome[1]


def test_variables_formulaic_cannot_tell_apart_are_an_error_as_before() -> None:
    df = _frame()
    assert _same_or_same_error(lambda: _build("y ~ factor(k) + C(k)", df)) is None


def test_plain_variables_skip_formulaic() -> None:
    df = _frame()
    frame = _build("y ~ x + k + b + s + t + c + o + factor(k32) + C(s, sum)", df)
    design = frame.spec.rhs_spec
    assert design.spec is None
    assert all(d is not None for d in design.direct)
    mixed = _build("y ~ x + log(pos) + s + poly(x, 2)", df).spec.rhs_spec
    assert mixed.spec is not None
    assert [d is None for d in mixed.direct] == [False, True, False, True]
    assert len(mixed.spec.term_indices) == 2


def test_build_design_on_unprepared_data_matches() -> None:
    """build_design alone (as the chunked layout calls it): unused categories kept, missing
    values present."""
    df = _frame()
    df.loc[3, "s"] = None
    terms = _build("y ~ x + s + c + t:b + factor(k)", df).spec.parsed.terms
    assert terms is not None
    sub = df.drop(columns="y")
    got_design, got = build_design(terms, sub, formula_context())
    with formulaic_only():
        want_design, want = build_design(terms, sub, formula_context())
    _same_recipe(got_design, want_design)
    assert got.tobytes() == want.tobytes()


def test_fits_predictions_and_saved_models_agree(tmp_path: Any) -> None:
    df = _frame(200, seed=3)
    formula = "y ~ x + s * t + c + b + factor(k) + o"
    new = _new_data(df)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = rglm.glm(formula, df, family=rglm.Poisson())
        with formulaic_only():
            want = rglm.glm(formula, df, family=rglm.Poisson())
    assert np.asarray(got.params).tobytes() == np.asarray(want.params).tobytes()
    assert str(got.summary()) == str(want.summary())
    p = np.asarray(got.predict(new))
    assert p.tobytes() == np.asarray(want.predict(new)).tobytes()
    path = tmp_path / "m.rglm"
    got.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = rglm.load(path)
    assert np.asarray(loaded.predict(new)).tobytes() == p.tobytes()


def test_a_recipe_saved_without_direct_variables_still_replays() -> None:
    """A pickled recipe of an older rglm (every variable in formulaic's spec, no ``direct``
    attribute, the old plan) is rebuilt on loading."""
    df = _frame()
    with formulaic_only():
        frame = _build("y ~ x + s * t", df)
    design = frame.spec.rhs_spec
    state = dict(design.__dict__)
    state.pop("direct", None)
    state["_plan"] = [[(v, c) for v, c, _ in plan] for plan in state["_plan"]]
    old = RDesign.__new__(RDesign)
    old.__dict__.update(state)
    restored = pickle.loads(pickle.dumps(old))
    assert restored.direct == ()
    new = _new_data(df)
    got = restored.get_model_matrix(new.dropna(), context=formula_context())
    assert got.tobytes() == design.get_model_matrix(new.dropna(), context=formula_context()).tobytes()


def test_chunked_fits_agree() -> None:
    df = _frame(300, seed=5)
    formula = "y ~ x + s + t:x + c + factor(k) + log(pos) + poly(pos, 2)"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = rglm.glm(formula, df, family=rglm.Poisson(), chunksize=70)
        with formulaic_only():
            want = rglm.glm(formula, df, family=rglm.Poisson(), chunksize=70)
    assert np.asarray(got.params).tobytes() == np.asarray(want.params).tobytes()
    assert got.deviance == want.deviance


def test_numbers_for_a_categorical_of_numbers_are_coded_by_value() -> None:
    """A Categorical of numbers in fitting, plain numbers in new data: each value is coded by
    its level, as for text (formulaic's path copied the values into every indicator column)."""
    df = _frame()
    frame = _build("y ~ ci + x", df)
    new = df.iloc[:8].copy()
    want = frame.spec.design(new)
    new["ci"] = new["ci"].astype(np.int64)
    assert frame.spec.design(new).tobytes() == want.tobytes()


def test_text_factorized_by_arrow_matches() -> None:
    """Arrow-backed text of many rows is factorized by Arrow rather than as Python strings."""
    assert direct._ARROW_FROM <= 4000
    df = _frame(4000, seed=7)
    df.loc[5, "t"] = None
    terms = _build("y ~ t + uni + t:x", df).spec.parsed.terms
    assert terms is not None
    got_design, got = build_design(terms, df, formula_context())
    with formulaic_only():
        want_design, want = build_design(terms, df, formula_context())
    _same_recipe(got_design, want_design)
    assert got.tobytes() == want.tobytes()
