"""The HTTP service: a FastAPI app over the core index."""
