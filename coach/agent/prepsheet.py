"""The one-page prep sheet: the deal sheet and the stored tool results, as Markdown or PDF.

Rendering only: the numbers are the engine results the tools stored on the sheet
(``sheet.results``); run the tools first (the offline coach's "prep sheet" intent does).
"""

from __future__ import annotations

from coach.agent.dealsheet import DealSheet
from coach.agent.describe import describe_result, money
from coach.agent.progress import CHECKLIST, progress

MAX_QUESTIONS = 6
_PDF_REPLACEMENTS = {"—": "-", "–": "-", "→": "->", "…": "...", "≈": "~", "’": "'", "‘": "'", "“": '"', "”": '"',
                     "•": "-", "€": "EUR ", "≥": ">=", "≤": "<=", "×": "x", "\u00a0": " "}


def questions_to_ask(sheet: DealSheet) -> list[str]:
    """The user's open questions first, then questions that fill the sheet's gaps about them."""
    questions = list(sheet.open_questions)
    for issue in sheet.issues:
        if issue.their_priority is None:
            questions.append(f"How important is {issue.name} to you compared with the other terms?")
    for interest in sheet.interests:
        if interest.party == "them" and not interest.why:
            questions.append(f"What makes {interest.text} important for you?")
    if sheet.their_reservation_low is None and sheet.their_reservation_high is None:
        questions.append("What range have you planned for this, and what would make it easy to approve?")
    if not any(i.party == "them" and i.why for i in sheet.interests):
        questions.append("What would have to be true for this to be a clear win for you?")
    return list(dict.fromkeys(questions))[:MAX_QUESTIONS]


def not_to_reveal(sheet: DealSheet) -> list[str]:
    """What to keep to yourself at the table."""
    cur = sheet.currency
    items = []
    if sheet.reservation is not None:
        items.append(f"Your walk-away number ({money(sheet.reservation, cur)}); anchor from your target instead.")
    if sheet.my_batna:
        items.append("The details of your BATNA unless it is strong and credible; hint that you have options.")
    high = [i.name for i in sheet.issues if i.my_priority == "High"]
    if high:
        items.append(f"How much you value {', '.join(high)}: let MESOs reveal priorities instead of stating them.")
    items.append("Deadlines or internal pressure that would tell them you must close.")
    return items


def _deal_lines(sheet: DealSheet) -> list[str]:
    cur = sheet.currency
    their = "?"
    if sheet.their_reservation_low is not None:
        low, high = sheet.their_reservation_low, sheet.their_reservation_high
        their = money(low, cur) if high in (None, low) else f"{money(low)} to {money(high, cur)}"
    lines = [f"- **Counterparty:** {sheet.counterparty or '?'}; **my role:** {sheet.role or '?'}",
             (f"- **BATNA:** {sheet.my_batna or '?'}"
              + (f" ({money(sheet.my_batna_value, cur)})" if sheet.my_batna_value is not None else "")),
             (f"- **Reservation:** {money(sheet.reservation, cur)}; **target:** {money(sheet.target, cur)}; "
              f"**their likely limit:** {their}")]
    if sheet.issues:
        lines += ["", "| Issue | Options | My priority | Their priority |", "|---|---|---|---|"]
        for issue in sheet.issues:
            options = ", ".join(issue.options) or (f"{issue.low:g}-{issue.high:g}" if issue.low is not None
                                                   and issue.high is not None else "-")
            lines.append(f"| {issue.name} | {options} | {issue.my_priority or '?'} | {issue.their_priority or '?'} |")
    for interest in sheet.interests:
        who = "They" if interest.party == "them" else "I"
        lines.append(f"- {who} want {interest.text}" + (f" because {interest.why}" if interest.why else ""))
    return lines


def _section(sheet: DealSheet, key: str, title: str, missing: str) -> list[str]:
    result = sheet.results.get(key)
    body = describe_result(key, result, sheet.currency, label=False) if result else f"_{missing}_"
    return ["", f"## {title}", body]


def prep_sheet_markdown(sheet: DealSheet) -> str:
    """A one-page Markdown prep sheet (deal sheet, ZOPA, trades, three MESOs, contingent clauses,
    questions to ask, what not to reveal)."""
    state = progress(sheet)
    title = sheet.title or (f"Deal with {sheet.counterparty}" if sheet.counterparty else "My deal")
    todo = [c.label for c in CHECKLIST if c.id in state["todo"]]
    lines = [f"# Prep sheet: {title}", f"_Preparation {state['share']:.0%} complete"
             + (f"; still to do: {', '.join(todo[:4])}" if todo else "") + "._", "", "## Deal sheet"]
    lines += _deal_lines(sheet)
    lines += _section(sheet, "zopa", "ZOPA", "Not checked yet: record your reservation and an estimate of theirs.")
    lines += _section(sheet, "trades", "Trades", "Not found yet: map at least two issues with priorities.")
    lines += _section(sheet, "mesos", "Three MESOs", "Not drafted yet: map at least two issues with priorities.")
    contingent = _section(sheet, "contingent", "Contingent clauses",
                          "None: no forecast where you and they disagree has been recorded.")
    lines += contingent
    lines += ["", "## Questions to ask"] + [f"- {q}" for q in questions_to_ask(sheet)]
    lines += ["", "## What not to reveal"] + [f"- {item}" for item in not_to_reveal(sheet)]
    return "\n".join(lines).strip() + "\n"


def latin1(text: str) -> str:
    """Text the PDF core fonts can print: common symbols spelled out, anything else as '?'."""
    for old, new in _PDF_REPLACEMENTS.items():
        text = text.replace(old, new)
    return text.encode("latin-1", "replace").decode("latin-1")


def prep_sheet_pdf(sheet: DealSheet) -> bytes:
    """The prep sheet as a PDF (fpdf2, core fonts; non-latin-1 characters are sanitized)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_margins(14, 12, 14)
    for raw in prep_sheet_markdown(sheet).splitlines():
        line = latin1(raw)
        if line.startswith("|---"):
            continue
        if line.startswith("# "):
            pdf.set_font("Helvetica", "B", 15)
            pdf.multi_cell(0, 8, line[2:], new_x="LMARGIN", new_y="NEXT")
        elif line.startswith("## "):
            pdf.ln(1)
            pdf.set_font("Helvetica", "B", 12)
            pdf.multi_cell(0, 6, line[3:], new_x="LMARGIN", new_y="NEXT")
        elif line.strip():
            pdf.set_font("Helvetica", "", 9.5)
            text = line.strip("| ").replace(" | ", "  |  ") if line.startswith("|") else line
            pdf.multi_cell(0, 4.6, text, markdown=True, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.ln(1.5)
    return bytes(pdf.output())
