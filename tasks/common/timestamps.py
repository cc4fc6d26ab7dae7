"""Publication dates: parse timestamp strings in any language and resolve day/month order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo

import dateparser
import tzdata

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
# Weekday names in the languages whose outlets write numeric dates, mapped to Monday=0.
WEEKDAY_NAMES = {
    **{name: i for i, name in enumerate(WEEKDAYS)},
    **{name: i for i, name in enumerate(["segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado", "domingo"])},
    **{name: i for i, name in enumerate(["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"])},
    **{name: i for i, name in enumerate(["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"])},
    **{name: i for i, name in enumerate(["montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"])},
    **{name: i for i, name in enumerate(["lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"])},
    **{name: i for i, name in enumerate(["יום שני", "יום שלישי", "יום רביעי", "יום חמישי", "יום שישי", "שבת", "יום ראשון"])},
}
_WEEKDAY_RE = re.compile(r"(?<!\w)(" + "|".join(sorted(map(re.escape, WEEKDAY_NAMES), key=len, reverse=True)) + r")(?!\w)", re.IGNORECASE)
# Where numeric dates are day-first: everywhere but the US. An outlet's own convention wins;
# the language decides only for an unknown outlet, and never for English (US or not).
DAY_FIRST_LANGUAGES = frozenset({"pt", "es", "fr", "de", "it", "nl", "ru", "uk", "tr", "id", "ar", "fa", "he"})
_NUMERIC_DATE_RE = re.compile(r"\b(\d{1,2})[./-](\d{1,2})[./-](\d{2}|\d{4})\b(?:,?\s*(\d{1,2}):(\d{2}))?")
_RELATIVE_RE = re.compile(r"\b(\d+|an?|one)\s+(second|minute|hour|day|week|month|year)s?\s+ago\b", re.IGNORECASE)
_MONTH_DATE_RE = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December)"
    r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b"
)


_MONTH_NUMBERS = {
    name: i + 1
    for i, name in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]
    )
}
# Labels in front of a timestamp ("UPDATED:", "Published", "기사입력 :[") that dateparser does not expect.
_STAMP_LABEL_RE = re.compile(
    r"^\W*(?:last updated|first published|updated|published|posted|modified|date|기사입력|입력|수정)\b\W*", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class ResolvedDate:
    """A parsed publication time in UTC, with how it was resolved."""

    published_at: datetime | None
    resolution: str


def parse_iso_date(text: str, tz: str = "UTC") -> datetime | None:
    """An ISO date or datetime (as trafilatura gives) as an aware UTC datetime."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tz))
    return value.astimezone(UTC)


# Country-code domains that sites everywhere register as generic names (Google's list of
# "generic ccTLDs", plus .ai, .gg, .ly, .sh and .to): a .io, .co or .tv page says nothing of its country.
GENERIC_CCTLDS = frozenset({"ad", "ag", "ai", "as", "bz", "cc", "cd", "co", "dj", "fm", "gg", "io", "la", "ly", "me", "ms", "nu",
                            "sc", "sh", "sr", "su", "tk", "to", "tv", "ws"})


@lru_cache(maxsize=1)
def country_zones() -> dict[str, tuple[str, ...]]:
    """ISO 3166 country code -> its IANA zones, from the tz database's zone.tab (tzdata)."""
    zones: dict[str, list[str]] = {}
    table = resources.files(tzdata).joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    for line in table.splitlines():
        if line and not line.startswith("#"):
            code, _coordinates, zone = line.split("\t")[:3]
            zones.setdefault(code, []).append(zone)
    return {code: tuple(names) for code, names in zones.items()}


def country_zone(host: str | None, local: datetime | None = None) -> str | None:
    """The zone a local time written on a page of this host is in, when its domain names a country
    whose zones all keep the same offset at that time (.de, .at, .jp, .co.za, .uk; not .com, .us,
    .au, .es with the Canaries or .cn with Xinjiang time): the first of them, else None. With no
    time given, the zones must agree in both January and July of this year."""
    label = (host or "").rstrip(".").rsplit(".", 1)[-1].lower()
    if len(label) != 2 or not label.isalpha() or label in GENERIC_CCTLDS or "." not in (host or ""):
        return None
    zones = country_zones().get("GB" if label == "uk" else label.upper())
    if not zones:
        return None
    year = datetime.now(UTC).year
    times = [local.replace(tzinfo=None)] if local else [datetime(year, 1, 15, 12), datetime(year, 7, 15, 12)]
    for naive in times:
        if len({naive.replace(tzinfo=ZoneInfo(zone)).utcoffset() for zone in zones}) > 1:
            return None
    return zones[0]


