"""Iqtibas Telegram bot: answers Arabic questions by quoting passages of the corpus with their sources."""
