"""Refits of a model on its own rows: sub-models, fixed coefficients, other families.

Analysis of deviance, ``drop1``, profile likelihood and the negative binomial's
:math:`\\theta` all fit variations of one model to exactly the rows, response, prior weights
and offset it was fitted to, as R passes ``object$y``, ``object$prior.weights`` and
``object$offset`` to ``glm.fit``.  They go through :func:`refit`, so the variations cannot
drift from the fit they vary.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from rglm.exceptions import ArgumentError
from rglm.families.family import Family
from rglm.fit.brglm import brglm_fit
from rglm.fit.irls import IRLSControl, IRLSFit, irls
from rglm.inference.outofcore import is_out_of_core, refit_out_of_core
from rglm.results.brglm import BrglmStatistics
from rglm.results.glm import GLMStatistics

FloatArray = npt.NDArray[np.float64]

__all__ = ["refit"]


def refit(
    m: GLMStatistics,
    columns: Sequence[int] | npt.NDArray[np.intp] | None = None,
    *,
    offset: FloatArray | None = None,
    family: Family | None = None,
    start: FloatArray | None = None,
    mustart: FloatArray | None = None,
    control: IRLSControl | None = None,
    same_method: bool = False,
) -> IRLSFit:
    """Fit the model's family (or ``family``) to the model's rows with some of its columns.

    Parameters
    ----------
    m : GLMStatistics (such as a GLMResult)
    columns : sequence of int, optional
        Ascending positions of the model-matrix columns to keep; all by default.  An empty
        sequence fits the offset alone (R's ``glm.fit`` with a zero-column ``x``).
    offset : ndarray, optional
        The total offset to use instead of the model's (for example the model's offset plus
        :math:`b\\,x_j` when coefficient :math:`j` is held at :math:`b`).
    family, start, mustart, control : optional
        Defaults are the model's family, R's starting values, and the model's control.
    same_method : bool
        Refit a bias-reduced model (``method="brglm"``) by brglm2's fit with its type and
        control, as R's ``anova.glm`` refits with the model's ``method``; by default (and as
        R's ``drop1``, ``add1`` and profiles do) every model is refitted by ``glm.fit``.

    Returns
    -------
    IRLSFit
        Fitted to :math:`y` and prior weights as the family's ``initialize`` left them (for a
        binomial ``cbind`` response: proportions and trials), as R's ``glm.fit(object$y, ...,
        weights = object$prior.weights)``.
    """
    if is_out_of_core(m):
        if offset is not None or mustart is not None:
            raise ArgumentError(
                "this analysis refits with a changed offset or starting means, which is not available "
                "for models fitted to chunked or Dask data"
            )
        # The sub-model's own passes give what the callers read of an IRLSFit.
        return refit_out_of_core(m, columns, family=family, control=control, start=start)  # type: ignore[return-value]
    f = m.fit
    design = m.model_frame.design
    if columns is not None:
        design = design.columns(np.asarray(columns, dtype=np.intp))
    if same_method and isinstance(m, BrglmStatistics):
        frame = m.model_frame
        given = frame.offset_given or frame.spec.parsed.offsets
        total = frame.offset if offset is None else offset
        return brglm_fit(
            design.rows(),
            f.y,
            family or m.family,
            weights=f.prior_weights,
            offset=total if given or offset is not None else None,
            control=m.brglm.control(),
            start=start,
        ).fit
    return irls(
        design,
        f.y,
        family or m.family,
        weights=f.prior_weights,
        offset=m.model_frame.offset if offset is None else offset,
        start=start,
        mustart=mustart,
        control=control or m.control,
    )
