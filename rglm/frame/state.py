"""What a fitted model needs from its frame, whether the rows are in memory or not.

:class:`FrameState` is the protocol both frames satisfy: the in-memory
:class:`rglm.frame.model_frame.ModelFrame` (which holds the rows) and the out-of-core
:class:`rglm.frame.chunked.ChunkedFrame` (which holds the recipe and where the data is; its
per-row attributes raise :class:`rglm.exceptions.OutOfCoreError`).  Results are written
against the protocol, so neither frame stands in for the other.

:class:`FrozenMap` is the read-only mapping held by the frozen frame objects (unlike
``types.MappingProxyType`` it pickles, so a saved model keeps its frame).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from rglm.numerics.design import Design

if TYPE_CHECKING:
    from rglm.frame.model_frame import FrameSpec

FloatArray = npt.NDArray[np.float64]
K = TypeVar("K")
V = TypeVar("V")

__all__ = ["ChunkSource", "FrameState", "FrozenMap", "read_only"]


def read_only(values: Any, dtype: Any = np.intp) -> npt.NDArray[Any]:
    """``values`` as a new array that cannot be written to (an immutable column list that
    still indexes arrays: ``X[:, cols]``)."""
    out = np.array(values, dtype=dtype)
    out.flags.writeable = False
    return out


class FrozenMap(Mapping[K, V]):
    """A read-only mapping in insertion order (a dict that cannot be changed after creation)."""

    __slots__ = ("_data",)

    def __init__(self, items: Mapping[K, V] | None = None) -> None:
        self._data: dict[K, V] = dict(items or {})

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __eq__(self, other: object) -> bool:
        # Values may be arrays (read-only index arrays), whose == is elementwise.
        if not isinstance(other, Mapping) or list(self) != list(other):
            return False
        return all(
            np.array_equal(v, other[k]) if isinstance(v, np.ndarray) else bool(v == other[k])
            for k, v in self._data.items()
        )

    __hash__ = None  # type: ignore[assignment]  # like dict: equal maps need not hash equal

    def __getstate__(self) -> dict[K, V]:
        return self._data

    def __setstate__(self, state: dict[K, V]) -> None:
        self._data = state


class FrameState(Protocol):
    """The frame of a fitted model, as results, inference and output read it.

    ``spec`` (the recipe: formula, column names, terms, levels), the counts and flags are
    always available.  The per-row members (``y``, ``design``, ``weights``, ``offset``,
    ``index``, ``used_positions``, ``data_positions``, ``pad``) are the rows used in the fit
    for an in-memory frame, and raise :class:`rglm.exceptions.OutOfCoreError` for a frame
    whose rows are never all in memory.
    """

    @property
    def spec(self) -> FrameSpec: ...

    @property
    def n_used(self) -> int:
        """Rows used in the fit."""
        ...

    @property
    def n_dropped(self) -> int:
        """Rows dropped for missing values."""
        ...

    @property
    def weights_given(self) -> bool: ...

    @property
    def offset_given(self) -> bool: ...

    @property
    def na_action(self) -> str: ...

    @property
    def y(self) -> FloatArray: ...

    @property
    def design(self) -> Design: ...

    @property
    def weights(self) -> FloatArray: ...

    @property
    def offset(self) -> FloatArray: ...

    @property
    def index(self) -> pd.Index: ...

    @property
    def used_positions(self) -> npt.NDArray[np.intp]: ...

    @property
    def data_positions(self) -> npt.NDArray[np.intp]: ...

    def pad(self, values: FloatArray, name: str | None = None) -> pd.Series:
        """Per-row values as a Series on the caller's row labels (R's ``naresid``)."""
        ...


class ChunkSource(Protocol):
    """Where the chunks of out-of-core data come from and how a pass maps over them."""

    columns: list[str] | None

    def chunks(self, label: str = "") -> Iterator[pd.DataFrame]: ...

    def map_reduce(
        self,
        fn: Callable[[Any], Any],
        merge: Callable[[Any, Any], Any],
        empty: Any,
        label: str = "",
        prepare: Callable[[pd.DataFrame], Any] | None = None,
    ) -> Any: ...
