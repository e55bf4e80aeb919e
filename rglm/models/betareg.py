"""Beta regression, R's ``betareg``: the result class and the formula wiring.

:func:`fit_betareg_formula` builds the two-part model frame (:mod:`rglm.frame.parts`), checks
the response, fits by :func:`rglm.fit.betareg.fit_betareg` and returns a
:class:`BetaregResult`; :func:`rglm.betareg` is its entry point.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from rglm.exceptions import ArgumentError, DataError
from rglm.fit.betareg import MEAN_LINKS, PRECISION_LINKS, beta_link, fit_betareg
from rglm.frame.columns import to_frame
from rglm.frame.parts import build_parts_frame
from rglm.models.base import ModelMethods
from rglm.output.betareg import BetaregSummary
from rglm.results.betareg import BetaregStatistics

FloatArray = npt.NDArray[np.float64]

__all__ = ["PREDICT_TYPES", "BetaregResult", "fit_betareg_formula"]

PREDICT_TYPES = ("response", "link", "precision", "variance", "quantile")


class BetaregResult(BetaregStatistics, ModelMethods):
    """A fitted beta regression (see :func:`rglm.betareg`).

    Besides the result core (``params``, ``bse``, ``tvalues``, ``pvalues``, ``cov_params()``,
    ``llf``, ``aic``, ``bic``, ``conf_int``, ``wald_test``, ``lr_test``, ``tidy``, ``glance``,
    ``save``) it has ``pseudo_rsquared``, ``fittedvalues``, ``precision``, ``resid(type)``,
    ``hatvalues()``, ``iterations``, ``converged``, :meth:`predict` and :meth:`summary`.
    """

    def summary(self) -> BetaregSummary:
        """betareg's ``summary()`` (residuals of type ``sweighted2``)."""
        return BetaregSummary.from_result(self)

    def _new_parts(self, newdata: Any) -> tuple[FloatArray, FloatArray, FloatArray]:
        if newdata is None:
            p = self.parts
            return p.eta.copy(), p.mu.copy(), p.phi.copy()
        new = to_frame(newdata)
        X, ox = self.frame.new_design(0, new)
        Z, oz = self.frame.new_design(1, new)
        k = X.shape[1]
        eta = X @ self.fit.coef[:k] + ox
        zeta = Z @ self.fit.coef[k:] + oz
        return eta, self.link.inverse(eta), self.link_phi.inverse(zeta)

    def predict(self, newdata: Any = None, type: str = "response", at: Any = 0.5) -> pd.Series | pd.DataFrame:
        """Predictions as ``predict.betareg``, for ``newdata`` or the rows fitted.

        Parameters
        ----------
        newdata : DataFrame, optional
        type : {"response", "link", "precision", "variance", "quantile"}
            :math:`\\mu`, :math:`\\eta = x^\\top\\beta + o`, :math:`\\phi`,
            :math:`\\mu(1-\\mu)/(1+\\phi)`, or quantiles of :math:`\\mathrm{Beta}(\\mu\\phi, (1-\\mu)\\phi)`.
        at : float or sequence of float, default 0.5
            The probabilities for ``type="quantile"``: one gives a Series, several a DataFrame
            with one column per probability.
        """
        if type not in PREDICT_TYPES:
            raise ArgumentError(f"type must be one of {', '.join(PREDICT_TYPES)}, got {type!r}")
        eta, mu, phi = self._new_parts(newdata)
        index = self.frame.index if newdata is None else to_frame(newdata).index
        if type == "quantile":
            probs = np.atleast_1d(np.asarray(at, dtype=np.float64))
            if np.any((probs < 0) | (probs > 1)):
                raise ArgumentError(f"at must hold probabilities in [0, 1], got {at!r}")
            q = stats.beta.ppf(probs[None, :], (mu * phi)[:, None], ((1 - mu) * phi)[:, None])
            if np.ndim(at) == 0:
                one: pd.Series = pd.Series(q[:, 0], index=index, name="quantile")
                return one
            table: pd.DataFrame = pd.DataFrame(q, index=index, columns=[f"q_{p:g}" for p in probs])
            return table
        values = {"response": mu, "link": eta, "precision": phi, "variance": mu * (1 - mu) / (1 + phi)}[type]
        out: pd.Series = pd.Series(values, index=index, name=type)
        return out


def _check_response(y: FloatArray, index: pd.Index) -> None:
    bad = (y <= 0) | (y >= 1)
    if np.any(bad):
        rows = list(index[bad])
        shown = ", ".join(str(r) for r in rows[:20]) + (", ..." if len(rows) > 20 else "")
        raise DataError(
            f"beta regression needs a response strictly between 0 and 1; {len(rows)} row"
            f"{'s are' if len(rows) > 1 else ' is'} 0 or 1 or outside (rows {shown}). A common remedy "
            "for exact 0s and 1s is to shrink the response towards 1/2, (n*y + 0.5)/(n + 1) with n the "
            "number of observations; apply it yourself if it suits your data"
        )


def fit_betareg_formula(
    formula: str,
    data: Any,
    *,
    link: str = "logit",
    link_phi: str | None = None,
    weights: Any = None,
    offset: Any = None,
    subset: Any = None,
    na_action: str = "omit",
    start: Any = None,
    tol: float = 1e-10,
    max_iter: int = 500,
    data_name: str = "data",
) -> BetaregResult:
    """Build the frame, fit and wrap the result (the work behind :func:`rglm.betareg`)."""
    frame = build_parts_frame(
        formula, data, weights=weights, offset=offset, subset=subset, na_action=na_action
    )
    y = frame.y
    if y.ndim != 1:
        raise DataError("beta regression takes one response column")
    _check_response(y, frame.index)
    w = frame.weights
    if np.any(w < 0):
        raise DataError(f"weights must be non-negative; {int(np.sum(w < 0))} are negative")
    mean_link = beta_link(link, MEAN_LINKS, "link")
    default_phi = "identity" if frame.n_given_parts == 1 else "log"  # betareg's default
    link_phi_name = default_phi if link_phi is None else link_phi
    prec_link = beta_link(link_phi_name, PRECISION_LINKS, "link_phi")
    X, Z = frame.design(0), frame.design(1)
    for j, (name, M) in enumerate((("mean", X), ("precision", Z))):
        if M.shape[1] and np.linalg.matrix_rank(M) < M.shape[1]:
            cols = ", ".join(frame.parts[j].spec.column_names)
            raise DataError(
                f"the {name} model matrix is rank deficient (columns {cols}); remove aliased terms"
            )
    fit = fit_betareg(
        y,
        X,
        Z,
        w,
        frame.parts[0].offset,
        frame.parts[1].offset,
        mean_link,
        prec_link,
        start=None if start is None else np.asarray(start, dtype=np.float64),
        tol=tol,
        max_iter=max_iter,
    )
    call = {
        "function": "betareg",
        "formula": formula,
        "link": link,
        "link_phi": link_phi,
        "weights": weights,
        "offset": offset,
        "subset": subset,
        "na_action": na_action,
    }
    return BetaregResult(fit, frame, mean_link, prec_link, formula=formula, data_name=data_name, call=call)
