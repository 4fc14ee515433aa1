"""Offline slot filler: deal facts from free text, as a ``DealSheetUpdate``.

Pattern based and deterministic: amounts with currencies and k/m suffixes, "walk away at",
"BATNA", "their ceiling/budget", "target", issue lists, "matters most", "they care about",
probability forecasts, "because" answers and questions to ask. The result is applied through
the ``update_deal_sheet`` tool like any model-proposed update, so the sheet has one entry point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from coach.agent.dealsheet import DealSheet, DealSheetUpdate

_CURRENCY_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}
_CURRENCY_WORDS = {"usd": "USD", "dollars": "USD", "dollar": "USD", "eur": "EUR", "euro": "EUR", "euros": "EUR",
                   "gbp": "GBP", "pounds": "GBP", "chf": "CHF", "cad": "CAD", "aud": "AUD", "jpy": "JPY",
                   "inr": "INR", "sek": "SEK"}
_SUFFIX = {"k": 1e3, "thousand": 1e3, "grand": 1e3, "m": 1e6, "mm": 1e6, "mn": 1e6, "million": 1e6, "bn": 1e9, "b": 1e9,
           "billion": 1e9}
_CUR_WORD = r"(?:usd|eur|gbp|chf|cad|aud|jpy|inr|sek|dollars?|euros?|pounds)"
AMOUNT = (
    r"(?:(?P<cur1>[$€£¥]|\b(?:usd|eur|gbp|chf|cad|aud)\b)\s?)?"
    r"(?P<num>\d{1,3}(?:[,\s]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<suf>k|mm|mn|m|bn|b|thousand|grand|million|billion)\b)?"
    r"(?:\s?(?P<cur2>" + _CUR_WORD + r")\b)?"
)
_AMOUNT_RE = re.compile(AMOUNT, re.IGNORECASE)
_HEDGE = r"(?:(?:around|about|roughly|approximately|approx\.?|probably|likely|maybe|perhaps|~|close to|at most|at least|up to|only|just)\s*)*"
_RANGE = (r"(?:between\s+)?(?P<a>" + AMOUNT.replace("?P<", "?P<a_") + r")"
          r"(?:\s*(?:-|–|to|and)\s*(?P<b>" + AMOUNT.replace("?P<", "?P<b_") + r"))?")


@dataclass(frozen=True)
class Amount:
    """A parsed amount: the value and the currency if one was written."""

    value: float
    currency: str | None
    suffix: bool


def parse_amount(text: str) -> Amount | None:
    """The first amount in ``text``: ``"$120k"`` -> 120000 USD; ``"1.2m EUR"`` -> 1200000 EUR."""
    match = _AMOUNT_RE.search(text)
    return _amount_from(match.groupdict()) if match else None


def _amount_from(groups: dict[str, Any], prefix: str = "") -> Amount:
    num = groups[prefix + "num"]
    value = float(re.sub(r"[,\s]", "", num))
    suffix = groups.get(prefix + "suf")
    if suffix:
        value *= _SUFFIX[suffix.casefold()]
    cur = groups.get(prefix + "cur1") or groups.get(prefix + "cur2")
    currency = None
    if cur:
        currency = _CURRENCY_SYMBOLS.get(cur) or _CURRENCY_WORDS.get(cur.casefold().rstrip("s")) or \
            _CURRENCY_WORDS.get(cur.casefold())
    return Amount(round(value, 6), currency, bool(suffix))


def _range_from(match: re.Match[str]) -> tuple[Amount, Amount | None]:
    groups = match.groupdict()
    first = _amount_from(groups, "a_")
    second = _amount_from(groups, "b_") if groups.get("b") else None
    if second is not None and not first.suffix and second.suffix and first.value < 1000:
        scale = second.value / float(re.sub(r"[,\s]", "", groups["b_num"]))
        first = Amount(round(first.value * scale, 6), first.currency or second.currency, True)
    return first, second


@dataclass
class SlotFill:
    """What the slot filler found: the update to apply and the names of the matched slots."""

    update: DealSheetUpdate
    matched: list[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        """True when anything was recognised."""
        return bool(self.matched)


# (slot, compiled pattern); the amount/range is always the last named group set.
_RESERVATION = [
    r"walk(?:\s|-)?away\s+(?:point\s+)?(?:is\s+|would be\s+)?(?:at|from|below|above|under|over|if\b[^.?!]*?(?:below|above|under|over|than))?\s*" + _HEDGE,
    r"(?:my|our)\s+walk(?:\s|-)?away(?:\s+point)?\s+(?:is|would be)\s+" + _HEDGE,
    r"reservation\s+(?:price|point|value|salary)?\s*(?:is|of|at|=)\s*" + _HEDGE,
    r"bottom\s+line\s+(?:is|of|at)\s*" + _HEDGE,
    r"(?:can(?:no|')?t|won'?t|will not|would not|wouldn'?t)\s+(?:go|pay|accept|take|sell|settle)\s+"
    r"(?:for\s+)?(?:anything\s+)?(?:more|less|higher|lower|above|below|under|over)\s*(?:than)?\s*" + _HEDGE,
]
_BUYER_RES = [r"anything\s+(?:over|above|more\s+than|higher\s+than)\s+" + _HEDGE + r"(?=[^.;!?\n]*\brather\b)",
              r"(?:the\s+)?(?:most|max(?:imum)?)\s+(?:i|we)\s+(?:can|could|will|would)\s+(?:pay|spend|afford)\s+is\s+" + _HEDGE,
              r"(?:i|we)\s+can\s+(?:pay|spend|afford)\s+(?:up to|at most)\s+" + _HEDGE]
_SELLER_RES = [r"anything\s+(?:under|below|less\s+than|lower\s+than)\s+" + _HEDGE + r"(?=[^.;!?\n]*\brather\b)",
               r"(?:the\s+)?(?:least|min(?:imum)?|lowest)\s+(?:i|we)\s+(?:can|could|will|would)\s+(?:accept|take|sell for|go)\s+is\s+" + _HEDGE]
_THEIRS_BUY = [r"(?:the\s+)?(?:max(?:imum)?|most|ceiling|limit|budget)\s+(?:they|he|she)(?:'ve|\s+have|'re|\s+are|'s|\s+is|\s+has)?\s+"
               r"(?:been\s+)?(?:approved|allowed|authori[sz]ed|able|cleared)\s+(?:for|to\s+(?:pay|spend|offer))\s+is\s+" + _HEDGE,
               r"their\s+(?:budget|ceiling|max(?:imum)?|limit|cap|top\s+(?:price|number))\s+(?:is|of|at|=|should be|might be|could be)?\s*" + _HEDGE,
               r"they\s+(?:can|could|will|would|might)\s+(?:pay|spend|afford|go)\s+(?:up\s+to|at\s+most|as\s+high\s+as)?\s*" + _HEDGE,
               r"(?:the\s+)?(?:buyer|client|customer|company|employer)(?:'s)?\s+(?:budget|ceiling)\s+(?:is|of)?\s*" + _HEDGE]
_THEIRS_SELL = [r"their\s+(?:floor|minimum|min|lowest\s+price)\s+(?:is|of|at|=|should be|might be|could be)?\s*" + _HEDGE,
                r"they\s+(?:won'?t|will not|can'?t)\s+(?:go|sell|accept|take)\s+(?:anything\s+)?(?:below|under|less than|lower than)\s*" + _HEDGE]
_THEIRS_ANY = [r"their\s+(?:reservation(?:\s+(?:price|point))?|walk(?:\s|-)?away(?:\s+point)?|bottom\s+line)\s+(?:is|of|at|=|should be|might be|could be)?\s*" + _HEDGE]
_TARGET = [r"(?:my|our)\s+(?:target|goal|aspiration)(?:\s+(?:price|salary|number))?\s+(?:is|of|=|would be)\s*" + _HEDGE,
           r"\btarget(?:ing)?\s+(?:of\s+|is\s+|at\s+)?" + _HEDGE + r"(?=[$€£¥\d])",
           r"(?:aim(?:ing)?|hop(?:e|ing)|shoot(?:ing)?)\s+(?:to\s+get\s+|for\s+)" + _HEDGE,
           r"ideally\s+(?:i'?d\s+get\s+|we'?d\s+get\s+)?" + _HEDGE]


def _compile(patterns: list[str]) -> list[re.Pattern[str]]:
    return [re.compile(p + _RANGE, re.IGNORECASE) for p in patterns]


_PATTERNS: dict[str, list[re.Pattern[str]]] = {
    "reservation": _compile(_RESERVATION),
    "reservation_buyer": _compile(_BUYER_RES),
    "reservation_seller": _compile(_SELLER_RES),
    "theirs_buyer": _compile(_THEIRS_BUY),
    "theirs_seller": _compile(_THEIRS_SELL),
    "theirs": _compile(_THEIRS_ANY),
    "target": _compile(_TARGET),
}
_BATNA = re.compile(r"(?:my|our)\s+batna\s+(?:is|would be|=|:)\s*(?P<text>[^.;!?\n]+)|"
                    r"(?:my|our)\s+(?:best\s+)?(?:alternative|fallback|plan\s+b)\s+(?:is|would be)\s+(?P<text2>[^.;!?\n]+)|"
                    r"(?:i|we)\s+(?:have|got)\s+(?P<text3>(?:an?(?:other)?|one)\s+(?:competing\s+|other\s+)?"
                    r"(?:offer|quote|bid)[^.;!?\n]*)", re.IGNORECASE)
_THEIR_BATNA = re.compile(r"their\s+(?:batna|alternative|fallback)\s+(?:is|would be)\s+(?P<text>[^.;!?\n]+)", re.IGNORECASE)
_ROLE_BUYER = re.compile(r"\b(?:i'?m|i am|we'?re|we are)\s+(?:the\s+)?(?:buying|buyer|purchasing|procuring|hiring|"
                         r"the\s+client|a\s+client|the\s+customer|leasing\s+from|licensing\s+from)\b", re.IGNORECASE)
_ROLE_SELLER = re.compile(r"\b(?:i'?m|i am|we'?re|we are)\s+(?:the\s+|a\s+)?(?:selling|seller|vendor|supplier|"
                          r"candidate|consultant|contractor|freelancer|licensing\s+to)\b|\bmy\s+(?:job\s+offer|salary)\b",
                          re.IGNORECASE)
_COUNTERPARTY = re.compile(r"\bnegotiat(?:ing|e)\s+with\s+(?P<who>(?:an?\s+|the\s+)?[\w&.'-]+(?:\s+[A-Z][\w&.'-]*){0,3})",
                           re.IGNORECASE)
_COUNTERPARTY_NAME = re.compile(r"\b(?:selling|sell|licensing|license|pitching|buying|buy|purchasing|leasing|renting|"
                                r"hiring|contracting)\b[^.;!?\n]{0,60}?\b(?:to|from|with|at|for)\s+"
                                r"(?P<who>[A-Z][\w&'-]*(?:\s+[A-Z][\w&'-]*){0,2})")
_ISSUE_LIST = re.compile(
    r"(?:the\s+)?(?:issues|terms|things\s+on\s+the\s+table|open\s+points|variables)\s+(?:are|include|:|would be)\s*:?\s*"
    r"(?P<list>[^.;!?\n]+)|"
    r"(?:we'?re|we\s+are|i'?m|i\s+am)\s+(?:negotiating|discussing)\s+(?:over\s+|about\s+|on\s+)?(?P<list2>[^.;!?\n]*,[^.;!?\n]+)|"
    r"on\s+the\s+table\s*(?:are|:)\s*(?P<list3>[^.;!?\n]+)", re.IGNORECASE)
_PRIORITY = [
    (re.compile(r"what\s+matters\s+(?:the\s+)?most\s+to\s+(?P<who>me|us|them|him|her)\s+is\s+(?P<issue>[^.;,!?\n]+)", re.IGNORECASE), "High"),
    (re.compile(r"(?P<issue>[\w\s-]{2,40}?)\s+matters\s+(?:the\s+)?most\s+to\s+(?P<who>me|us|them|him|her)", re.IGNORECASE), "High"),
    (re.compile(r"(?P<who>i|we|they|he|she)\s+cares?\s+(?:the\s+)?most\s+about\s+(?P<issue>[^.;,!?\n]+)", re.IGNORECASE), "High"),
    (re.compile(r"(?P<who>they|he|she)\s+(?:really\s+)?cares?\s+(?:a\s+lot\s+)?about\s+(?P<issue>[^.;,!?\n]+)", re.IGNORECASE), "High"),
    (re.compile(r"(?P<who>i|we|they|he|she)\s+(?:don'?t|do not|doesn'?t|does not)\s+care\s+(?:much\s+|a\s+lot\s+)?about\s+"
                r"(?P<issue>[^.;,!?\n]+)", re.IGNORECASE), "Low"),
    (re.compile(r"(?P<issue>[\w\s-]{2,40}?)\s+(?:doesn'?t|does not)\s+matter\s+(?:much\s+)?to\s+(?P<who>me|us|them|him|her)", re.IGNORECASE), "Low"),
    (re.compile(r"(?P<issue>[\w\s-]{2,40}?)\s+(?:is|are)\s+(?:way\s+|much\s+|far\s+|a\s+lot\s+)?more\s+important\s+to\s+"
                r"(?P<who>me|us|them|him|her)\s+than\s+", re.IGNORECASE), "High"),
    (re.compile(r"(?P<issue>[\w\s-]{2,40}?)\s+is\s+(?:a\s+)?(?P<level>high|medium|low)\s+priority\s+(?:for|to)\s+"
                r"(?P<who>me|us|them|him|her)", re.IGNORECASE), None),
]
_FORECAST_SIDE = re.compile(
    r"(?P<who>\bi\b|\bwe\b|\bthey\b|\bhe\b|\bshe\b)(?:'m|'re|\s+am|\s+are)?\s+"
    r"(?:think|believe|expect|estimate|reckon|say|figure|put\s+it\s+at|sure|confident)?\s*(?:it'?s|there'?s|that)?\s*"
    r"(?:a\s+|only\s+|about\s+|around\s+|roughly\s+|just\s+)*(?P<p>\d{1,3}(?:\.\d+)?)\s*%\s*"
    r"(?:sure|confident|likely|chance|probability|odds)?\s*(?:that|of|on)?\s*"
    r"(?P<outcome>(?:(?!\b(?:but|while|whereas|although|though|and\s+they|and\s+we|and\s+i)\b)[^,.;!?\n])*)", re.IGNORECASE)
_FORECAST_ANON = re.compile(r"there'?s\s+(?:a|an)\s+(?P<p>\d{1,3}(?:\.\d+)?)\s*%\s*(?:chance|probability|likelihood)\s+"
                            r"(?:that\s+|of\s+)?(?P<outcome>[^,.;!?\n]+)", re.IGNORECASE)
_INTEREST = re.compile(r"(?P<who>\bi\b|\bwe\b|\bthey\b|\bhe\b|\bshe\b)\s+(?:really\s+)?(?:want|need|insist\s+on|are\s+after|"
                       r"is\s+after|wants|needs|insists\s+on)\s+(?P<text>[^.;!?\n]+?)\s+because\s+(?P<why>[^.;!?\n]+)", re.IGNORECASE)
_QUESTIONS = re.compile(r"(?:questions?\s+(?:to\s+ask|for\s+them)\s*:?\s*(?P<list>[^\n]+))|"
                        r"(?:i'?d|i\s+would|i\s+want\s+to|i\s+should|we\s+should)\s+(?:like\s+to\s+)?ask\s+(?:them\s+)?"
                        r"(?P<one>(?:whether|if|why|how|what|about)\s+[^.;!?\n]+)", re.IGNORECASE)
_STOP_ISSUE = re.compile(r"^(?:the|a|an|our|my|their|his|her)\s+", re.IGNORECASE)
_ME = {"i", "me", "we", "us"}
_NOT_ISSUES = {"what", "it", "that", "this", "which", "everything", "anything", "nothing", "something"}


def _side(word: str) -> str:
    return "me" if word.casefold() in _ME else "them"


def _clean_issue(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip(" '\"")
    text = _STOP_ISSUE.sub("", text)
    text = re.sub(r"\s+(?:for\s+(?:me|us|them)|to\s+(?:me|us|them)|right now|though|too|as well)$", "", text, flags=re.IGNORECASE)
    return text.strip()


def split_list(text: str) -> list[str]:
    """``"price, start date and equity"`` -> ``["price", "start date", "equity"]``."""
    parts = re.split(r"\s*(?:,|;|/|\band\b|\bplus\b|&)\s*", text, flags=re.IGNORECASE)
    items = [_clean_issue(re.sub(r"^(?:also|then|finally)\s+", "", p, flags=re.IGNORECASE)) for p in parts]
    return [p for p in items if p and len(p) <= 60 and not _AMOUNT_RE.fullmatch(p)]


def _first_range(slot: str, text: str) -> tuple[Amount, Amount | None] | None:
    for pattern in _PATTERNS[slot]:
        match = pattern.search(text)
        if match:
            return _range_from(match)
    return None


def _money(text: str, data: dict[str, Any], matched: list[str], sheet: DealSheet) -> None:
    currencies: list[str | None] = []
    for slot, role in (("reservation_buyer", "buyer"), ("reservation_seller", "seller"), ("reservation", None)):
        found = _first_range(slot, text)
        if found:
            data["reservation"] = found[0].value
            currencies.append(found[0].currency)
            matched.append("reservation")
            if role and not sheet.role:
                data.setdefault("role", role)
            break
    for slot, role in (("theirs_buyer", "seller"), ("theirs_seller", "buyer"), ("theirs", None)):
        found = _first_range(slot, text)
        if found:
            low, high = found
            values = sorted([low.value, high.value]) if high else [low.value, low.value]
            data["their_reservation_low"], data["their_reservation_high"] = values
            currencies += [low.currency, high.currency if high else None]
            matched.append("their_reservation")
            if role and not sheet.role:
                data.setdefault("role", role)
            break
    found = _first_range("target", text)
    if found:
        data["target"] = found[0].value
        currencies.append(found[0].currency)
        matched.append("target")
    currency = next((c for c in currencies if c), None)
    if currency and currency != sheet.currency:
        data["currency"] = currency


def _facts(text: str, data: dict[str, Any], matched: list[str], sheet: DealSheet) -> None:
    batna = _BATNA.search(text)
    if batna:
        described = (batna.group("text") or batna.group("text2") or batna.group("text3")).strip()
        data["my_batna"] = described
        amount = parse_amount(described)
        if amount and not re.fullmatch(r"\d{1,2}", described.strip()):
            data["my_batna_value"] = amount.value
        matched.append("batna")
    their = _THEIR_BATNA.search(text)
    if their:
        data["their_batna"] = their.group("text").strip()
        matched.append("their_batna")
    if not sheet.role or "role" not in data:
        if _ROLE_BUYER.search(text):
            data["role"] = "buyer"
            matched.append("role")
        elif _ROLE_SELLER.search(text):
            data["role"] = "seller"
            matched.append("role")
    who = _COUNTERPARTY.search(text) or _COUNTERPARTY_NAME.search(text)
    if who:
        name = re.split(r"\s+(?:on|about|over|for|and|who|which|that)\b", who.group("who"), maxsplit=1)[0].strip()
        data["counterparty"] = name
        matched.append("counterparty")


def _issues(text: str, data: dict[str, Any], matched: list[str]) -> None:
    for match in _ISSUE_LIST.finditer(text):
        listed = match.group("list") or match.group("list2") or match.group("list3") or ""
        listed = re.sub(r"^with\s+.+?\s+(?:about|over|on)\s+", "", listed, flags=re.IGNORECASE)
        names = split_list(listed)
        if names:
            data.setdefault("issues", []).extend({"name": n} for n in names)
            matched.append("issues")
    taken: list[tuple[int, int]] = []
    for pattern, level in _PRIORITY:
        for match in pattern.finditer(text):
            issue = _clean_issue(match.group("issue"))
            overlaps = any(match.start() < end and start < match.end() for start, end in taken)
            if overlaps or not issue or len(issue.split()) > 5 or issue.casefold() in _NOT_ISSUES:
                continue
            taken.append(match.span())
            lvl = level or match.group("level").capitalize()
            data.setdefault("priorities", []).append({"issue": issue, "side": _side(match.group("who")), "level": lvl})
            matched.append("priorities")


def _percent(value: str) -> float:
    return min(1.0, max(0.0, float(value) / 100.0))


def _forecasts(text: str, data: dict[str, Any], matched: list[str]) -> None:
    mine: float | None = None
    theirs: float | None = None
    outcome = ""
    for match in _FORECAST_SIDE.finditer(text):
        side = _side(match.group("who"))
        if side == "me" and mine is None:
            mine = _percent(match.group("p"))
        elif side == "them" and theirs is None:
            theirs = _percent(match.group("p"))
        outcome = outcome or match.group("outcome").strip()
    anon = _FORECAST_ANON.search(text)
    if anon and mine is None:
        mine = _percent(anon.group("p"))
        outcome = outcome or anon.group("outcome").strip()
    if mine is None and theirs is None:
        return
    outcome = re.sub(r"^(?:it\s+|that\s+|we'?ll\s+|they'?ll\s+|the\s+)", "", outcome, flags=re.IGNORECASE).strip() or "the outcome"
    data["forecasts"] = [{"outcome": outcome[:80], "my_probability": mine, "their_probability": theirs}]
    matched.append("forecasts")


def _interests_questions(text: str, data: dict[str, Any], matched: list[str]) -> None:
    for match in _INTEREST.finditer(text):
        data.setdefault("interests", []).append(
            {"party": _side(match.group("who")), "text": match.group("text").strip(), "why": match.group("why").strip()})
        matched.append("interests")
    for match in _QUESTIONS.finditer(text):
        if match.group("list"):
            questions = [q.strip() for q in re.split(r"\s*(?:;|\?\s*)\s*", match.group("list")) if q.strip()]
        else:
            questions = [match.group("one").strip()]
        data.setdefault("open_questions", []).extend(q if q.endswith("?") else q + "?" for q in questions)
        matched.append("open_questions")


def fill_slots(text: str, sheet: DealSheet | None = None) -> SlotFill:
    """Recognise deal facts in one message; the update is empty when nothing was found."""
    sheet = sheet or DealSheet()
    data: dict[str, Any] = {}
    matched: list[str] = []
    _money(text, data, matched, sheet)
    _facts(text, data, matched, sheet)
    _issues(text, data, matched)
    _forecasts(text, data, matched)
    _interests_questions(text, data, matched)
    return SlotFill(update=DealSheetUpdate.model_validate(data), matched=list(dict.fromkeys(matched)))
