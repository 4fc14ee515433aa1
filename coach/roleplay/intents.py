"""What a user line does, read deterministically: questions (good or not), offers, acceptance,
walking away, sharing priorities, rationale, position-only talk and prompt-injection attempts.

Good questions are the ones the practices teach: about interests ("why", "what are you trying to
achieve"), priorities ("what matters most", "how would you rank"), flexibility ("if you could flex
on only one thing") and a specific issue ("what would work best for you on X?").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from coach.domain import Table
from coach.roleplay.offers import Offer, normalize

_PRIORITY = re.compile(
    r"what matters (?:most|more)|matters most|most important|priorit|how would you rank|rank (?:these|the)"
    r"|what do you care (?:about )?most|care most about|biggest concern|top concern|what is key for you")
_INTEREST = re.compile(
    r"\bwhy\b|what are you trying to|what (?:are|is) (?:your|the) (?:goal|interest|concern|need|constraint)"
    r"|interests?\b|what's behind|what is behind|help me understand|what would make (?:this|it) (?:a )?(?:work|win|good)"
    r"|what do you need|what are your needs|what drives|what would have to be true|tell me more about")
_FLEX = re.compile(r"flex(?:ible|ibility)?\b|only one thing|least important|matters least|give (?:on|up)"
                   r"|where (?:can|could) you move|easiest (?:for you )?to (?:move|give)|least (?:critical|costly)")
_ISSUE_Q = re.compile(r"(?:what|which|how)\b.{0,40}\b(?:prefer|work(?:s)? (?:best|for you)|feel about|ideal|like best"
                      r"|want on|need on|think about)")
_SHARE = re.compile(r"(?:for (?:me|us)|to (?:me|us)),? (?:the )?(?:most important|what matters)|matters most to (?:me|us)"
                    r"|(?:my|our) (?:top |main |biggest )?priorit|(?:i|we) care (?:most|a lot) about|is (?:very |really )?important to (?:me|us)"
                    r"|(?:i|we) (?:really )?need\b.{0,40}\bmore than|less important (?:to|for) (?:me|us)"
                    r"|\bmatters? (?:the )?most\b|\bmatters? (?:a lot|more) (?:to|for) (?:me|us)\b"
                    r"|\b(?:is|are) (?:my|our) (?:top |main |biggest |first )?(?:priority|concern)"
                    r"|most important (?:thing |issue )?(?:for|to) (?:me|us)|\bfor (?:me|us)\b,?.{0,60}\b(?:matters?|important)\b")
_ACCEPT = re.compile(r"^(?:ok(?:ay)?[,.!]? )?(?:deal|agreed|i accept|we accept|accept(?:ed)?|let's do it|let's do that"
                     r"|sounds good|works for (?:me|us)|you have a deal|we have a deal|i agree|we agree|done deal"
                     r"|that works|i can accept|we can accept|yes,? (?:let's|deal|agreed))\b")
_ACCEPT_BARE = re.compile(r"^(?:ok(?:ay)?|yes|yep|yeah|fine|sure|alright|all right|great|perfect|good)(?:,? (?:thanks|thank you))?[.!]*$")
_ACCEPT_ANY = re.compile(r"\b(?:i|we) accept (?:your|that|this|the) (?:offer|proposal|package|deal)\b|\bit's a deal\b"
                         r"|\byou have a deal\b|\bwe have a deal\b|\blet's sign\b")
_WALK = re.compile(r"\b(?:i|we)(?:'ll| will| am going to| are going to)? walk away\b|\bno deal\b|\bi'm out\b|\bwe're out\b"
                   r"|\bend (?:the|this) negotiation\b|\bi'll take my other offer\b|\bgoodbye\b")
_DONE = re.compile(r"^(?:done|finish|end|stop|that's all|nothing more|let's close|close the deal|let's finalize"
                   r"|let's finalise|sign it|we're done)\b")
_RATIONALE = re.compile(r"\bbecause\b|\bsince\b|\bso that\b|\bgiven that\b|\bthe reason\b|\bmarket (?:rate|data|price)"
                        r"|\bcomparable\b|\bbenchmark\b|\bbased on\b")
_INJECTION = re.compile(
    r"ignore (?:all |any |your |the |previous |prior |above )+(?:instructions|rules|prompt)|system prompt|developer mode"
    r"|jailbreak|you are now|act as|pretend|reveal your|show (?:me )?your (?:table|points|scores|instructions)"
    r"|\bbatna\b|reservation (?:point|price|value)|walk[- ]away (?:point|price|number)|your (?:point|score)s?\b"
    r"|scoring table|payoff|utility|hidden table|print your|repeat (?:your|the) (?:instructions|prompt)"
    r"|\bdebug\b|admin mode|override|how many points|points (?:is|are|do you|would you)|complete the sentence")
# ordinary haggling questions about its limit: deflected like a person would, never answered
_PROBE = re.compile(
    r"bottom line|what(?:'s| is) your (?:minimum|maximum|lowest|highest|limit|best price)|(?:your|the) (?:internal )?(?:floor|limit)s?\b"
    r"|(?:lowest|highest|minimum|maximum|least|most) (?:\w+ )?(?:you(?:'d| would| will|'ll)? (?:accept|take|pay|go)|acceptable)"
    r"|how (?:low|high|far) (?:can|could|will|would) you go")
# the user disclosing their own limit ("my bottom line is $42") is not an attack on the counterparty's
_SELF_DISCLOSURE = re.compile(r"\b(?:my|our) (?:own )?(?:batna|bottom line|walk[- ]?away(?: \w+)?|reservation \w+|budget"
                              r"|limit|max(?:imum)?|minimum|floor|ceiling)\b")
_LIMIT_REVEAL = re.compile(
    r"\b(?:my|our) (?:own )?(?:absolute )?(?:batna|bottom line|walk[- ]?away(?: \w+)?|reservation \w+|budget(?: \w+)?|limit|max(?:imum)?"
    r"|minimum|floor|ceiling)\b.{0,24}(?:\bis\b|\bare\b|\bof\b|:).{0,24}\d"
    r"|\bthe (?:most|max(?:imum)?|highest) (?:i|we) can (?:pay|do|spend|go|offer|afford)\b"
    r"|\bthe (?:least|lowest|minimum) (?:i|we) (?:can|could|would|will) (?:accept|take|go)\b"
    r"|\b(?:i|we) can(?:not|'t| not) go (?:any )?(?:higher|lower|above|below|beyond|over|under)\b"
    r"|\b(?:i|we) can (?:only )?go (?:up|down) to\b|\banything (?:above|over|below|under) .{0,12}\d.{0,20}\b(?:walk|no deal|can't)")
# an option named in passing while talking about interests or priorities is not an offer
_TALK = re.compile(r"\bmatters?\b|\bimportant\b|\bpriorit|\bcare (?:about|most|a lot)|\bconcern|\binterest|\bworried\b"
                   r"|\bwhy\b|too (?:high|low|much|expensive|long|short|little|late|early)")
# an attempt at an offer ("how about 10% off?") that names no option: the counterparty asks to put it in its terms
_OFFER_TRY = re.compile(r"\b(?:(?:i|we) (?:propose|offer|suggest)|how about|what about|what if|(?:i|we) can do|(?:i|we) could do|let's say"
                        r"|let's go with|settle|meet you|split the difference|discount|\d+ ?% off|off the price"
                        r"|would you (?:consider|be open to|accept|take|do)|(?:could|can) you do|if (?:we|i) (?:got|get|give|gave|agree))\b")
_ASKS_FINAL = re.compile(r"\b(?:is|was) (?:that|this) (?:really )?(?:your|the) (?:final|best|last)\b|\bfinal offer\?"
                         r"|\bbest you can do\b|\bany (?:more )?(?:room|flexibility)\b|\bcan you do better\b")
_ALTERNATIVE = re.compile(r"\b(?:another|other|competing|better) (?:offer|space|supplier|vendor|buyer|seller|candidate"
                          r"|option|quote|bid|job|car|contractor)s?\b|\b(?:could|might|may|can) walk away\b|\bour alternative\b"
                          r"|\bmy alternative\b")
_QUESTION_START = re.compile(r"^(?:what|why|how|which|could|can|would|is|are|do|does|tell me|help me)\b")
_OFFER_CUE = re.compile(
    r"\b(?:propose|proposal|offer|how about|what about|what if|we can do|i can do|we could do|i could do|would you"
    r"|let's say|let's go with|i'd take|we'd take|i'll take|we'll take|i can go|we can go|counter|i suggest|we suggest"
    r"|instead|accept|agree to|deal at|settle|meet you|split|package|option [a-e1-5])\b|[:=]")
_POSITION = re.compile(r"\b(?:we|i) (?:need|want|must have|insist|require|can't|cannot|won't|will not)\b|too (?:high|low|much|expensive|long|short)"
                       r"|\bunacceptable\b|\bnon-negotiable\b|\bfinal offer\b|\btake it or leave it\b|\bthat's our position\b"
                       r"|\blower\b|\bhigher\b|\bbetter price\b")


@dataclass(frozen=True, slots=True)
class UserMove:
    """The deterministic reading of one user line (plus the offer parsed from it, if any)."""

    text: str
    offer: Offer | None = None
    asks_priorities: bool = False
    asks_interests: bool = False
    asks_flex: bool = False
    asked_issues: tuple[int, ...] = ()
    shares_priorities: bool = False
    accepts: bool = False
    walks_away: bool = False
    done: bool = False
    rationale: bool = False
    injection: bool = False  # a prompt-injection attempt or a question about its limits: deflected
    limit_probe: bool = False  # only a haggling question about its limit ("what's the lowest you'll take?")
    asks_final: bool = False  # "is that your final offer?", "can you do better?"
    mentions_alternative: bool = False  # "we have another space lined up"
    position_only: bool = False
    question: bool = False
    reveals_limit: bool = False
    unclear_offer: bool = False
    unclear_issues: tuple[int, ...] = ()  # issues named in an unclear offer ("a longer lease for a bigger fit-out")
    flags: tuple[str, ...] = field(default=())

    @property
    def good_question(self) -> bool:
        """Asked about interests, priorities, flexibility or what works on a specific issue."""
        return self.asks_priorities or self.asks_interests or self.asks_flex or bool(self.asked_issues)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready summary (without the raw text)."""
        names = ("asks_priorities", "asks_interests", "asks_flex", "shares_priorities", "accepts", "walks_away",
                 "done", "rationale", "injection", "position_only", "question", "reveals_limit", "unclear_offer", "limit_probe", "asks_final",
                 "mentions_alternative")
        out: dict[str, object] = {k: getattr(self, k) for k in names if getattr(self, k)}
        if self.asked_issues:
            out["asked_issues"] = list(self.asked_issues)
        return out


