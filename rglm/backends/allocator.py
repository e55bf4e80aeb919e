"""The C allocator of a Dask worker, made roomy for the length of a task.

Dask's nanny starts every worker process with ``MALLOC_TRIM_THRESHOLD_=65536`` (its setting
``distributed.nanny.pre-spawn-environ``), so that glibc gives freed memory back to the
system.  Setting it also switches off glibc's adaptive ``mmap`` threshold: every block above
128 kB is then mapped from the system when allocated and unmapped when freed.  A pass over a
partition makes many temporary arrays of a few MB each (one float per row), and each one then
costs fresh pages from the kernel, zeroed and faulted in one by one: the sums of a partition
took twice the CPU time they take in a process with glibc's defaults.

:func:`roomy_malloc` raises both thresholds while a task of rglm runs, so that its
temporaries reuse the memory the last one freed, and puts Dask's values back afterwards with
a ``malloc_trim`` that returns the freed memory to the system, as Dask wants.  It does nothing
unless the process runs glibc with ``MALLOC_TRIM_THRESHOLD_`` set (elsewhere the allocator
already adapts); tasks running at once in one worker share one raised period.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["roomy_malloc"]

# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: During a task: blocks up to 32 MB (glibc's largest mmap threshold on 64-bit) from the heap,
#: and up to 256 MB of free heap kept until the task ends.
_TASK_MMAP = 32 * 1024 * 1024
_TASK_TRIM = 256 * 1024 * 1024
#: glibc's mmap threshold when it is not adaptive and not set (DEFAULT_MMAP_THRESHOLD_MIN).
_DEFAULT_MMAP = 128 * 1024

_lock = threading.Lock()
_active = 0


def _libc() -> Any:
    """glibc's functions, or None on any other C library or platform."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 - present in glibc only
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except (OSError, AttributeError):
        return None


_LIBC = _libc()


def _env_int(name: str) -> int | None:
    try:
        return int(os.environ[name])
    except (KeyError, ValueError):
        return None


@contextlib.contextmanager
def roomy_malloc() -> Iterator[None]:
    """glibc's allocator keeps and reuses freed blocks while this block runs (see the module
    docstring); a no-op unless ``MALLOC_TRIM_THRESHOLD_`` is set and the C library is glibc."""
    global _active
    trim = _env_int("MALLOC_TRIM_THRESHOLD_")
    if _LIBC is None or trim is None:
        yield
        return
    with _lock:
        if _active == 0:
            _LIBC.mallopt(_M_MMAP_THRESHOLD, _TASK_MMAP)
            _LIBC.mallopt(_M_TRIM_THRESHOLD, _TASK_TRIM)
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                _LIBC.mallopt(_M_MMAP_THRESHOLD, _env_int("MALLOC_MMAP_THRESHOLD_") or _DEFAULT_MMAP)
                _LIBC.mallopt(_M_TRIM_THRESHOLD, trim)
                _LIBC.malloc_trim(0)
