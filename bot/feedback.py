"""👍/👎 votes appended to a JSONL file, one object per line, each written whole or not at all."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

Vote = Literal["up", "down"]

# Past this size the log is renamed to `<name>.1` (replacing an older one) and a new one begins.
MAX_BYTES = 10 * 1024 * 1024
# Start-up refuses a log whose disk has less room than this.
MIN_FREE_BYTES = 1024 * 1024


def check_writable(path: Path) -> None:
    """Raise OSError (with the reason) unless votes can be appended to `path`: creates its directory and the file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_dir():
        raise IsADirectoryError(21, "is a directory", str(path))
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.close(fd)
    if shutil.disk_usage(path.parent).free < MIN_FREE_BYTES:
        raise OSError(28, "no space left on device", str(path.parent))


class FeedbackLog:
    """Appends votes to `path`; the voter is an HMAC of the user id under `key`. Safe to call from several threads."""

    def __init__(self, path: Path, key: bytes, max_bytes: int = MAX_BYTES) -> None:
        self.path = Path(path)
        self.max_bytes = max_bytes
        self._key = key
        self._lock = threading.Lock()

    def voter(self, user_id: int) -> str:
        """The same short hash for the same user, not reversible to the id without the key."""
        return hmac.new(self._key, str(user_id).encode(), hashlib.sha256).hexdigest()[:16]

    def record(self, chat_id: int, user_id: int, question: str, passage_ids: list[int], vote: Vote) -> None:
        line = json.dumps(
            {
                "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "chat": chat_id,
                "voter": self.voter(user_id),
                "question": question,
                "passage_ids": passage_ids,
                "vote": vote,
            },
            ensure_ascii=False,
        )
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._append((line + "\n").encode("utf-8"))

    def _append(self, data: bytes) -> None:
        """One write of the whole line; if it fails part way, the file is cut back to where it was."""
        if self.path.exists() and self.path.stat().st_size + len(data) > self.max_bytes:
            os.replace(self.path, self.path.with_name(self.path.name + ".1"))
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                data = b"\n" + data  # a line cut short by a crash stays alone on its line
            try:
                written = os.write(fd, data)
                if written != len(data):
                    raise OSError(28, f"only {written} of {len(data)} bytes written", str(self.path))
            except OSError:
                os.ftruncate(fd, size)
                raise
        finally:
            os.close(fd)