def zone_in_resolution(resolution: str | None) -> ZoneInfo | None:
    """The zone a resolution says a local time was read in ("no zone given, Europe/Berlin
    assumed", "...; tz Asia/Tokyo"), or None (UTC, or an instant the page wrote with its offset)."""
    m = re.search(r"(?:no zone given, |; tz )([A-Za-z_]+/[A-Za-z_/+-]+)", resolution or "")
    return ZoneInfo(m.group(1)) if m else None


def resolve_metadata_date(text: str, tz: str | None = None, precision: str | None = None, host: str | None = None) -> ResolvedDate:
    """A date from page metadata (ISO 8601, or htmldate's "%Y-%m-%dT%H:%M:%S%z"), with how sure it is.

    With an offset the instant is exact. Without one it is local time: the outlet's zone
    when known, else the zone of the country the host's domain names (`country_zone`), else
    UTC. A date without a time (precision 'day', or htmldate's bare midnight) is kept as
    midnight of that day (UTC unless the outlet's zone is known), and the precision says the
    time is unknown.
    """
    from tasks.common.metadata import parse_page_date

    parsed = parse_page_date(text)
    if parsed is None:
        try:
            value = datetime.fromisoformat(text.strip())
        except ValueError:
            return ResolvedDate(None, "html-metadata: unparsed")
    else:
        value = parsed.value
        if parsed.precision == "day":
            precision = "day"
    if value.tzinfo is not None:
        return ResolvedDate(value.astimezone(UTC), "html-metadata")
    if precision == "day" or (precision is None and (value.hour, value.minute, value.second) == (0, 0, 0)):
        zone = tz or "UTC"
        return ResolvedDate(value.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC), f"html-metadata: date only, midnight {zone}")
    if tz is None and (tz := country_zone(host, value)):
        label = (host or "").rstrip(".").rsplit(".", 1)[-1].lower()
        return ResolvedDate(value.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC),
                            f"html-metadata: no zone given, {tz} assumed (the zone of the page's .{label} domain)")
    zone = tz or "UTC"
    return ResolvedDate(value.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC), f"html-metadata: no zone given, {zone} assumed")


def date_order_for_language(language: str | None) -> str | None:
    """DMY for languages written day-first; None (undecided) otherwise."""
    return "DMY" if language in DAY_FIRST_LANGUAGES else None


def weekday_distance(candidate: date, text: str) -> int | None:
    """Sum over weekday names in the text of days back from the candidate to that weekday.

    News refers to the most recent such day ("on Saturday"), so the right reading of an
    ambiguous date makes the mentioned weekdays close to it. None when no weekday is mentioned.
    """
    names = {m.group(1).lower() for m in _WEEKDAY_RE.finditer(text)}
    if not names:
        return None
    return sum((candidate.weekday() - WEEKDAY_NAMES[n]) % 7 for n in names)


def latest_mentioned_date(text: str) -> date | None:
    """The latest full date written out in the text ("August 28, 2017")."""
    found: list[date] = []
    for m in _MONTH_DATE_RE.finditer(text):
        try:
            found.append(date(int(m.group(3)), _MONTH_NUMBERS[m.group(1).lower()], int(m.group(2))))
        except ValueError:
            continue  # "February 30, 2017": not a date
    return max(found) if found else None


@lru_cache(maxsize=1)
def dateparser_languages() -> frozenset[str]:
    """Language codes dateparser has locale data for."""
    from dateparser.data.languages_info import language_order

    return frozenset(language_order)


