"""Data too large for memory, as a fresh iterator of data frames per pass.

A *source* is a Parquet file, a CSV file, a list of such files (read one after the other)
or a callable returning a new iterator of :class:`pandas.DataFrame` each time it is called.
Files are read in row batches of at most ``chunksize`` rows (Parquet with pyarrow's
``iter_batches``, CSV with pandas' ``chunksize``), only the columns the model uses.  Text
columns the model reads as factors can be asked for as *codes*: a Parquet file's dictionary
pages are then read as they are, into a pandas Categorical (its categories in the file's
order, not the model's), instead of a string per row that the model would look up again.  Every
chunk is given the positions of its rows in the whole source (0, 1, ... across files and
chunks) as its index, so an error or a per-row output names the row wherever it is.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
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
    #: The kind of every CSV column over all the files (filled by the first read).
    csv_kinds: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def describe(self) -> str:
        if self.factory is not None:
            return getattr(self.factory, "__name__", "a callable")
        return self.paths[0] if len(self.paths) == 1 else f"{len(self.paths)} files"

    def chunks(self, columns: list[str] | None = None, coded: tuple[str, ...] = ()) -> Iterator[pd.DataFrame]:
        """The data once more, chunk by chunk, indexed by position in the whole source.

        The text columns named in ``coded`` may come as pandas Categoricals (from a Parquet
        file's dictionary pages), with the same values and missing values."""
        start = 0
        for frame in self._raw(columns, coded):
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

    def _raw(self, columns: list[str] | None, coded: tuple[str, ...] = ()) -> Iterator[pd.DataFrame]:
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
        csv = [p for p in self.paths if _kind(p) == "csv"]
        if csv and not self.csv_kinds:
            self.csv_kinds.update(_csv_kinds(csv, self.chunksize))
        for path in self.paths:
            if _kind(path) == "parquet":
                yield from _parquet(path, columns, self.chunksize, coded)
            else:
                yield from _csv(path, columns, self.chunksize, self.csv_kinds)


def _parquet(
    path: str, columns: list[str] | None, chunksize: int, coded: tuple[str, ...] = ()
) -> Iterator[pd.DataFrame]:
    pq = require("pyarrow.parquet", "parquet")
    try:
        # Without pre-buffering pyarrow reads a row group's pages as they are decoded; with it,
        # whole column chunks are buffered ahead and the reader's memory grows with the file.
        pf = pq.ParquetFile(path, pre_buffer=False)
        dictionary = _dictionary_columns(pf.schema_arrow, coded)
        if dictionary:
            pf = pq.ParquetFile(path, pre_buffer=False, read_dictionary=dictionary)
        batches = pf.iter_batches(batch_size=chunksize, columns=columns)
        if dictionary:
            batches = _rebatched(batches, chunksize)
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                return
            yield batch.to_pandas()
    except (OSError, ValueError, TypeError, KeyError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise _unreadable("Parquet", path, exc) from None


def _dictionary_columns(schema: Any, coded: tuple[str, ...]) -> list[str]:
    """The columns of ``coded`` that the file holds as text (their pages are dictionaries)."""
    pa = require("pyarrow", "parquet")
    names = set(schema.names)
    out = []
    for name in coded:
        if name in names:
            kind = schema.field(name).type
            if pa.types.is_string(kind) or pa.types.is_large_string(kind):
                out.append(name)
    return out


def _rebatched(batches: Iterator[Any], size: int) -> Iterator[Any]:
    """Batches of exactly ``size`` rows (the last one shorter), as pyarrow gives without
    dictionaries: with them its batches stop at every row group's end, and the chunks, hence
    the row blocks a pass sums in, would not be the same as when the text is read as text.
    Each batch's dictionaries are unified (one per column, as pandas needs)."""
    pa = require("pyarrow", "parquet")
    pending: list[Any] = []
    rows = 0
    for batch in batches:
        if not pending and batch.num_rows == size:
            yield batch
            continue
        pending.append(batch)
        rows += batch.num_rows
        while rows >= size:
            table = pa.Table.from_batches(pending)
            yield _one_batch(table.slice(0, size))
            rest = table.slice(size)
            pending, rows = rest.to_batches(), rest.num_rows
    if rows:
        yield _one_batch(pa.Table.from_batches(pending))


def _one_batch(table: Any) -> Any:
    """``table`` as one contiguous table (``to_pandas`` as a batch's), one dictionary a column."""
    return table.unify_dictionaries().combine_chunks()


def _unreadable(kind: str, path: str, exc: BaseException) -> DataError:
    """The error for a file its reader cannot read (not there, a directory, not the format)."""
    if isinstance(exc, FileNotFoundError):
        return DataError(f"no such file: {path!r}")
    if isinstance(exc, pd.errors.EmptyDataError):
        return DataError(f"cannot read CSV file {path!r}: it is empty (not even a header line)")
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).strip()
    return DataError(f"cannot read {kind} file {path!r}: {reason or type(exc).__name__}")


_BAD_LINE = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


_TRUE, _FALSE = ("True", "TRUE", "true"), ("False", "FALSE", "false")
_BOOL_TEXT = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}


