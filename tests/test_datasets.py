"""The bundled datasets: each loads with the shape it has in R."""

from __future__ import annotations

import pandas as pd
import pytest

import rglm

# (rows, columns) as in R (MASS or datasets); None where the column count is rglm's own choice.
SHAPES: dict[str, tuple[int, int | None]] = {
    "airquality": (153, 6),
    "birthwt": (189, 10),
    "budworm": (12, None),
    "clotting": (9, 3),
    "dobson": (9, 3),
    "endometrial": (79, 4),
    "esoph": (88, 5),
    "infert": (248, 8),
    "insectsprays": (72, 2),
    "insurance": (64, 5),
    "mtcars": (32, None),
    "quine": (146, 5),
    "ships": (34, 5),
    "titanic": (32, 5),
    "trees": (31, 3),
    "warpbreaks": (54, 3),
}

COLUMNS: dict[str, list[str]] = {
    "airquality": ["Ozone", "Solar.R", "Wind", "Temp", "Month", "Day"],
    "budworm": ["ldose", "numdead", "sex"],
    "clotting": ["u", "lot1", "lot2"],
    "dobson": ["counts", "outcome", "treatment"],
    "endometrial": ["NV", "PI", "EH", "HG"],
    "esoph": ["agegp", "alcgp", "tobgp", "ncases", "ncontrols"],
    "insectsprays": ["count", "spray"],
    "insurance": ["District", "Group", "Age", "Holders", "Claims"],
    "mtcars": ["mpg", "cyl", "disp", "hp", "drat", "wt", "qsec", "vs", "am", "gear", "carb"],
    "quine": ["Eth", "Sex", "Age", "Lrn", "Days"],
    "ships": ["type", "year", "period", "service", "incidents"],
    "trees": ["Girth", "Height", "Volume"],
    "warpbreaks": ["breaks", "wool", "tension"],
}


def test_names_lists_all() -> None:
    assert sorted(rglm.datasets.names()) == sorted(SHAPES)
    assert set(rglm.datasets.DESCRIPTIONS) == set(SHAPES)
    assert all(rglm.datasets.DESCRIPTIONS[n].strip() for n in SHAPES)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_loads_with_r_shape(name: str) -> None:
    df = rglm.datasets.load(name)
    assert isinstance(df, pd.DataFrame)
    rows, cols = SHAPES[name]
    assert df.shape[0] == rows
    if cols is not None:
        assert df.shape[1] == cols
    for col in COLUMNS.get(name, []):
        assert col in df.columns, col


def test_load_returns_a_new_frame() -> None:
    a = rglm.datasets.load("dobson")
    a.loc[0, "counts"] = -1
    assert rglm.datasets.load("dobson").loc[0, "counts"] == 18


def test_load_is_case_insensitive() -> None:
    assert rglm.datasets.load("InsectSprays").shape == (72, 2)


def test_airquality_has_missing_ozone() -> None:
    df = rglm.datasets.load("airquality")
    assert df["Ozone"].isna().sum() == 37
    assert df["Solar.R"].isna().sum() == 7
    assert df["Wind"].notna().all()


def test_known_values() -> None:
    assert rglm.datasets.load("dobson")["counts"].tolist() == [18, 17, 15, 20, 10, 20, 25, 13, 12]
    bud = rglm.datasets.load("budworm")
    assert (bud["numdead"] + bud["numalive"] == 20).all()
    assert sorted(bud["sex"].unique()) == ["F", "M"]
    assert (rglm.datasets.load("ships")["service"] > 0).all()
    assert rglm.datasets.load("titanic")["Freq"].sum() == 2201
    assert rglm.datasets.load("warpbreaks")["breaks"].sum() == 1520
    assert rglm.datasets.load("insectsprays")["spray"].nunique() == 6
    esoph = rglm.datasets.load("esoph")
    assert esoph["ncases"].sum() == 200
    mtcars = rglm.datasets.load("mtcars")
    assert mtcars["mpg"].sum() == pytest.approx(642.9)
    assert (mtcars["wt2"] == 2 * mtcars["wt"]).all()


def test_unknown_name_raises_value_error_naming_available() -> None:
    with pytest.raises(ValueError) as info:
        rglm.datasets.load("nonesuch")
    msg = str(info.value)
    assert "nonesuch" in msg
    for name in rglm.datasets.names():
        assert name in msg
