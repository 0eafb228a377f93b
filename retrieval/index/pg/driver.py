"""The PostgreSQL driver, or one error line that says how to install it (the directory backend needs none of it)."""

from ...errors import RetrievalError

try:
    import psycopg
    from pgvector.psycopg import register_vector
    from psycopg import sql
    from psycopg_pool import ConnectionPool, PoolTimeout
except ImportError as e:
    raise RetrievalError(f"an index in PostgreSQL needs the postgres extra ({e.name} is missing): "
                         "pip install 'iqtibas[postgres]'") from None

__all__ = ["ConnectionPool", "PoolTimeout", "psycopg", "register_vector", "sql"]
