"""Saving fitted models to disk and loading them back.

A saved model is a pickle of a small envelope: a format tag, the rglm version that wrote it,
and the :class:`~rglm.results.glm.GLMResult`.  The result keeps the fit's arrays and the
formula's recipe (factor levels, transforms), so a loaded model prints its summary and
predicts on new data exactly as before.  The training data frame is left out unless asked
for; without it, :meth:`~rglm.results.glm.GLMResult.update`, ``add1`` and ``step`` cannot refit.

Loading a pickle runs code from the file: load only files you trust.
"""

from __future__ import annotations

import os
import pickle
from typing import TYPE_CHECKING, Any

from rglm.exceptions import ArgumentError, DataError, RGLMWarning, warn

if TYPE_CHECKING:
    from rglm.results.glm import GLMResult

__all__ = ["load", "save"]

_FORMAT = "rglm-model"
_FORMAT_VERSION = 1


def save(model: GLMResult, path: str | os.PathLike[str], keep_data: bool = False) -> None:
    """Write ``model`` to ``path`` (any extension; ``.rglm`` is customary).

    Parameters
    ----------
    model : GLMResult
    path : str or path-like
    keep_data : bool
        Also store the data frame the model was fitted from (needed to refit with
        ``update``, ``add1`` or ``step`` after loading).
    """
    from rglm import __version__
    from rglm.results.glm import GLMResult

    if not isinstance(model, GLMResult):
        raise ArgumentError(f"save() needs a fitted rglm model, got {type(model).__name__}")
    stored = model if keep_data else model._replace(data=None)
    envelope = {"format": _FORMAT, "format_version": _FORMAT_VERSION, "rglm_version": __version__,
                "model": stored}
    with open(path, "wb") as fh:
        pickle.dump(envelope, fh, protocol=pickle.HIGHEST_PROTOCOL)


def load(path: str | os.PathLike[str]) -> GLMResult:
    """Read a model written by :func:`save` (or :meth:`GLMResult.save`).

    Raises :class:`rglm.DataError` when the file is not an rglm model.  Only load files you
    trust: unpickling can run arbitrary code.
    """
    from rglm import __version__

    with open(path, "rb") as fh:
        try:
            envelope: Any = pickle.load(fh)
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError) as exc:
            raise DataError(f"{os.fspath(path)!r} is not a saved rglm model ({type(exc).__name__}: {exc})") from None
    if not isinstance(envelope, dict) or envelope.get("format") != _FORMAT:
        raise DataError(f"{os.fspath(path)!r} is not a saved rglm model")
    if envelope.get("format_version") != _FORMAT_VERSION:
        raise DataError(f"{os.fspath(path)!r} was saved in model format {envelope.get('format_version')}, "
                        f"which this rglm ({__version__}) cannot read")
    if envelope.get("rglm_version") != __version__:
        warn(f"{os.fspath(path)!r} was saved by rglm {envelope.get('rglm_version')} and is loaded by "
             f"rglm {__version__}; refit the model if its results look wrong", RGLMWarning)
    model: GLMResult = envelope["model"]
    return model
