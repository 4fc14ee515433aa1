"""Retrieval eval: ``python -m evals retrieval [--json]``.

Asks every question in evals/retrieval/questions.yaml against the knowledge index in three modes
(hybrid, vector-only, BM25-only) and scores the ranking of distinct documents: recall@1,
recall@3 and mean reciprocal rank (a hit is any of the question's acceptable doc ids). Writes
evals/results/retrieval.json. Target: hybrid recall@3 >= 0.95.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EVALS = Path(__file__).resolve().parent
QUESTIONS = EVALS / "retrieval" / "questions.yaml"
RESULTS = EVALS / "results" / "retrieval.json"
TARGET_RECALL_AT_3 = 0.95


def load_questions(path: Path, known_ids: set[str]) -> list[dict[str, Any]]:
    """Read and check the question set (every acceptable id must be a known document)."""
    import yaml

    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = raw.get("questions", []) if isinstance(raw, dict) else []
    out = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict) or not item.get("q") or not item.get("acceptable"):
            raise ValueError(f"{path}: question {n} needs 'q' and 'acceptable'")
        unknown = [i for i in item["acceptable"] if i not in known_ids]
        if unknown:
            raise ValueError(f"{path}: question {n} names unknown doc ids {unknown}")
        out.append({"q": str(item["q"]), "acceptable": list(item["acceptable"]),
                    "context": item.get("context", "general")})
    return out


def score_mode(kb: Any, questions: list[dict[str, Any]], mode: str) -> dict[str, Any]:
    """recall@1, recall@3 and MRR for one ranking mode, plus the questions missed at 3."""
    hits1 = hits3 = 0
    rr_total = 0.0
    misses = []
    for item in questions:
        ranking = kb.rank_docs(item["q"], mode=mode)
        rank = next((i + 1 for i, doc in enumerate(ranking) if doc in item["acceptable"]), None)
        hits1 += rank == 1
        hits3 += rank is not None and rank <= 3
        rr_total += 1.0 / rank if rank else 0.0
        if rank is None or rank > 3:
            misses.append({"q": item["q"], "acceptable": item["acceptable"], "top3": ranking[:3], "rank": rank})
    n = max(len(questions), 1)
    return {"recall@1": round(hits1 / n, 4), "recall@3": round(hits3 / n, 4), "mrr": round(rr_total / n, 4),
            "misses": misses}


def run(data_dir: Path | None = None, questions_path: Path = QUESTIONS) -> dict[str, Any]:
    """Open (or build) the index and score all modes."""
    from coach.knowledge.corpus import REQUIRED_IDS
    from coach.knowledge.search import MODES, KnowledgeBase
    from coach.settings import Settings, get_settings

    settings = Settings(data_dir=data_dir) if data_dir else get_settings()
    kb = KnowledgeBase.open(settings)
    known = set(kb.doc_ids()) | {i for ids in REQUIRED_IDS.values() for i in ids}
    questions = load_questions(questions_path, known)
    modes = {mode: score_mode(kb, questions, mode) for mode in MODES}
    contexts: dict[str, int] = {}
    for item in questions:
        contexts[item["context"]] = contexts.get(item["context"], 0) + 1
    return {
        "suite": "retrieval",
        "questions": len(questions),
        "by_context": contexts,
        "corpus_docs": len(kb.doc_ids()),
        "corpus_chunks": len(kb.chunks),
        "modes": modes,
        "target": {"hybrid recall@3 >= 0.95": modes["hybrid"]["recall@3"] >= TARGET_RECALL_AT_3},
    }


def _print_table(result: dict[str, Any]) -> None:
    print(f"{result['questions']} questions over {result['corpus_docs']} docs / {result['corpus_chunks']} chunks")
    print(f"{'mode':8} {'recall@1':>9} {'recall@3':>9} {'MRR':>7}")
    for mode, m in result["modes"].items():
        print(f"{mode:8} {m['recall@1']:9.3f} {m['recall@3']:9.3f} {m['mrr']:7.3f}")
    for miss in result["modes"]["hybrid"]["misses"]:
        print(f"  hybrid miss: {miss['q']!r} wanted {miss['acceptable']} got {miss['top3']}")
    ok = result["target"]["hybrid recall@3 >= 0.95"]
    print(f"target hybrid recall@3 >= {TARGET_RECALL_AT_3}: {'PASS' if ok else 'FAIL'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals retrieval", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--data-dir", type=Path, default=None, help="index location (default: COACH_DATA_DIR)")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    try:
        result = run(args.data_dir, args.questions)
    except (ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        _print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
