"""From files to articles to passages: reading a corpus, scraped-page heuristics, sentence-aware chunking."""
