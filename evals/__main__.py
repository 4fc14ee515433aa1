"""``python -m evals <suite> [options]``: dispatch to one suite module, imported lazily."""

from __future__ import annotations

import importlib
import sys

SUITES = {
    "external": "evals.external",
    "bench-engine": "evals.bench_engine",
    "retrieval": "evals.retrieval_eval",
    "bench-retrieval": "evals.bench_retrieval",
    "coach": "evals.coach_eval",
    "bench-coach": "evals.bench_coach",
    "selfplay": "evals.selfplay_eval",
    "bench-ui": "evals.bench_ui",
}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help") or args[0] not in SUITES:
        names = ", ".join(SUITES)
        print(f"usage: python -m evals <suite> [options]\nsuites: {names}", file=sys.stderr)
        return 0 if args and args[0] in ("-h", "--help") else 2
    module = importlib.import_module(SUITES[args[0]])
    return int(module.main(args[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main())
