"""Answering a question from a stored index: reading the question, candidates, fusion, verdict, passages."""