def _asked_issues(table: Table, text: str) -> tuple[int, ...]:
    """Issues named in a question about what the other side prefers on them."""
    if not _ISSUE_Q.search(text):
        return ()
    return named_issues(table, text)


def named_issues(table: Table, text: str) -> tuple[int, ...]:
    """Issues a (normalized) text names by name, id or a longer word of the name."""
    found = []
    for n, issue in enumerate(table.issues):
        keys = {normalize(issue.name), issue.id.replace("-", " ")} | {w for w in normalize(issue.name).split() if len(w) > 4}
        if any(re.search(r"\b" + re.escape(k) + r"\b", text) for k in keys):
            found.append(n)
    return tuple(found)


def _keep_offer(norm: str, offer: Offer | None) -> Offer | None:
    """The offer, or ``None`` when options were only named in passing.

    Without an offer cue, a line that talks about interests or priorities ("monthly payments matter
    to us", "why does 3 years matter?") or complains ("your $46 is too high") proposes nothing; any
    other line naming options ("I'd like $170k", "OK, $34 then", "fine, $38 and monthly") does.
    """
    if offer is None or offer.is_meso or _OFFER_CUE.search(norm):
        return offer
    return None if _TALK.search(norm) else offer


def read_move(table: Table, text: str, offer: Offer | None) -> UserMove:
    """Classify one user line. ``offer`` is the parsed offer (deterministic or LLM), if any."""
    norm = normalize(text)
    offer = _keep_offer(norm, offer)
    sentences = [x for x in re.split(r"(?<=[.?!])\s+", norm) if x]
    asking = " ".join(x for x in sentences if x.endswith("?") or _QUESTION_START.match(x))
    telling = " ".join(x for x in sentences if not (x.endswith("?") or _QUESTION_START.match(x)))
    question = bool(asking)
    asks_p = bool(_PRIORITY.search(asking))
    asks_i = bool(_INTEREST.search(asking))
    asks_f = bool(_FLEX.search(asking))
    issues = _asked_issues(table, asking) if question else ()
    shares = bool(_SHARE.search(telling))
    others = _SELF_DISCLOSURE.sub(" ", norm)
    attack, probe = bool(_INJECTION.search(others)), bool(_PROBE.search(others))
    injection = attack or probe
    if injection and offer is not None and len(offer.mentioned()) < 2 and not _OFFER_CUE.search(norm):
        offer = None  # "how many points do you get for 3 years?" asks for numbers; it proposes nothing
    accepts = offer is None and bool(_ACCEPT.search(norm) or _ACCEPT_ANY.search(norm) or _ACCEPT_BARE.search(norm))
    walks = bool(_WALK.search(norm)) and not accepts
    good = asks_p or asks_i or asks_f or bool(issues)
    position = (offer is None and not good and not accepts and not walks and not shares
                and not _ASKS_FINAL.search(asking) and not _ALTERNATIVE.search(telling)
                and bool(_POSITION.search(norm) or not question))
    unclear = offer is None and not (good or accepts or walks or injection) and bool(_OFFER_TRY.search(norm))
    return UserMove(
        text=text, offer=offer, asks_priorities=asks_p, asks_interests=asks_i, asks_flex=asks_f,
        asked_issues=issues, shares_priorities=shares, accepts=accepts, walks_away=walks,
        done=bool(_DONE.search(norm)), rationale=bool(_RATIONALE.search(norm)), injection=injection,
        position_only=position and not unclear, question=question, reveals_limit=bool(_LIMIT_REVEAL.search(norm)),
        unclear_offer=unclear, unclear_issues=named_issues(table, norm) if unclear else (), limit_probe=probe and not attack, asks_final=bool(_ASKS_FINAL.search(asking)),
        mentions_alternative=bool(_ALTERNATIVE.search(telling)) and not walks,
    )
