"""Helpers shared by the tests that hold rglm against R's reference cases.

Every case file is a JSON document with R's figures under ``"r"`` and, under ``"python"``,
how to make the same fit with rglm: formula, family name and arguments, link, and the
``weights``/``offset``/``na_action`` arguments.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

import rglm


def r_key(name: str) -> str:
    """One spelling for R's and formulaic's names of the same coefficient:
    ``(Intercept)``/``Intercept``, ``factor(cyl)6``/``C(cyl)[T.6]``, ``sexM``/``sex[T.M]``."""
    s = name.replace(" ", "").replace("(Intercept)", "Intercept")
    s = re.sub(r"(?:factor|C)\(([\w.]+)\)", r"\1", s)
    s = re.sub(r"\[(?:T\.)?([^\]]*)\]", r"\1", s)
    return s.replace("**", "^").replace("`", "")


def fit_spec(py: dict[str, Any], data: pd.DataFrame) -> rglm.GLMResult:
    """The rglm fit a case's ``"python"`` section describes, on ``data``; warnings are not
    what these tests check, so they are silenced."""
    kwargs = dict(py.get("family_args") or {})
    if py.get("link"):
        kwargs["link"] = py["link"]
    extra = {k: py[k] for k in ("weights", "offset", "na_action") if py.get(k)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rglm.glm(py["formula"], data, family=getattr(rglm, py["family"])(**kwargs), **extra)


def fit_case_file(path: Path) -> tuple[rglm.GLMResult, dict[str, Any]]:
    """Fit a case stored as ``<dir>/cases/<id>.json`` with its data under ``<dir>/``."""
    case = json.loads(path.read_text())
    py = case["python"]
    return fit_spec(py, pd.read_csv(path.parent.parent / py["data"])), case["r"]
