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

import hashlib
import os
import pickle
import sys
from typing import Any

from rglm.exceptions import ArgumentError, DataError, RGLMWarning, warn
from rglm.results.core import ResultCore

__all__ = ["load", "save"]

_FORMAT = "rglm-model"
_FORMAT_VERSION = 2
#: A saved model starts with this line, then ``<format version> <sha256 of payload> <payload
#: bytes>`` and a newline, then the payload (a pickle of the envelope).
_MAGIC = b"rglm-model\n"
_HEADER_MAX = 200


def _version() -> str:
    """``rglm.__version__`` as the package reports it now (the package is always loaded
    before this module, so it is looked up rather than imported)."""
    return str(sys.modules[__name__.split(".")[0]].__version__)


def _pack(envelope: dict[str, Any], format_version: int = _FORMAT_VERSION) -> bytes:
    """The bytes of a model file: the magic line, a header line with the format version, the
    SHA-256 of the payload and its length, and the payload."""
    payload = pickle.dumps(envelope, protocol=pickle.HIGHEST_PROTOCOL)
    digest = hashlib.sha256(payload).hexdigest()
    return _MAGIC + f"{format_version} {digest} {len(payload)}\n".encode("ascii") + payload


def save(model: ResultCore, path: str | os.PathLike[str], keep_data: bool = False) -> None:
    """Write ``model`` to ``path`` (any extension; ``.rglm`` is customary).

    The file holds a SHA-256 checksum of its payload, so that :func:`load` refuses a damaged
    file instead of returning a model with altered numbers.

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
    data = _pack(envelope)
    try:
        with open(path, "wb") as fh:
            fh.write(data)
    except OSError as exc:
        raise DataError(f"cannot write the model to {os.fspath(path)!r}: {exc.strerror or exc}") from None


def _payload(raw: bytes, name: str) -> bytes:
    """The verified payload of a model file's bytes ``raw``."""
    not_model = f"{name} is not a saved rglm model"
    if not raw.startswith(_MAGIC):
        if raw.startswith(b"\x80"):
            not_model += (
                " (a pickle without rglm's header: older rglm versions saved models without a"
                " checksum; refit and save it again)"
            )
        raise DataError(not_model)
    end = raw.find(b"\n", len(_MAGIC), len(_MAGIC) + _HEADER_MAX)
    fields = raw[len(_MAGIC) : end].split(b" ") if end > 0 else []
    if len(fields) != 3 or not fields[0].isdigit() or not fields[2].isdigit() or len(fields[1]) != 64:
        raise DataError(f"{name} is damaged: its header is unreadable")
    version = int(fields[0])
    if version != _FORMAT_VERSION:
        raise DataError(
            f"{name} was saved in model format {version}, which this rglm ({_version()}) cannot read"
        )
    payload = raw[end + 1 :]
    if len(payload) != int(fields[2]):
        raise DataError(
            f"{name} is damaged: it holds {len(payload)} bytes of model where its header says "
            f"{int(fields[2])} (truncated or appended to)"
        )
    if hashlib.sha256(payload).hexdigest().encode("ascii") != fields[1]:
        raise DataError(f"{name} is damaged: its checksum does not match its contents")
    return payload


def load(path: str | os.PathLike[str]) -> Any:
    """Read a model written by :func:`save` (or :meth:`rglm.GLMResult.save`).

    Raises :class:`rglm.DataError` naming the file when it cannot be read, is not an rglm model,
    or is damaged (its SHA-256 checksum does not match).  Only load files you trust:
    unpickling can run arbitrary code.
    """
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise DataError(f"load() needs the path of a saved model, got a {type(path).__name__}")
    name = repr(os.fspath(path))
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise DataError(f"cannot read the model file {name}: {exc.strerror or exc}") from None
    payload = _payload(raw, name)
    try:
        envelope: Any = pickle.loads(payload)
    except Exception as exc:  # a checksummed payload that does not unpickle: foreign or other version
        raise DataError(f"{name} cannot be read as an rglm model ({type(exc).__name__}: {exc})") from None
    if not isinstance(envelope, dict) or envelope.get("format") != _FORMAT:
        raise DataError(f"{name} is not a saved rglm model")
    model = envelope.get("model")
    if not isinstance(model, ResultCore):
        raise DataError(f"{name} holds a {type(model).__name__}, not a fitted rglm model")
    __version__ = _version()
    if envelope.get("rglm_version") != __version__:
        warn(
            f"{name} was saved by rglm {envelope.get('rglm_version')} and is loaded by "
            f"rglm {__version__}; refit the model if its results look wrong",
            RGLMWarning,
        )
    return model
