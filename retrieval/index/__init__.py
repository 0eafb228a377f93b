"""The index directory: its files and manifest, building, incremental reuse, atomic swaps, and reading it back."""
