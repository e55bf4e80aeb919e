"""Leverages of a fitted GLM: the diagonal of the weighted hat matrix, without forming it.

Shared by the sandwich covariances (HC2 to HC5) and, later, the influence measures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from .linalg import cov_unscaled

if TYPE_CHECKING:
    from .results import GLMResult

FloatArray = npt.NDArray[np.float64]

__all__ = ["hat_values"]

#: R's ``lm.influence`` rounds leverages this close to 1 up to exactly 1.
_ONE = 1.0 - 10.0 * np.finfo(float).eps


def hat_values(m: GLMResult) -> FloatArray:
    """Diagonal of :math:`H = W^{1/2} X (X^T W X)^{-1} X^T W^{1/2}`, one value per model row.

    :math:`h_i = W_i\\, x_i^T (X^T W X)^{-1} x_i` with :math:`W` the working weights of the
    last IRLS step (the weights of the QR that gave the covariance).  Rows that took no part
    in the fit (zero weight) get 0, aliased columns are left out, and values within
    :math:`10\\epsilon` of 1 are set to 1, as R's ``hatvalues`` (``lm.influence``).

    Computed by row blocks as :math:`W_i \\sum_{jk} x_{ij} C_{jk} x_{ik}`: :math:`O(np^2)`
    time and no :math:`n \\times n` (or :math:`n \\times p`) temporary.
    """
    fit = m.fit
    n = fit.mu.shape[0]
    if fit.wls is None or fit.rank == 0:
        return np.zeros(n)
    # Aliased columns have NaN in the unscaled covariance; as zeros they add nothing.
    cov = np.nan_to_num(cov_unscaled(fit.wls), nan=0.0)
    h = m.model_frame.design.quad_form(cov) * fit.working_weights
    h = np.where(fit.working_weights > 0, h, 0.0)
    h[h > _ONE] = 1.0
    return h
