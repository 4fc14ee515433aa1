"""Progress: streaks in the user's time zone, mastery per practice, reviews due, mistakes per tag.

Mastery (0-100) per practice or concept = 100 x recency-weighted share correct (last 10 reviews
touching the skill, newest weighted most) x evidence (reaches 1 at 4 reviews) x FSRS
retrievability of the skill card now (so mastery fades when a skill is not practised).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from coach.errors import CoachError
from coach.practice.schedule import drill_matches_tag, retrievability
from coach.store.practice import AnswerRecord, CardState, utc

RECENT_REVIEWS = 10
DECAY = 0.7
FULL_EVIDENCE = 4
RECENT_ROLEPLAYS = 10


def zone(name: str) -> ZoneInfo:
    """The IANA zone for ``settings.timezone``; a clear error for a typo."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CoachError(f"COACH_TIMEZONE '{name}' is not an IANA time zone; use e.g. 'Europe/Paris' or 'UTC'") from None


def streak_days(moments: Iterable[datetime], tz: str, now: datetime) -> int:
    """Consecutive calendar days (in ``tz``) with at least one completed drill, ending today.

    A streak stays alive until the end of the day after the last practice: if today has no drill
    yet but yesterday had one, the streak counts up to yesterday.
    """
    local = zone(tz)
    days = {utc(m).astimezone(local).date() for m in moments}
    today = utc(now).astimezone(local).date()
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count


def _touches(answer: AnswerRecord, practice: str) -> bool:
    return answer.practice == practice or practice in answer.skills


def mastery(answers: Sequence[AnswerRecord], skill_cards: dict[str, CardState], practices: Iterable[str],
            now: datetime) -> dict[str, int]:
    """Mastery 0-100 for every practice id in ``practices``."""
    from coach.practice.schedule import make_scheduler

    scheduler = make_scheduler()
    result = {}
    for practice in practices:
        recent = [a for a in answers if _touches(a, practice)][-RECENT_REVIEWS:]
        if not recent:
            result[practice] = 0
            continue
        weights = [DECAY ** age for age in range(len(recent) - 1, -1, -1)]
        share = sum(w * a.value for w, a in zip(weights, recent)) / sum(weights)
        evidence = min(1.0, len(recent) / FULL_EVIDENCE)
        recall = retrievability(scheduler, skill_cards.get(practice), now)
        result[practice] = max(0, min(100, round(100 * share * evidence * recall)))
    return result


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return utc(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=ZoneInfo("UTC"))
    if isinstance(value, str):
        try:
            return utc(datetime.fromisoformat(value))
        except ValueError:
            return None
    return None


def _tag_list(value: Any) -> list[str]:
    """Tags as a list of strings; one bare string is one tag (not one tag per character)."""
    if not value:
        return []
    if isinstance(value, str):
        return [value]
    return [str(t) for t in value]


def hurt_tags(result: dict[str, Any]) -> list[str]:
    """The mistake tags of a role-play result: ``tags["hurt"]`` (or a plain list of tags)."""
    tags = result.get("tags")
    return _tag_list(tags.get("hurt") if isinstance(tags, dict) else tags)


def helped_tags(result: dict[str, Any]) -> list[str]:
    """The tags a role-play debrief counted as done well."""
    tags = result.get("tags")
    return _tag_list(tags.get("helped")) if isinstance(tags, dict) else []


def mistakes(answers: Sequence[AnswerRecord], roleplays: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Mistakes per tag: each failed drill counts once for each of its skill tags, each role-play
    debrief tag counts once per role-play."""
    counts: Counter[str] = Counter()
    for answer in answers:
        if not answer.passed:
            counts.update(dict.fromkeys((answer.practice, *answer.skills), 1))
    for result in roleplays:
        counts.update(dict.fromkeys(hurt_tags(result), 1))
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def open_mistake_tags(answers: Sequence[AnswerRecord], roleplays: Sequence[dict[str, Any]],
                      bank: Any, known: Iterable[str]) -> list[str]:
    """Debrief tags from recent role-plays not yet fixed, most frequent first.

    A tag is fixed once a drill that trains it has been passed after the last role-play that
    had the tag; until then it keeps coming back in the daily session.
    """
    known = set(known)
    floor = datetime.min.replace(tzinfo=ZoneInfo("UTC"))
    recent = sorted(roleplays, key=lambda r: _when(r.get("date")) or floor)[-RECENT_ROLEPLAYS:]
    last_hurt: dict[str, datetime] = {}
    last_helped: dict[str, datetime] = {}
    freq: Counter[str] = Counter()
    for result in recent:
        when = _when(result.get("date")) or floor
        for tag in hurt_tags(result):
            freq[tag] += 1
            last_hurt[tag] = max(last_hurt.get(tag, when), when)
        for tag in helped_tags(result):
            last_helped[tag] = max(last_helped.get(tag, when), when)
    open_tags = []
    for tag, _n in sorted(freq.items(), key=lambda kv: (-kv[1], kv[0])):
        if last_helped.get(tag, floor) > last_hurt[tag]:
            continue  # done well in a later role-play
        if not any(answer.passed and answer.answered_at >= last_hurt[tag]
                   and _matches(bank, answer.drill_id, tag, known) for answer in answers):
            open_tags.append(tag)
    return open_tags


def _matches(bank: Any, drill_id: str, tag: str, known: set[str]) -> bool:
    drill = _drill_or_none(bank, drill_id)
    return drill is not None and drill_matches_tag(drill, tag, known)


def _drill_or_none(bank: Any, drill_id: str) -> Any:
    from coach.practice.drills import DrillError

    try:
        return bank.get(drill_id)
    except DrillError:
        return None


def roleplay_rows(roleplays: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The CLI's ``roleplays`` list: scenario, date, share of max, Pareto-optimal (oldest first)."""
    rows = []
    for r in roleplays:
        when = _when(r.get("date"))
        rows.append({
            "scenario": r.get("scenario"),
            "date": when.isoformat() if when else r.get("date"),
            "share_of_max": r.get("share_of_max"),
            "pareto_optimal": r.get("pareto_optimal"),
        })
    return rows
