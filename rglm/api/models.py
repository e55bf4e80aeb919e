"""The entry points of the models beyond the GLM: ``multinom``, ``polr``, ``betareg`` and
``dirichlet``; each checks its arguments and hands the formula and data to its model module.
(``glmnet`` and ``cv_glmnet`` are exported from :mod:`rglm.models.glmnet` directly.)
"""

from __future__ import annotations

from typing import Any

from rglm.api.glms import _data_name
from rglm.fit.multinom import MultinomControl
from rglm.models.betareg import BetaregResult, fit_betareg_formula
from rglm.models.dirichlet import DirichletResult, fit_dirichlet_formula
from rglm.models.multinom import MultinomResult, fit_multinom
from rglm.models.polr import PolrResult, fit_polr_model

__all__ = ["betareg", "dirichlet", "multinom", "polr"]


def multinom(
    formula: str,
    data: Any,
    *,
    weights: Any = None,
    subset: Any = None,
    na_action: str = "omit",
    start: Any = None,
    tol: float = 1e-10,
    max_iter: int = 100,
    trace: bool = False,
    chunksize: int | None = None,
    progress: bool = False,
    method: str = "ML",
    type: str = "AS_mean",
) -> MultinomResult:
    """Fit a multinomial logit model, as R's ``nnet::multinom``, to the exact MLE.

    Parameters
    ----------
    formula : str
        ``response ~ terms``.  The response is a factor-like column (text, bool, integers or a
        Categorical; its first level, sorted or in the Categorical's order, is the baseline)
        or ``cbind(n_a, n_b, ...)``, counts per category.
    data : DataFrame, or for out-of-core fits a Parquet/CSV path (or list), a callable
        returning an iterator of DataFrames, or a Dask DataFrame
    weights : str or array_like, optional
        Case weights (a column name or one value per row), as in nnet.
    subset : array of bool or str, optional
    na_action : {"omit", "exclude", "fail"}
    start : array_like, optional
        Starting coefficients, (K-1) x p (level-major); zero by default.
    tol, max_iter : float, int
        Newton-Raphson stops when the predicted decrease of the deviance is below
        ``tol * (|deviance| + 0.1)`` (that last step is taken); at most ``max_iter`` steps.
    trace : bool
        Print the deviance / 2 (nnet's "value") at each iteration.
    chunksize : int, optional
        Fit out of core, ``chunksize`` rows at a time (as :func:`glm`).
    progress : bool
        With out-of-core data, show a progress bar.
    method : {"ML", "brglm"}
        Maximum likelihood, or ``"brglm"``: mean bias reduction as ``brglm2::brmultinom``
        (finite estimates under separation; ``tol`` then bounds the sum of the absolute step,
        brglm2's ``epsilon``, and ``max_iter`` is its ``maxit``).
    type : {"AS_mean"}
        The bias-reducing adjustment for ``method="brglm"``.

    Returns
    -------
    MultinomResult
    """
    call: dict[str, Any] = {
        "function": multinom,
        "weights": weights,
        "subset": subset,
        "na_action": na_action,
        "tol": tol,
        "max_iter": max_iter,
        "method": method,
        "type": type,
    }
    return fit_multinom(
        formula,
        data,
        weights=weights,
        subset=subset,
        na_action=na_action,
        start=start,
        control=MultinomControl(tol=tol, max_iter=max_iter, trace=bool(trace)),
        chunksize=chunksize,
        progress=progress,
        call=call,
        data_name=_data_name(data),
        method=method,
        type=type,
    )


def polr(
    formula: str,
    data: Any,
    *,
    method: str = "logistic",
    weights: Any = None,
    subset: Any = None,
    na_action: str = "omit",
    start: Any = None,
    tol: float = 1e-8,
    max_iter: int = 100,
) -> PolrResult:
    """Fit a proportional-odds (cumulative link) model, as ``MASS::polr``.

    The model is :math:`F^{-1}(P(Y \\le k)) = \\zeta_k - x^T\\beta`, with MASS's ``method``
    choosing :math:`F`.  The formula's intercept is dropped (the thresholds take its place).

    Parameters
    ----------
    formula : str
        ``response ~ terms``.  The response is a column (optionally in ``factor()``): an
        ordered (or any) pandas Categorical keeps its categories' order, other columns
        use their sorted values; it needs at least 3 levels, each occurring.
    data : DataFrame
    method : {"logistic", "probit", "loglog", "cloglog", "cauchit"}
        :math:`F`: logistic, normal, Gumbel maximum :math:`\\exp(-e^{-z})`, Gumbel
        minimum :math:`1 - \\exp(-e^{z})`, Cauchy (MASS's names).
    weights : str or array_like, optional
        Case weights (a column name or one value per row).
    subset : array of bool or str, optional
    na_action : {"omit", "exclude", "fail"}
    start : array_like, optional
        Starting coefficients then thresholds (increasing).
    tol, max_iter : float, int
        Newton's method stops when every step is below ``tol`` standard errors; at most
        ``max_iter`` steps.

    Returns
    -------
    PolrResult
        See :mod:`rglm.fit.polr` for the fitting and :mod:`rglm.results.polr` for the figures.

    Examples
    --------
    >>> import pandas as pd, rglm
    >>> df = rglm.datasets.load("warpbreaks")
    >>> df["tension"] = pd.Categorical(df["tension"], ["L", "M", "H"], ordered=True)
    >>> m = rglm.polr("tension ~ breaks + wool", df, method="probit")
    >>> round(m.deviance, 4)
    104.3623
    """
    return fit_polr_model(
        formula,
        data,
        method=method,
        weights=weights,
        subset=subset,
        na_action=na_action,
        start=start,
        tol=tol,
        max_iter=max_iter,
        data_name=_data_name(data),
    )