def _column_kind(text: pd.Series) -> str:
    """What pandas would make of a whole column of CSV text: ``"int"`` (whole numbers, no NA),
    ``"float"``, ``"bool"`` (no NA), ``"boolna"`` (True/False and NA: object), or ``"text"``."""
    present = text[text.notna()]
    if present.empty:
        return "empty"
    if present.isin(list(_BOOL_TEXT)).all():
        return "bool" if len(present) == len(text) else "boolna"
    numbers = pd.to_numeric(present, errors="coerce")
    if numbers.isna().any():
        return "text"
    # pandas reads digits-only columns without NA as int64, others as float64.
    digits = len(present) == len(text) and bool(present.str.fullmatch(r"\s*[+-]?\d+\s*").all())
    return "int" if digits and bool(np.all(np.abs(numbers) < 2**63)) else "float"


def _merge_kinds(a: str | None, b: str) -> str:
    """The kind of a column made of two parts (chunks) of kinds ``a`` and ``b``."""
    if a is None or a == "empty":
        return b
    if b == "empty":
        return "float" if a == "int" else ("boolna" if a == "bool" else a)
    if a == b:
        return a
    pair = {a, b}
    if pair == {"int", "float"}:
        return "float"
    if pair == {"bool", "boolna"}:
        return "boolna"
    return "text"


def _csv_kinds(paths: list[str], chunksize: int) -> dict[str, str]:
    """Each column's kind over the whole of ``paths``, from one pass reading text, so that every
    chunk is typed as the whole file would be (pandas guesses types chunk by chunk: codes that
    look numeric in one chunk, or a blank in a logical column, would change between chunks)."""
    kinds: dict[str, str | None] = {}
    for path in paths:
        try:
            with pd.read_csv(path, chunksize=chunksize, dtype=str) as reader:
                for frame in reader:
                    for name in frame.columns:
                        kinds[name] = _merge_kinds(kinds.get(name), _column_kind(frame[name]))
        except (OSError, ValueError, UnicodeDecodeError):
            return {}  # the reading pass reports the problem, naming the file
    return {k: v for k, v in kinds.items() if v is not None}


def _typed(frame: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    """A chunk read as text, typed by the whole file's column kinds."""
    out: dict[str, Any] = {}
    for name in frame.columns:
        col, kind = frame[name], kinds.get(name, "text")
        if kind == "int":
            out[name] = pd.to_numeric(col).astype("int64")
        elif kind in ("float", "empty"):
            out[name] = pd.to_numeric(col, errors="coerce").astype("float64")
        elif kind == "bool":
            out[name] = col.map(_BOOL_TEXT).astype(bool)
        elif kind == "boolna":
            out[name] = col.astype(object).map(_BOOL_TEXT).astype(object)
        else:
            out[name] = col
    typed: pd.DataFrame = pd.DataFrame(out, index=frame.index)
    return typed


def _csv(
    path: str, columns: list[str] | None, chunksize: int, kinds: dict[str, str] | None = None
) -> Iterator[pd.DataFrame]:
    try:
        # Every column is parsed (no usecols): with usecols pandas silently accepts a row with
        # too many fields, and a malformed row must be an error, not a shifted row.  With the
        # kinds known, chunks are read as text and typed as the whole file (_typed).
        reader = pd.read_csv(path, chunksize=chunksize, dtype=str if kinds else None)
        with reader:
            for frame in reader:
                frame = frame if columns is None else frame[[c for c in columns if c in frame.columns]]
                yield _typed(frame, kinds) if kinds else frame
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
    if (
        isinstance(size, bool)
        or not isinstance(size, (int, float, np.integer))
        or int(size) != size
        or size < 1
    ):
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


def _available_memory() -> int:
    """Bytes of physical memory free now (Linux and macOS), or 2 GB when it cannot be told."""
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 2 * 1024**3


def memory_estimate(data: Any) -> int | None:
    """Bytes a path (or list of paths) takes once read into a DataFrame, estimated: a Parquet
    file's uncompressed size from its metadata, a CSV's size on disk, both doubled for pandas'
    overhead; None for anything that is not files."""
    if callable(data) or not is_source(data):
        return None
    paths = [data] if isinstance(data, (str, os.PathLike)) else list(data)
    total = 0
    for p in paths:
        path = os.fspath(p)
        if not os.path.exists(path):
            return None
        if _kind(path) == "parquet":
            pq = require("pyarrow.parquet", "parquet")
            meta = pq.ParquetFile(path).metadata
            total += sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        else:
            total += os.path.getsize(path)
    return 2 * total


def read_if_small(data: Any, share: float = 0.25) -> tuple[pd.DataFrame | None, int | None]:
    """The files ``data`` read whole when their :func:`memory_estimate` is within ``share`` of
    the free memory (the fit needs room for the model matrix too), else None; and the estimate."""
    try:
        estimate = memory_estimate(data)
    except (OSError, ValueError):  # unreadable or not what its name says: the source reports it
        return None, None
    if estimate is None or estimate > share * _available_memory():
        return None, estimate
    frames = list(as_source(data, None).chunks())
    return (pd.concat(frames) if len(frames) > 1 else frames[0]), estimate
