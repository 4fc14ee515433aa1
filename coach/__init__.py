"""Pie Coach: a negotiation coach that teaches people to expand the pie before they split it."""

__version__ = "0.1.0"
