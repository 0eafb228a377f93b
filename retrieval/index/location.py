"""Where an index lives: a directory (the default) or a PostgreSQL database (`postgresql://…`), and what differs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Union

from .manifest import Manifest
from .pg.url import DatabaseUrl, is_database_url

if TYPE_CHECKING:
    from .pg.read import PgIndex
    from .stored import StoredIndex

IndexLocation = Union[Path, DatabaseUrl]


def parse_location(value: object) -> IndexLocation:
    """A DatabaseUrl for a postgresql:// URL (ValueError if malformed), else a Path."""
    if isinstance(value, (Path, DatabaseUrl)):
        return value
    return DatabaseUrl(str(value)) if is_database_url(value) else Path(str(value))


def open_index(location: IndexLocation) -> StoredIndex | PgIndex:
    """The index at `location`, opened for search."""
    if isinstance(location, DatabaseUrl):
        from .pg.read import PgIndex

        return PgIndex(location)
    from .stored import StoredIndex

    return StoredIndex(Path(location))


def load_manifest(location: IndexLocation) -> Manifest:
    """The manifest of the index at `location` (its current version in a database)."""
    if isinstance(location, DatabaseUrl):
        from .pg.status import current_manifest

        return current_manifest(location)
    return Manifest.load(Path(location))


def index_stamp(location: IndexLocation) -> tuple | None:
    """What changes when a build replaces the index; None when there is none (or it cannot be read now)."""
    if isinstance(location, DatabaseUrl):
        from .pg.status import current_stamp

        return current_stamp(location)
    from .layout import MANIFEST

    try:
        stat = (Path(location) / MANIFEST).stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size
