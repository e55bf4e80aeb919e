"""R's contrast matrices and the names of their columns.

A factor with :math:`k` levels enters a model as its :math:`n \\times k` indicator matrix
:math:`F` times a :math:`k \\times m` coding matrix :math:`C`.  R's coding matrices:

* ``contr.treatment``: the identity without the first column (level 1 is the reference);
  columns named by the other levels;
* ``contr.SAS``: the same with the last level as reference;
* ``contr.sum``: :math:`I_{k-1}` above a row of :math:`-1`; columns numbered;
* ``contr.helmert``: column :math:`j` is :math:`-1` for levels :math:`1..j`, :math:`j` for level
  :math:`j+1`, 0 after; columns numbered;
* ``contr.poly``: orthonormal polynomials in the scores :math:`1..k` (R's ``make.poly``: the QR
  of the Vandermonde matrix of the centred scores, :math:`Q \\operatorname{diag}(R)`, columns
  scaled to unit length, the constant dropped); named ``.L``, ``.Q``, ``.C``, ``^4``, ...

A formulaic contrasts object is used through its public ``get_coding_matrix``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from rglm.exceptions import ArgumentError

FloatArray = npt.NDArray[np.float64]

__all__ = ["CONTRASTS", "Coding", "coding", "contrast_name"]

CONTRASTS = ("contr.treatment", "contr.sum", "contr.helmert", "contr.poly", "contr.SAS")
_SHORT = {
    "treatment": "contr.treatment",
    "sum": "contr.sum",
    "helmert": "contr.helmert",
    "poly": "contr.poly",
    "SAS": "contr.SAS",
}


def contrast_name(spec: Any) -> Any:
    """R's contrast name for ``spec`` (``"sum"``, ``"contr.sum"``), or ``spec`` itself if it is a
    formulaic contrasts object; an unknown name is an error."""
    if isinstance(spec, str):
        name = _SHORT.get(spec, spec)
        if name not in CONTRASTS:
            raise ArgumentError(f"unknown contrasts {spec!r}; use one of {', '.join(CONTRASTS)}")
        return name
    if hasattr(spec, "get_coding_matrix"):
        return spec
    raise ArgumentError(
        "contrasts must be R's name (e.g. 'contr.sum') or a formulaic contrasts object, "
        f"got {type(spec).__name__}"
    )


def _poly(k: int) -> FloatArray:
    scores = np.arange(1.0, k + 1.0)
    y = scores - scores.mean()
    X = np.vander(y, k, increasing=True)
    q, r = np.linalg.qr(X)
    raw = q * np.diag(r)
    return np.asarray(raw / np.sqrt((raw**2).sum(axis=0)), dtype=np.float64)


class Coding:
    """A factor's coding: the matrix and the suffixes of its columns in R's and formulaic's style.

    Attributes
    ----------
    matrix : ndarray, shape (k, m)
    r_suffix, py_suffix : list of str
        Appended to the variable's name: R's (``b``, ``1``, ``.L``) and formulaic's
        (``[T.b]``, ``[S.a]``, ``[.L]``).
    """

    def __init__(self, matrix: FloatArray, r_suffix: list[str], py_suffix: list[str]) -> None:
        self.matrix = matrix
        self.r_suffix = r_suffix
        self.py_suffix = py_suffix


def coding(spec: Any, levels: list[str], full: bool) -> Coding:
    """The coding of a factor with the level names ``levels`` (as R writes them): ``full``
    indicators (R's coding when the factor's margin is absent from the model) or the contrasts
    ``spec``."""
    k = len(levels)
    if full:
        return Coding(np.eye(k), list(levels), [f"[T.{lv}]" for lv in levels])
    numbered = [str(j + 1) for j in range(k - 1)]
    if spec == "contr.treatment":
        return Coding(np.eye(k)[:, 1:], levels[1:], [f"[T.{lv}]" for lv in levels[1:]])
    if spec == "contr.SAS":
        return Coding(np.eye(k)[:, :-1], levels[:-1], [f"[T.{lv}]" for lv in levels[:-1]])
    if spec == "contr.sum":
        m = np.vstack([np.eye(k - 1), -np.ones((1, k - 1))]) if k > 1 else np.zeros((1, 0))
        return Coding(m, numbered, [f"[S.{lv}]" for lv in levels[:-1]])
    if spec == "contr.helmert":
        m = np.zeros((k, k - 1))
        for j in range(k - 1):
            m[: j + 1, j] = -1.0
            m[j + 1, j] = j + 1.0
        return Coding(m, numbered, [f"[H.{lv}]" for lv in levels[1:]])
    if spec == "contr.poly":
        m = _poly(k)[:, 1:] if k > 1 else np.zeros((1, 0))
        names = [".L", ".Q", ".C"][: max(k - 1, 0)] + [f"^{j}" for j in range(4, k)]
        return Coding(m, names, [f"[{n}]" for n in names])
    cm = spec.get_coding_matrix(levels, reduced_rank=True)
    matrix = np.asarray(cm, dtype=np.float64)
    cols = [str(c) for c in getattr(cm, "columns", range(1, matrix.shape[1] + 1))]
    try:
        py = [f"[{c}]" for c in spec.get_coefficient_names(levels, reduced_rank=True)]
    except (AttributeError, TypeError, ValueError):
        py = [f"[{c}]" for c in cols]
    return Coding(matrix, cols, py)
