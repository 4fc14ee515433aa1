"""The coach agent: session orchestration, tools, deal sheet, prompts."""