def resolve_numeric_date(
    stamp: str, body: str, date_order: str | None, tz: str | None, convention: str = "outlet"
) -> ResolvedDate:
    """Resolve a numeric timestamp like 09.02.17, 18:39 whose day/month order is ambiguous.

    Candidates are checked against the text: a date mentioned in the article cannot be later
    than publication, and weekday names should point just before publication. The outlet's
    convention (or, for an unknown outlet, the language's: `convention` says which) decides
    when the text does not.
    """
    m = _NUMERIC_DATE_RE.search(stamp)
    if not m:
        return ResolvedDate(None, "unparsed")
    a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    year = y + 2000 if y < 100 else y
    hour, minute = (int(m.group(4)), int(m.group(5))) if m.group(4) else (0, 0)
    candidates: dict[str, date] = {}
    for order, (month, day) in (("MDY", (a, b)), ("DMY", (b, a))):
        try:
            candidates[order] = date(year, month, day)
        except ValueError:
            continue
    if not candidates:
        return ResolvedDate(None, "invalid date")
    notes: list[str] = []
    latest = latest_mentioned_date(body)
    if latest:
        kept = {o: d for o, d in candidates.items() if d >= latest}
        if kept and len(kept) < len(candidates):
            notes.append(f"mentioned date {latest.isoformat()} rules out {set(candidates) - set(kept)}")
            candidates = kept
    if len(candidates) == 2:
        distances = {o: weekday_distance(d, body) for o, d in candidates.items()}
        if None not in distances.values() and distances["MDY"] != distances["DMY"]:
            best = min(distances, key=lambda o: distances[o] or 0)
            if date_order and best != date_order:
                notes.append(f"weekdays favour {best} over {convention} convention {date_order}")
            else:
                notes.append(f"weekdays agree with {best}")
            candidates = {best: candidates[best]}
        elif date_order in candidates:
            notes.append(f"{convention} convention {date_order}")
            candidates = {date_order: candidates[date_order]}
        elif a == b:
            notes.append("day equals month")
            candidates = {"DMY": candidates["DMY"]}
        else:
            return ResolvedDate(None, "ambiguous day/month order, left unresolved")
    elif date_order in candidates:
        notes.append(f"{convention} convention {date_order}")
    order, day_value = next(iter(candidates.items()))
    if date_order and date_order == order and not any("convention" in n for n in notes):
        notes.append(f"{convention} convention {date_order}")
    zone = ZoneInfo(tz) if tz else UTC
    local = datetime(day_value.year, day_value.month, day_value.day, hour, minute, tzinfo=zone)
    return ResolvedDate(local.astimezone(UTC), f"{order}; " + "; ".join(notes) + f"; tz {zone}")


def resolve_relative(stamp: str, fetched_at: datetime | None) -> ResolvedDate:
    """A relative stamp ("5 years ago") against the fetch time; NULL when that is unknown."""
    m = _RELATIVE_RE.search(stamp)
    if not m:
        return ResolvedDate(None, "unparsed")
    if fetched_at is None:
        return ResolvedDate(None, "relative time, fetch time unknown")
    amount = 1 if m.group(1).lower() in ("a", "an", "one") else int(m.group(1))
    unit = m.group(2).lower()
    days = {"second": 1 / 86400, "minute": 1 / 1440, "hour": 1 / 24, "day": 1, "week": 7, "month": 30.44, "year": 365.25}[unit]
    return ResolvedDate(fetched_at.astimezone(UTC) - timedelta(days=amount * days), f"relative to fetch time ({m.group(0)})")


def resolve_timestamp(
    stamp: str,
    body: str,
    date_order: str | None = None,
    tz: str | None = None,
    fetched_at: datetime | None = None,
    language: str | None = None,
    convention: str = "outlet",
) -> ResolvedDate:
    """Any timestamp string: relative, ambiguous numeric, or something dateparser reads.

    dateparser is given the article's language (and English, the language of most page
    furniture): trying every locale it knows costs seconds per call.
    """
    if _RELATIVE_RE.search(stamp):
        return resolve_relative(stamp, fetched_at)
    if _NUMERIC_DATE_RE.search(stamp):
        return resolve_numeric_date(stamp, body, date_order, tz, convention)
    settings: dict[str, object] = {"RETURN_AS_TIMEZONE_AWARE": True, "TIMEZONE": tz or "UTC", "PREFER_DATES_FROM": "past"}
    languages = sorted({"en", language}) if language and language in dateparser_languages() else ["en"]
    cleaned = _STAMP_LABEL_RE.sub("", stamp).strip(" -–—|:[]")
    parsed = dateparser.parse(cleaned, languages=languages, settings=settings)  # type: ignore[arg-type]
    if parsed is None:
        return ResolvedDate(None, "unparsed")
    return ResolvedDate(parsed.astimezone(UTC), "dateparser")