def betareg(
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
) -> BetaregResult:
    """Beta regression for responses in (0, 1), as R's ``betareg`` (maximum likelihood).

    :math:`y_i \\sim \\mathrm{Beta}(\\mu_i\\phi_i, (1-\\mu_i)\\phi_i)`, :math:`g(\\mu_i) = x_i^\\top\\beta`,
    :math:`h(\\phi_i) = z_i^\\top\\gamma`; the precision regressors come after ``|``
    (``"y ~ x1 + x2 | z1"``); without them :math:`\\phi` is a constant.

    Parameters
    ----------
    formula : str
        ``response ~ mean terms [| precision terms]``; ``offset()`` terms belong to their part.
    data : DataFrame
    link : {"logit", "probit", "cloglog", "cauchit", "log", "loglog"}
        The mean link :math:`g`.
    link_phi : {"identity", "log", "sqrt"}, optional
        The precision link :math:`h`; betareg's default is ``"identity"`` for a constant
        precision and ``"log"`` with precision regressors.
    weights, offset, subset, na_action
        As for :func:`glm`; ``offset`` is added to the mean model's linear predictor.
    start : array_like, optional
        Starting :math:`(\\beta, \\gamma)`; betareg's by default.
    tol, max_iter : float, int
        Fisher scoring stops when every step is below ``tol`` (relative to
        :math:`\\max(1, |\\theta_j|)`), after at most ``max_iter`` steps.

    Returns
    -------
    BetaregResult
        Coefficients named as ``coef(betareg)`` (``(phi)`` or ``(phi)_<column>``). Standard
        errors are betareg's default: the inverse of the analytic expected (Fisher)
        information at the estimate (``betareg.control(hessian = FALSE)``), not the
        observed Hessian (betareg's R/betareg.R: ``vcov <- hessfun(fit = fit, inverse = TRUE)``
        unless ``hessian = TRUE``).

    Raises
    ------
    DataError
        For responses of exactly 0 or 1 (or outside (0, 1)), naming the rows; a common remedy
        is :math:`(ny + 0.5)/(n + 1)`, which rglm does not apply silently.
    """
    return fit_betareg_formula(
        formula,
        data,
        link=link,
        link_phi=link_phi,
        weights=weights,
        offset=offset,
        subset=subset,
        na_action=na_action,
        start=start,
        tol=tol,
        max_iter=max_iter,
        data_name=_data_name(data),
    )


def dirichlet(
    formula: str,
    data: Any,
    *,
    parametrization: str = "common",
    weights: Any = None,
    subset: Any = None,
    na_action: str = "omit",
    normalize: bool = False,
    transform: bool = False,
) -> DirichletResult:
    """Dirichlet regression for compositions, as R's ``DirichReg`` (maximum likelihood).

    Parameters
    ----------
    formula : str
        ``cbind(a, b, c) ~ terms`` (common), or ``cbind(a, b, c) ~ mean terms | precision
        terms`` (alternative).
    data : DataFrame
    parametrization : {"common", "alternative"}
        ``"common"``: :math:`\\log\\alpha_k = x^\\top\\beta_k` for each component.
        ``"alternative"``: multinomial-logit means against the first component and a log-linear
        precision :math:`\\phi = \\sum_k \\alpha_k` (its model after ``|``, else a constant).
    weights, subset, na_action
        As for :func:`glm`.
    normalize : bool
        Divide each row by its sum; without it rows that do not sum to one are an error.
    transform : bool
        Move shares away from 0 and 1 by :math:`(y(n-1) + 1/K)/n` (DirichletReg's
        ``DR_data(trafo = TRUE)``); without it zero shares are an error naming the rows.

    Returns
    -------
    DirichletResult
        Parameters named ``component:term`` (``(phi):term`` for the precision). Standard
        errors come from the observed information (the Hessian at the estimate), as
        DirichletReg computes them; ``nobs`` is the sum of the weights.
    """
    return fit_dirichlet_formula(
        formula,
        data,
        parametrization=parametrization,
        weights=weights,
        subset=subset,
        na_action=na_action,
        normalize=normalize,
        transform=transform,
        data_name=_data_name(data),
    )
