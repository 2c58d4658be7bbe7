"""Casebook core: settings, domain models, errors, embeddings and the index over Qdrant."""

__version__ = "0.1.0"
