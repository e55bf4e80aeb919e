"""Data too large for memory, as a fresh iterator of data frames per pass.

A *source* is a Parquet file, a CSV file, a list of such files (read one after the other)
or a callable returning a new iterator of :class:`pandas.DataFrame` each time it is called.
Files are read in row batches of at most ``chunksize`` rows (Parquet with pyarrow's
``iter_batches``, CSV with pandas' ``chunksize``), only the columns the model uses.  Every
chunk is given the positions of its rows in the whole source (0, 1, ... across files and
chunks) as its index, so an error or a per-row output names the row wherever it is.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from rglm.exceptions import ArgumentError, DataError

__all__ = ["Source", "as_source", "is_source", "require"]

_PARQUET = (".parquet", ".pq", ".parq")
_CSV = (".csv", ".txt", ".tsv", ".csv.gz", ".csv.bz2", ".csv.zip", ".csv.xz")


def require(module: str, extra: str) -> Any:
    """Import an optional dependency, or raise naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ArgumentError(
            f"this needs the optional package {module.split('.')[0]!r}; install it with "
            f"pip install 'rglm[{extra}]'"
        ) from None


def is_source(data: Any) -> bool:
    """Whether ``data`` names out-of-memory data (paths or a callable) rather than a frame."""
    if isinstance(data, (str, os.PathLike)):
        return True
    if isinstance(data, (list, tuple)) and data and all(isinstance(d, (str, os.PathLike)) for d in data):
        return True
    return callable(data) and not isinstance(data, (pd.DataFrame, type))


def _kind(path: str) -> str:
    low = path.lower()
    if low.endswith(_PARQUET):
        return "parquet"
    if low.endswith(_CSV):
        return "csv"
    raise ArgumentError(f"cannot tell the format of {path!r}: give a Parquet (.parquet) or CSV (.csv) file")


@dataclass(frozen=True)
class Source:
    """A re-readable source of row chunks; see the module docstring."""

    paths: tuple[str, ...] = ()
    factory: Callable[[], Any] | None = None
    chunksize: int = 100_000

    def describe(self) -> str:
        if self.factory is not None:
            return getattr(self.factory, "__name__", "a callable")
        return self.paths[0] if len(self.paths) == 1 else f"{len(self.paths)} files"

    def chunks(self, columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
        """The data once more, chunk by chunk, indexed by position in the whole source."""
        start = 0
        for frame in self._raw(columns):
            if not isinstance(frame, pd.DataFrame):
                raise DataError(f"the data source yielded a {type(frame).__name__}, not a pandas DataFrame")
            if columns is not None:
                missing = [c for c in columns if c not in frame.columns]
                if missing:
                    raise DataError(
                        f"a chunk of {self.describe()} has no column {', '.join(repr(m) for m in missing)}"
                    )
                frame = frame[columns]
            frame = frame.set_axis(pd.RangeIndex(start, start + len(frame)), axis=0)
            start += len(frame)
            yield frame

    def column_names(self) -> list[str]:
        """The columns of the source (from the file's schema or header, or a first chunk)."""
        if self.factory is not None:
            for frame in self.factory():
                return [str(c) for c in frame.columns]
            return []
        path = self.paths[0]
        kind = _kind(path)
        try:
            if kind == "parquet":
                pq = require("pyarrow.parquet", "parquet")
                return [str(c) for c in pq.ParquetFile(path).schema_arrow.names]
            return [str(c) for c in pd.read_csv(path, nrows=0).columns]
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise _unreadable("Parquet" if kind == "parquet" else "CSV", path, exc) from None

    def _raw(self, columns: list[str] | None) -> Iterator[pd.DataFrame]:
        if self.factory is not None:
            it = self.factory()
            try:
                yield from it
            except TypeError as exc:
                if "not iterable" in str(exc):
                    raise ArgumentError(
                        "a callable data source must return an iterator of DataFrames"
                    ) from None
                raise
            return
        for path in self.paths:
            if _kind(path) == "parquet":
                yield from _parquet(path, columns, self.chunksize)
            else:
                yield from _csv(path, columns, self.chunksize)


def _parquet(path: str, columns: list[str] | None, chunksize: int) -> Iterator[pd.DataFrame]:
    pq = require("pyarrow.parquet", "parquet")
    try:
        # Without pre-buffering pyarrow reads a row group's pages as they are decoded; with it,
        # whole column chunks are buffered ahead and the reader's memory grows with the file.
        pf = pq.ParquetFile(path, pre_buffer=False)
        batches = pf.iter_batches(batch_size=chunksize, columns=columns)
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                return
            yield batch.to_pandas()
    except (OSError, ValueError, TypeError, KeyError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise _unreadable("Parquet", path, exc) from None


def _unreadable(kind: str, path: str, exc: BaseException) -> DataError:
    """The error for a file its reader cannot read (not there, a directory, not the format)."""
    if isinstance(exc, FileNotFoundError):
        return DataError(f"no such file: {path!r}")
    if isinstance(exc, pd.errors.EmptyDataError):
        return DataError(f"cannot read CSV file {path!r}: it is empty (not even a header line)")
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).strip()
    return DataError(f"cannot read {kind} file {path!r}: {reason or type(exc).__name__}")


_BAD_LINE = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _csv(path: str, columns: list[str] | None, chunksize: int) -> Iterator[pd.DataFrame]:
    try:
        # Every column is parsed (no usecols): with usecols pandas silently accepts a row with
        # too many fields, and a malformed row must be an error, not a shifted row.
        reader = pd.read_csv(path, chunksize=chunksize)
        with reader:
            for frame in reader:
                yield frame if columns is None else frame[[c for c in columns if c in frame.columns]]
    except pd.errors.ParserError as exc:
        m = _BAD_LINE.search(str(exc))
        if m:
            raise DataError(
                f"malformed row in {path!r}: line {m.group(2)} has {m.group(3)} fields where the header "
                f"has {m.group(1)} (data row {int(m.group(2)) - 1}); fix or remove that line"
            ) from None
        raise DataError(f"cannot read CSV file {path!r}: {str(exc).strip()}") from None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise _unreadable("CSV", path, exc) from None


def as_source(data: Any, chunksize: int | None) -> Source:
    """A :class:`Source` for paths or a callable (``chunksize`` rows per file chunk)."""
    size = 100_000 if chunksize is None else chunksize
    if int(size) != size or size < 1:
        raise ArgumentError(f"chunksize must be a positive whole number of rows, got {chunksize!r}")
    if isinstance(data, pd.DataFrame):
        frame = data

        def slices() -> Iterator[pd.DataFrame]:
            for a in range(0, len(frame), int(size)):
                yield frame.iloc[a : a + int(size)]

        slices.__name__ = "the data frame"
        return Source(factory=slices, chunksize=int(size))
    if callable(data) and not isinstance(data, (str, os.PathLike)):
        return Source(factory=data, chunksize=int(size))
    paths = [data] if isinstance(data, (str, os.PathLike)) else list(data)
    out = []
    for p in paths:
        path = os.fspath(p)
        _kind(path)
        if not os.path.exists(path):
            raise DataError(f"no such file: {path!r}")
        out.append(path)
    return Source(paths=tuple(out), chunksize=int(size))
