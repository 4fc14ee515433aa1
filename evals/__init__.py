"""Evals and benchmarks: ``python -m evals <suite>``. Data plus evaluators, out of the unit tests."""
