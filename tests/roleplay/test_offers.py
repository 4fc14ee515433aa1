"""The offer parser: deterministic matching, MESOs, structured offers, and the LLM structured path."""

from __future__ import annotations

import pytest

from coach.roleplay.intents import read_move
from coach.roleplay.library import load
from coach.roleplay.offers import (
    OfferError,
    describe_package,
    parse_offer,
    parse_offer_llm,
    structured_offer,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("How about $38 per seat, 3 years, dedicated manager, monthly payments and go-live in 2 weeks?",
     (2, 2, 2, 2, 0)),
    (("Price per seat per month: $34; Contract length: 2 years; Support tier: Priority; "
      "Payment terms: Quarterly; Go-live date: In 6 weeks"), (1, 1, 1, 1, 1)),
    ("We can't go above 38 on price", (2, None, None, None, None)),
    ("term 3 and support priority", (None, 2, 1, None, None)),
    ("price=$46; term=1 year", (4, 0, None, None, None)),
])
def test_deterministic_parse(saas, text: str, expected: tuple) -> None:
    offer = parse_offer(saas.table(), text)
    assert offer is not None and offer.packages == (expected,)


def test_numbers_with_units_and_separators() -> None:
    table = load("job-offer").table()
    offer = parse_offer(table, "salary 165,000 and 4 days remote")
    assert offer is not None and offer.packages == ((3, 3, None, None, None),)
    offer = parse_offer(load("office-lease").table(), "rent $9,500 with a $40k fit-out")
    assert offer is not None and offer.packages[0][:3] == (1, None, 2)


def test_meso_is_split_into_packages(saas) -> None:
    table = saas.table()
    text = ("Option A: $42, 3 years, Standard, Annual upfront, In 2 weeks. "
            "Option B: $38, 1 year, Priority, Monthly, In 6 weeks")
    offer = parse_offer(table, text)
    assert offer is not None and offer.is_meso
    assert offer.packages == ((3, 2, 0, 0, 0), (2, 0, 1, 2, 1))


def test_round_trip_of_described_packages(saas) -> None:
    table = saas.table()
    for package in [(0, 0, 0, 0, 0), (4, 2, 2, 2, 2), (1, 2, 0, 1, 2)]:
        offer = parse_offer(table, "We propose: " + describe_package(table, package))
        assert offer is not None and offer.packages == (package,)


def test_no_offer_in_plain_talk(saas) -> None:
    table = saas.table()
    assert parse_offer(table, "We need a lower price") is None
    line = "For us, what matters most is monthly payments and support."
    move = read_move(table, line, parse_offer(table, line))
    assert move.offer is None and move.shares_priorities


def test_structured_offer_validates(saas) -> None:
    table = saas.table()
    offer = structured_offer(table, [{"price": "$38", "term": 2}])
    assert offer.packages == ((2, 2, None, None, None),) and offer.source == "structured"
    with pytest.raises(OfferError, match="unknown option"):
        structured_offer(table, [{"price": "$1"}])
    with pytest.raises(OfferError, match="unknown issue"):
        structured_offer(table, [{"color": "red"}])


def test_llm_structured_output_validated_and_fallback(saas, llm_server) -> None:
    from coach.llm.backends import resolve_backend
    from tests.llm_server import settings_for, text, tool_call

    table = saas.table()
    model = resolve_backend(settings_for(llm_server), probe_ollama=False).model
    llm_server.enqueue(tool_call("ParsedOffer", {"packages": [{"choices": [
        {"issue": "price", "option": "$34"}, {"issue": "term", "option": "3 years"}]}]}))
    offer = parse_offer_llm(model, table, "thirty-four a seat if we sign for three years")
    assert offer is not None and offer.source == "llm" and offer.packages == ((1, 2, None, None, None),)
    # an option that does not exist is rejected: the deterministic parser answers instead
    llm_server.enqueue(tool_call("ParsedOffer", {"packages": [{"choices": [{"issue": "price", "option": "$1"}]}]}))
    offer = parse_offer_llm(model, table, "$38 and 2 years")
    assert offer is not None and offer.source == "parser" and offer.packages == ((2, 1, None, None, None),)
    llm_server.enqueue(text("not json at all"))
    offer = parse_offer_llm(model, table, "$42 please")
    assert offer is not None and offer.source == "parser"
    assert "tools" in llm_server.requests[0] and "$34" in str(llm_server.requests[0]["messages"])
