"""Slot filler: table tests of the facts it recognises and the update it proposes."""

from __future__ import annotations

from typing import Any

import pytest

from coach.agent.dealsheet import DealSheet
from coach.agent.slots import fill_slots, parse_amount, split_list


@pytest.mark.parametrize(("text", "value", "currency"), [
    ("$120k", 120_000, "USD"),
    ("1.2m EUR", 1_200_000, "EUR"),
    ("€95,000", 95_000, "EUR"),
    ("£80k", 80_000, "GBP"),
    ("2.5 million dollars", 2_500_000, "USD"),
    ("USD 300", 300, "USD"),
    ("150000", 150_000, None),
    ("1.5bn", 1_500_000_000, None),
])
def test_amounts(text: str, value: float, currency: str | None) -> None:
    amount = parse_amount(text)
    assert amount is not None
    assert amount.value == pytest.approx(value)
    assert amount.currency == currency


CASES: list[tuple[str, dict[str, Any]]] = [
    ("we can walk away at $120k", {"reservation": 120_000, "currency": "USD"}),
    ("their budget is around 1.2m EUR",
     {"their_reservation_low": 1_200_000, "their_reservation_high": 1_200_000, "currency": "EUR", "role": "seller"}),
    ("My target is €150,000 and I won't go below €120,000.", {"target": 150_000, "reservation": 120_000}),
    ("The most we can pay is 2.5 million dollars", {"reservation": 2_500_000, "role": "buyer"}),
    ("Their ceiling is probably 110-130k.", {"their_reservation_low": 110_000, "their_reservation_high": 130_000}),
    ("I think their floor is between 40k and 45k", {"their_reservation_low": 40_000, "their_reservation_high": 45_000,
                                                   "role": "buyer"}),
    ("My BATNA is another offer of $90k.", {"my_batna": "another offer of $90k", "my_batna_value": 90_000}),
    ("I'm the buyer here", {"role": "buyer"}),
    ("we're negotiating with Globex about price, delivery, and warranty", {"counterparty": "Globex"}),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_fact_table(text: str, expected: dict[str, Any]) -> None:
    update = fill_slots(text).update
    for key, value in expected.items():
        got = getattr(update, key)
        assert got == (pytest.approx(value) if isinstance(value, (int, float)) else value), key


@pytest.mark.parametrize(("text", "issue", "side", "level"), [
    ("what matters most to me is the start date", "start date", "me", "High"),
    ("The start date matters most to them", "start date", "them", "High"),
    ("They care about the support level.", "support level", "them", "High"),
    ("I don't care much about equity.", "equity", "me", "Low"),
    ("Salary is a high priority for them.", "Salary", "them", "High"),
    ("we care most about payment terms", "payment terms", "me", "High"),
])
def test_priorities(text: str, issue: str, side: str, level: str) -> None:
    priorities = fill_slots(text).update.priorities
    assert [(p.issue, p.side, p.level) for p in priorities] == [(issue, side, level)]


def test_issue_list_and_forecast_and_interest() -> None:
    fill = fill_slots("The issues are price, contract length, support level and payment terms. "
                      "I'm 90% sure we'll deliver on time but they think it's only 60%. "
                      "They want a longer warranty because their last vendor failed them.")
    update = fill.update
    assert [i.name for i in update.issues] == ["price", "contract length", "support level", "payment terms"]
    (forecast,) = update.forecasts
    assert (forecast.outcome, forecast.my_probability, forecast.their_probability) == ("deliver on time", 0.9, 0.6)
    (interest,) = update.interests
    assert (interest.party, interest.text, interest.why) == ("them", "a longer warranty", "their last vendor failed them")
    assert {"issues", "forecasts", "interests"} <= set(fill.matched)


def test_questions_to_ask() -> None:
    update = fill_slots("I'd like to ask whether they have budget flexibility.").update
    assert update.open_questions == ["whether they have budget flexibility?"]


@pytest.mark.parametrize("text", ["What is a MESO?", "How do I anchor?", "hello", "Tell me about logrolling"])
def test_questions_fill_nothing(text: str) -> None:
    fill = fill_slots(text)
    assert not fill.found
    assert fill.update.is_empty()


def test_role_not_overridden_by_inference() -> None:
    sheet = DealSheet(role="buyer")
    assert fill_slots("their budget is 50k", sheet).update.role is None


def test_split_list() -> None:
    assert split_list("the price, start date and equity") == ["price", "start date", "equity"]
