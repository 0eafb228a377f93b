"""👍/👎 votes appended to a JSONL file, one object per line."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

Vote = Literal["up", "down"]


class FeedbackLog:
    """Appends votes to `path` (created on first use); safe to call from several threads."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def record(self, chat_id: int, question: str, passage_ids: list[int], vote: Vote) -> None:
        line = json.dumps(
            {
                "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "chat": chat_id,
                "question": question,
                "passage_ids": passage_ids,
                "vote": vote,
            },
            ensure_ascii=False,
        )
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line + "\n")
