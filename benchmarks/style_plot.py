"""Answer quality by question style on the ANT sets, as a plot for docs/quality.md.

    python -m benchmarks.style_plot --index var/ant/dev-index [--part blind|test|tune|all] [--out docs/quality_by_style.png]

Asks the questions of `--part` as `python -m benchmarks.news` does (same grading: "right" is the answer a reader
sees) and draws, per style, the share right of the answerable questions and of the unanswerable ones (near-topic,
off-topic, empty time windows), with the count of questions beside each bar. Figures cite ANT v2.1 (Chouigui,
Ben Khiroun, Elayeb, AJSE 46(8), 2021; antcorpus.github.io).
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

from benchmarks.common import ROOT, index_embedder_spec

# (right, asked) per style, answerable and unanswerable apart
Shares = dict[str, dict[str, tuple[int, int]]]


def shares(outcomes) -> Shares:
    """Per group ("answerable", "unanswerable") and style: how many were right, of how many."""
    counts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for o in outcomes:
        cell = counts["answerable" if o.item.answerable else "unanswerable"][o.item.style]
        cell[0] += o.right
        cell[1] += 1
    return {group: {style: (r, n) for style, (r, n) in sorted(by.items())} for group, by in counts.items()}


def plot(figures: Shares, title: str, out: Path) -> Path:
    """Horizontal bars, one row per style, a panel per group; `n` beside each bar."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = [g for g in ("answerable", "unanswerable") if figures.get(g)]
    rows = max(len(figures[g]) for g in groups)
    fig, axes = plt.subplots(1, len(groups), figsize=(5 * len(groups), 1.6 + 0.38 * rows), squeeze=False)
    for ax, group in zip(axes[0], groups):
        styles = list(figures[group])
        values = [r / n for r, n in figures[group].values()]
        ax.barh(styles, values, color="C0" if group == "answerable" else "C1")
        for y, (value, (_, n)) in enumerate(zip(values, figures[group].values())):
            ax.text(min(value + 0.02, 0.9), y, f"{value:.2f} (n={n})", va="center", fontsize=8)
        ax.set_xlim(0, 1)
        ax.invert_yaxis()
        ax.set_xlabel("share right")
        ax.set_title(group, fontsize=10)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def main() -> None:
    from benchmarks.news import DEV_SETS, NEWS_EVAL, ask, in_part
    from retrieval import Retriever, make_embedder
    from retrieval.evaluate import load_news_set

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, default=Path("var/ant/dev-index"), help="the ANT dev slice's index")
    ap.add_argument("--sets", type=Path, default=NEWS_EVAL, help="the question sets (default eval/ant)")
    ap.add_argument("--part", choices=("tune", "test", "blind", "all"), default="blind", help="which questions")
    ap.add_argument("--embedder", help="the index's embedder (default: the bundled one that built it)")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "quality_by_style.png", help="the PNG written")
    args = ap.parse_args()
    retriever = Retriever.load(args.index, make_embedder(args.embedder or index_embedder_spec(args.index)))
    if args.part == "blind":
        items = load_news_set(args.sets / "blind.jsonl", retriever.articles)
    else:
        items = [i for name in DEV_SETS if (args.sets / f"{name}.jsonl").is_file()
                 for i in in_part(load_news_set(args.sets / f"{name}.jsonl", retriever.articles), args.part)]
    figures = shares([ask(retriever, item) for item in items])
    title = f"ANT dev slice ({len(retriever.articles):,} articles), {args.part} questions ({len(items)})"
    print(f"wrote {plot(figures, title, args.out)}")
    for group, by_style in figures.items():
        print(group + ": " + ", ".join(f"{s} {r}/{n}" for s, (r, n) in by_style.items()))


if __name__ == "__main__":
    main()
