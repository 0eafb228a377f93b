"""What several test files use: the repository's paths, the CLIs run as subprocesses, a model-free embedder."""

from __future__ import annotations

import os
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np

from bot.settings import BotSettings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def cli(*args, stdin=None, **env):
    """`python -m retrieval ARGS` with environment variables `env`, as an operator runs it (bytes `stdin`: bytes out)."""
    binary = isinstance(stdin, bytes)
    return subprocess.run(
        [sys.executable, "-m", "retrieval", *args],
        input=stdin, capture_output=True, text=not binary, cwd=ROOT, timeout=120,
        env={**os.environ, "OMP_WAIT_POLICY": "PASSIVE", **{k: str(v) for k, v in env.items()}},
    )


def environment(**values: str) -> dict[str, str]:
    """This process's environment without any bot setting, plus `values`; the package is importable from ROOT."""
    names = {name.upper() for name in BotSettings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in names}
    return {**env, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8", **values}


def run_bot(*args: str, stdin: str = "", cwd: Path, **values: str) -> subprocess.CompletedProcess:
    """`python -m bot ARGS` in `cwd` with no bot setting from this environment but `values`."""
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          encoding="utf-8", cwd=cwd, env=environment(**values), timeout=120)


class BagOfWords:
    """A fast deterministic embedder: hashed words, so indexes are built without a model."""

    id, dim = "test-bag-of-words", 64

    def __init__(self):
        self.embedded = 0

    def _vector(self, text):
        v = np.full(self.dim, 0.01, dtype=np.float32)
        for word in text.split():
            v[zlib.crc32(word.strip("؟.،").encode()) % self.dim] += 1
        return v / np.linalg.norm(v)

    def embed_passages(self, texts):
        self.embedded += len(texts)
        return np.stack([self._vector(t) for t in texts]) if texts else np.empty((0, self.dim), np.float32)

    def embed_query(self, text):
        return self._vector(text)
