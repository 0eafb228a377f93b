"""BM25 among a few passages, as the retriever uses it for character 3-grams of its candidates."""

import numpy as np

from retrieval.index.lexical import bm25_among


def test_the_document_holding_the_rare_query_term_ranks_first():
    docs = [["موسكو", "واشنطن"], ["موسكو", "مينسك"], ["موسكو", "جنيف"]]
    scores = bm25_among(docs, ["موسكو", "مينسك"])
    assert int(np.argmax(scores)) == 1
    assert scores[0] == scores[2] > 0  # the term every document has still counts a little


def test_scores_are_scaled_by_the_best_possible_score():
    docs = [["a"] * 50, ["b"]]
    assert 0 < bm25_among(docs, ["a"])[0] < 1


def test_no_query_or_no_documents_scores_nothing():
    assert not bm25_among([["a"], ["b"]], []).any()
    assert len(bm25_among([], ["a"])) == 0
