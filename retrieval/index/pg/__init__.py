"""The index in PostgreSQL with pgvector: the same tables the directory holds, as tables, read and written whole.

url.py (where, masked), connection.py (connecting, retries, one error line), schema.py (the tables),
write.py (a build's rows in one transaction, a new version made current), read.py (what the retriever reads).
"""
