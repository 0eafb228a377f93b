"""A PostgreSQL index location: `postgresql://user:password@host:port/database?schema=NAME`, never shown with its password."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SCHEMES = ("postgresql", "postgres")
DEFAULT_SCHEMA = "iqtibas"
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def is_database_url(text: object) -> bool:
    """Whether `text` names a PostgreSQL index (a postgresql:// or postgres:// URL) rather than a directory."""
    return isinstance(text, (str, DatabaseUrl)) and str(text).split("://", 1)[0].lower() in SCHEMES and "://" in str(text)


def mask(text: str) -> str:
    """`text` with the password of every URL in it replaced by ***."""
    return re.sub(r"(\w+://[^:/@\s]*:)[^@\s]*@", r"\1***@", text)


class DatabaseUrl:
    """Where a PostgreSQL index lives. str() and repr() mask the password; `conninfo` is for the driver only.

    Our own query parameter `schema` (default "iqtibas") names the schema holding the index's tables, so one
    database can hold several indexes; every other parameter goes to libpq as given.
    """

    def __init__(self, url: str) -> None:
        url = str(url).strip()
        parts = urlsplit(url)
        if parts.scheme.lower() not in SCHEMES:
            raise ValueError(f"not a PostgreSQL URL: {mask(url)} (expected postgresql://user:password@host/database)")
        try:
            parts.port  # noqa: B018 - validates the port
        except ValueError:
            raise ValueError(f"invalid port in {mask(url)}") from None
        if not parts.path.strip("/"):
            raise ValueError(f"no database named in {mask(url)} (expected postgresql://user:password@host/database)")
        query = parse_qsl(parts.query, keep_blank_values=True)
        schema = [v for k, v in query if k == "schema"]
        self.schema = schema[-1] if schema else DEFAULT_SCHEMA
        if not _NAME.fullmatch(self.schema):
            raise ValueError(f"invalid schema {self.schema!r} in {mask(url)}: lower-case letters, digits and _")
        self._url = url
        self.conninfo = urlunsplit(parts._replace(query=urlencode([(k, v) for k, v in query if k != "schema"])))

    def __str__(self) -> str:
        return mask(self._url)

    def __repr__(self) -> str:
        return f"DatabaseUrl({str(self)!r})"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DatabaseUrl) and other._url == self._url

    def __hash__(self) -> int:
        return hash(self._url)

    def with_schema(self, schema: str) -> DatabaseUrl:
        parts = urlsplit(self._url)
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "schema"]
        return DatabaseUrl(urlunsplit(parts._replace(query=urlencode([*query, ("schema", schema)]))))

    @property
    def password(self) -> str | None:
        """The password alone (decoded), for a log filter to redact wherever a library might print it."""
        from urllib.parse import unquote

        password = urlsplit(self._url).password
        return unquote(password) if password else None

    def secret(self) -> str:
        """The URL as given, password included: for a child process's environment, never for a log."""
        return self._url
