"""Saving fitted models to disk and loading them back.

A saved model is a pickle of a small envelope: a format tag, the rglm version that wrote it,
and the result (a :class:`rglm.GLMResult` or any other :class:`~rglm.results.core.ResultCore`).
A GLM keeps the fit's arrays and the
formula's recipe (factor levels, transforms), so a loaded model prints its summary and
predicts on new data exactly as before.  The training data frame is left out unless asked
for; without it, :meth:`~rglm.GLMResult.update`, ``add1`` and ``step`` cannot refit.

Loading a pickle runs code from the file: load only files you trust.
"""

from __future__ import annotations

import os
import pickle
import sys
from typing import Any

from rglm.exceptions import ArgumentError, DataError, RGLMWarning, warn
from rglm.results.core import ResultCore

__all__ = ["load", "save"]

_FORMAT = "rglm-model"
_FORMAT_VERSION = 1


def _version() -> str:
    """``rglm.__version__`` as the package reports it now (the package is always loaded
    before this module, so it is looked up rather than imported)."""
    return str(sys.modules[__name__.split(".")[0]].__version__)


def save(model: ResultCore, path: str | os.PathLike[str], keep_data: bool = False) -> None:
    """Write ``model`` to ``path`` (any extension; ``.rglm`` is customary).

    Parameters
    ----------
    model : ResultCore
        A fitted model, such as a :class:`rglm.GLMResult`.
    path : str or path-like
    keep_data : bool
        Also store the data frame the model was fitted from (needed to refit with
        ``update``, ``add1`` or ``step`` after loading).
    """
    if not isinstance(model, ResultCore):
        raise ArgumentError(f"save() needs a fitted rglm model, got {type(model).__name__}")
    stored = model if keep_data else model.without_data()
    envelope = {
        "format": _FORMAT,
        "format_version": _FORMAT_VERSION,
        "rglm_version": _version(),
        "model": stored,
    }
    with open(path, "wb") as fh:
        pickle.dump(envelope, fh, protocol=pickle.HIGHEST_PROTOCOL)


def load(path: str | os.PathLike[str]) -> Any:
    """Read a model written by :func:`save` (or :meth:`rglm.GLMResult.save`).

    Raises :class:`rglm.DataError` when the file is not an rglm model.  Only load files you
    trust: unpickling can run arbitrary code.
    """
    __version__ = _version()
    with open(path, "rb") as fh:
        try:
            envelope: Any = pickle.load(fh)
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError) as exc:
            raise DataError(
                f"{os.fspath(path)!r} is not a saved rglm model ({type(exc).__name__}: {exc})"
            ) from None
    if not isinstance(envelope, dict) or envelope.get("format") != _FORMAT:
        raise DataError(f"{os.fspath(path)!r} is not a saved rglm model")
    if envelope.get("format_version") != _FORMAT_VERSION:
        raise DataError(
            f"{os.fspath(path)!r} was saved in model format {envelope.get('format_version')}, "
            f"which this rglm ({__version__}) cannot read"
        )
    if envelope.get("rglm_version") != __version__:
        warn(
            f"{os.fspath(path)!r} was saved by rglm {envelope.get('rglm_version')} and is loaded by "
            f"rglm {__version__}; refit the model if its results look wrong",
            RGLMWarning,
        )
    return envelope["model"]
