"""A local sentence-transformers BERT folder run by ONNX Runtime with int8 weights (the `onnx` extra)."""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import os
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from .protocol import BATCH_SIZE
from .spec import embedder_id, weights_digest
from .st import prefixes_by_name

log = logging.getLogger(__name__)

ONNX_INT8 = Path("onnx") / "model_qint8.onnx"


def onnx_int8_path(model_dir: Path) -> Path:
    """The folder's int8 ONNX encoder, exported and quantized on first use (a build output beside the model),
    and again whenever the weights' content differs from what it was exported from.

    ONNX Runtime's dynamic quantization: int8 weights per output channel, uint8 activations per tensor.
    """
    model_dir = Path(model_dir)
    target = model_dir / ONNX_INT8
    source = target.with_name(target.name + ".weights")  # the weights_digest it was exported from
    digest = weights_digest(model_dir)
    with contextlib.suppress(OSError):
        if target.is_file() and source.read_text(encoding="utf-8").strip() == digest:
            return target
    log.warning("exporting %s to ONNX int8 (once; kept in %s)", model_dir, target.parent)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=target.parent, prefix=".export-"))
    try:
        in_own_process(export_fp32, model_dir, work / "model.onnx")
        in_own_process(quantize_int8, work / "model.onnx", work / "model_qint8.onnx")
        os.chmod(work / "model_qint8.onnx", 0o644)
        (work / "weights").write_text(digest + "\n", encoding="utf-8")
        os.replace(work / "model_qint8.onnx", target)
        os.replace(work / "weights", source)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def in_own_process(step, *args) -> None:
    """Runs one step in a fresh process, so that the memory it peaks at is returned before the next step starts."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        pool.submit(step, *args).result()


def quantize_int8(fp32: Path, target: Path) -> None:
    """ONNX Runtime's dynamic quantization of an fp32 graph."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(logging.ERROR)  # quantize_dynamic warns on the root logger to "consider pre-processing"
    quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8, per_channel=True)


def export_fp32(model_dir: Path, target: Path) -> None:
    """The folder's transformer as an fp32 ONNX graph: token ids and mask in, last hidden states out."""
    import warnings

    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    encoder = AutoModel.from_pretrained(model_dir, attn_implementation="eager").eval()

    class LastHidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask):
            return self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    example = (torch.ones(2, 8, dtype=torch.long), torch.ones(2, 8, dtype=torch.long))
    axes = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer notices about constants that do not depend on the input
        torch.onnx.export(
            LastHidden(), example, str(target), input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"], opset_version=17, dynamo=False,
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
        )


class OnnxEmbedder:
    """Mean-pooled, L2-normalized vectors from the int8 ONNX export of a sentence-transformers folder."""

    def __init__(self, model_dir: str, batch_size: int = BATCH_SIZE, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = Path(model_dir)
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        pooling = next((m for m in modules if m["type"].endswith("Pooling")), None)
        config = json.loads((folder / pooling["path"] / "config.json").read_text(encoding="utf-8")) if pooling else {}
        mean = config.get("pooling_mode") == "mean" or config.get("pooling_mode_mean_tokens")  # ST 6 / older ST
        if not mean or not any(m["type"].endswith("Normalize") for m in modules):
            raise ValueError(f"{model_dir}: the ONNX runtime supports mean pooling + Normalize models only")
        self.dim = int(config.get("embedding_dimension") or config["word_embedding_dimension"])
        max_len = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8")).get("max_seq_length", 512)
        prompts = json.loads((folder / "config_sentence_transformers.json").read_text(encoding="utf-8")).get("prompts", {})
        if "query" in prompts and "passage" in prompts:
            self._query_prefix, self._passage_prefix = prompts["query"], prompts["passage"]
        else:
            self._query_prefix, self._passage_prefix = prefixes_by_name(model_dir)
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_len)
        pad = self._tokenizer.token_to_id("<pad>")
        self._tokenizer.enable_padding(pad_id=pad if pad is not None else 0)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or int(os.environ.get("OMP_NUM_THREADS", 0) or 0)
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(onnx_int8_path(folder)), options, providers=["CPUExecutionProvider"])
        self._batch_size = batch_size
        self.id = embedder_id(f"st:{model_dir}#onnx-int8")

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode([self._passage_prefix + t for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([self._query_prefix + text])[0]

    def _encode(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))  # similar lengths pad less
        for at in range(0, len(order), self._batch_size):
            rows = order[at: at + self._batch_size]
            longest = max(sum(encodings[i].attention_mask) for i in rows)
            ids = np.array([encodings[i].ids[:longest] for i in rows], dtype=np.int64)
            mask = np.array([encodings[i].attention_mask[:longest] for i in rows], dtype=np.int64)
            hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
            out[rows] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return out
