"""Prep sheet export: Markdown content and a PDF with sanitized text."""

from __future__ import annotations

from coach.agent.dealsheet import DealSheet, DealSheetUpdate, apply_update
from coach.agent.prepsheet import latin1, prep_sheet_markdown, prep_sheet_pdf
from coach.agent.tools import ToolContext, build_tools, invoke_tool
from tests.agent.test_tools import DEAL


def _prepared() -> DealSheet:
    sheet = apply_update(DealSheet(counterparty="Zoë’s Café"), DealSheetUpdate.model_validate(DEAL))[0]
    ctx = ToolContext(sheet=sheet)
    tools = {t.name: t for t in build_tools(ctx)}
    for name in ("zopa", "find_trades", "build_mesos", "contingent_contract"):
        assert invoke_tool(tools, name, {}).error is None
    return ctx.sheet


def test_markdown_sections() -> None:
    text = prep_sheet_markdown(_prepared())
    for heading in ("# Prep sheet", "## Deal sheet", "## ZOPA", "## Trades", "## Three MESOs",
                    "## Contingent clauses", "## Questions to ask", "## What not to reveal"):
        assert heading in text
    assert "100,000 USD to 130,000 USD" in text
    assert "- C:" in text and "Your walk-away number (100,000 USD)" in text


def test_empty_sheet_says_what_is_missing() -> None:
    text = prep_sheet_markdown(DealSheet())
    assert "Not checked yet" in text and "Preparation 0% complete" in text


def test_pdf_bytes_with_non_latin_text() -> None:
    pdf = prep_sheet_pdf(_prepared())
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    assert latin1("a → b — c ✓ €") == "a -> b - c ? EUR "
