# Casebook: the HTTP search service, with the embedding model packaged (no downloads at runtime).
#
#   docker build -t casebook .
#   docker run --rm -p 8000:8000 -v casebook-data:/data casebook
#
# Without CASEBOOK_QDRANT_URL the index is an embedded Qdrant Edge shard under /data, which only
# one process can open at a time; docker-compose.yml runs a Qdrant server instead.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# libmagic: unstructured's file-type detection. libgomp: OpenMP runtime for torch on CPU.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libmagic1 libgomp1 \
    && rm -rf /var/lib/apt/lists/*

# The CPU-only torch wheel first, in its own layer: the default index would pull a multi-GB CUDA
# build. `pip install .` then finds torch==2.13.0 already satisfied.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

WORKDIR /app
COPY . /app
RUN pip install . \
    && useradd --create-home --uid 10001 casebook \
    && mkdir -p /data \
    && chown casebook:casebook /data

# Everything the service needs is installed; keep the model hubs and telemetry offline.
ENV CASEBOOK_DATA_DIR=/data \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1

USER casebook
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)" || exit 1

# The sample corpus is at /app/casebook/sample, e.g.:
#   docker run --rm -v casebook-data:/data casebook casebook ingest /app/casebook/sample
CMD ["casebook", "serve", "--host", "0.0.0.0", "--port", "8000"]
