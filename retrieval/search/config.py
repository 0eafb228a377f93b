"""The weights and thresholds of a search, tuned by `benchmarks/tune_fusion.py` on the dev sets' tuning parts and ARCD."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class SearchConfig:
    """Fusion weights and the verdict rule."""

    mode: Literal["hybrid", "dense", "lexical"] = "hybrid"
    candidates: int = 50
    lexical_weight: float = 0.8
    # Hybrid then adds character 3-gram BM25 among its best candidates (see `fusion.add_char_grams`).
    char_weight: float = 0.4
    char_candidates: int = 30  # among 50: the same hit@k on ANT, the seeds and ARCD-test, half the cost
    # Answerable when confidence = best dense + w_lex * its lexical score + w_gap * (best dense - the
    # question's median similarity to the corpus) reaches the threshold. Questions in another script
    # than the corpus (English) get their own threshold: cross-lingual similarities run lower.
    confidence_lexical_weight: float = 0.8
    confidence_gap_weight: float = 1.5
    # The learned answer check (answer_check.py) decides answered / related / none when its model is
    # there; without it, or with False, the hand thresholds below do.
    answer_check: bool = True
    # Arabizi is read after transliteration, whose misspellings lower every similarity: its own threshold.
    answer_from: float = 0.91
    answer_from_arabizi: float = 0.78
    answer_from_cross_lingual: float = 0.82
    # Below answering but this close to it, the corpus discusses the topic ("related"); further, "none".
    # Cross-lingual scores are too coarse for a band: an English question is answered or not covered.
    related_band: float = 0.02
    related_band_cross_lingual: float = 0.0
    # Among the best candidates, a sentence holding the kind of fact asked (a date for "when" …) gains
    # this much cosine; an answer to a question asking for such a fact needs one among its first quotes.
    evidence_weight: float = 0.02
    evidence_candidates: int = 10
    evidence_quotes: int = 3
    # A second passage of an article ranks among the first ones only this close to the best score:
    # on a corpus of one topic the article that answers often holds the next-best passages too.
    same_article_margin: float = 0.05
    # A follow-up usually asks another fact of the article the earlier question was about
    # (benchmarks/followups.py: one follow-up more of 48 answered with 0.15 than with 0.05).
    followup_same_article_margin: float = 0.15
    # The question's vector embeds at most its first this many characters (whole words; as many again of
    # earlier questions for a follow-up): embedding costs ~1.6 ms a token, and one long pasted question
    # must not hold a CPU for a second. BM25 reads all of it.
    query_chars: int = 300
    # A question asking the latest (or earliest) news ranks by date the passages this close to its best
    # score, so a new article off the topic does not beat an older one on it.
    time_topic_margin: float = 0.3
    time_topic_share: float = 0.5
    # "What happened last week?" is answered by a passage on the topic from that week: it needs this much
    # less confidence than a fact, and this share of the topic's term weight (not only a similar sentence).
    time_news_band: float = 0.06
    time_news_coverage: float = 0.5
