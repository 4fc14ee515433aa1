"""LLM seam: backend resolution (OpenAI-compatible, Ollama, offline), the tool-calling loop, token estimates.

Nothing here is imported at package import time; callers import the submodules they need so the
CLI stays fast (langchain/openai load only when a model is actually used).
"""
