"""Errors the CLI and the bot turn into one clear line."""


class RetrievalError(Exception):
    """Base class: the message is meant for the operator as it is."""


class IndexNotFound(RetrievalError):
    pass


class IndexMismatch(RetrievalError):
    """The index was built by another embedder or an incompatible format."""


class CorruptIndex(RetrievalError):
    pass


class BuildError(RetrievalError):
    """A build failed; the previous index, if any, is untouched."""


class BuildBusy(BuildError):
    """Another build of the same index is running: try again when it ends."""


REBUILD = "rebuild it with: python -m retrieval build"


class IndexUnavailable(RetrievalError):
    """The database holding the index cannot be reached (after retries); nothing was changed."""
