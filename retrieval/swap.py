"""Replacing an index directory as a whole: one build at a time, and an atomic directory swap."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import os
from pathlib import Path

from .errors import BuildError
from .layout import lock_file, old_dir


@contextlib.contextmanager
def exclusive(index_dir: Path):
    """One build per index at a time, across processes."""
    with open(lock_file(index_dir), "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(f"another build of {index_dir} is running") from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def swap(staging: Path, live: Path) -> None:
    """Put `staging` in place of `live` atomically; afterwards `staging` holds the old index, if any."""
    if not live.exists():
        os.rename(staging, live)
        return
    if _rename_exchange(staging, live):
        return
    old = old_dir(live, os.getpid())
    os.rename(live, old)
    os.rename(staging, live)
    os.rename(old, staging)


def _rename_exchange(a: Path, b: Path) -> bool:
    """Linux renameat2(RENAME_EXCHANGE): both names stay valid at every instant."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))
