"""Pure negotiation maths: scoring, the exact Pareto frontier, deal checks, trades, MESOs,
ZOPA, contingent contracts and priorities-to-points. No I/O, no LLM.

Import the submodules directly (``from coach.analysis.pareto import pareto_frontier``);
this package does no work at import time.
"""
