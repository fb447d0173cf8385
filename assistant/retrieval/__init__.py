"""Retrieval: lexical (BM25), dense (Chroma), reciprocal-rank fusion, filters, and the retriever that joins them."""
