"""Replacing an index directory as a whole: one build at a time, and an atomic directory swap."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import logging
import os
import shutil
from pathlib import Path

from ..errors import BuildBusy
from .layout import MANIFEST, OLD, STAGING, leftovers, lock_file, old_dir

log = logging.getLogger(__name__)


@contextlib.contextmanager
def exclusive(index_dir: Path):
    """One build per index at a time, across processes."""
    with open(lock_file(index_dir), "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildBusy(f"another build of {index_dir} is running") from None
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


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_stale_leftovers(index_dir: Path) -> None:
    """Delete what builds that died left beside `index_dir`: staging directories, and old indexes already swapped out."""
    stale = [(path, pid) for path, pid in leftovers(index_dir, STAGING) if pid != os.getpid()]
    if index_dir.exists():  # else an old index may be the only one left (see recover_interrupted_swap)
        stale += leftovers(index_dir, OLD)
    for path, pid in stale:
        if not process_alive(pid):
            log.info("removing %s, left by an interrupted build", path)
            shutil.rmtree(path, ignore_errors=True)


def parked_index(index_dir: Path) -> Path | None:
    """The index a swap interrupted between its two renames left at `.NAME.old-PID`, if `index_dir` is missing.

    Only looks: `recover_interrupted_swap` puts it back, when a build or a search opens the index.
    """
    index_dir = Path(index_dir).resolve()
    if os.path.lexists(index_dir):
        return None
    for old, pid in sorted(leftovers(index_dir, OLD), key=lambda found: found[0].stat().st_mtime, reverse=True):
        if not process_alive(pid) and (old / MANIFEST).is_file():  # a live process is between its renames
            return old
    return None


def recover_interrupted_swap(index_dir: Path) -> bool:
    """Put back the index that a swap interrupted between its two renames left at `.NAME.old-PID`."""
    old = parked_index(index_dir)
    if old is None:
        return False
    index_dir = Path(index_dir).resolve()
    try:
        os.rename(old, index_dir)
    except OSError as e:
        log.warning("cannot recover %s from %s: %s", index_dir, old, e.strerror or e)
        return False
    log.warning("recovered %s from %s, left by an interrupted build", index_dir, old.name)
    return True
