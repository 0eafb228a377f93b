"""Arabic text analysis for matching: normalization, the BM25 analyzer, Latin names, spelling, dates."""
