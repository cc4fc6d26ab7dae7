"""Clean stage: remove leftover boilerplate from raw_text, keeping every removed span."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.batch import per_article
from tasks.language import detect_language
from tasks.models import Article, BatchResult, BoilerplateSpan
from tasks.timestamps import resolve_timestamp

OUTLETS_FILE = Path(__file__).resolve().parent.parent / "gazetteer" / "outlets.json"

MONTHS = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan\.?|Feb\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"


@dataclass(frozen=True, slots=True)
class Line:
    """One line of raw_text with its offsets (end includes the newline)."""

    index: int
    start: int
    end: int
    text: str  # without the newline

    @property
    def stripped(self) -> str:
        return self.text.strip()

    @property
    def words(self) -> int:
        return len(self.stripped.split())


@dataclass(frozen=True, slots=True)
class LineRule:
    """A rule that marks a whole line as boilerplate of one kind."""

    name: str
    kind: str
    matches: Callable[[list[Line], int], bool]


def split_lines(text: str) -> list[Line]:
    """Lines with their character offsets; the last line may lack a newline."""
    lines: list[Line] = []
    pos = 0
    for i, part in enumerate(text.splitlines(keepends=True)):
        content = part.rstrip("\r\n")
        lines.append(Line(i, pos, pos + len(part), content))
        pos += len(part)
    return lines


def _regex_rule(name: str, kind: str, pattern: str, flags: int = 0, max_words: int = 60) -> LineRule:
    compiled = re.compile(pattern, flags)

    def matches(lines: list[Line], i: int) -> bool:
        line = lines[i]
        return line.words <= max_words and bool(compiled.search(line.stripped))

    return LineRule(name, kind, matches)


_PHOTO_CREDIT = re.compile(r"^(?:Photo|Photos|Image|Picture|Photograph|Credit|Foto)\s*(?:credit)?\s*:\s*[^.!?]{1,60}$", re.I)
_CAPTION_MARK = re.compile(
    r"\((?:Photo|Image|Picture|Photograph)s?\s*(?:by|:|credit)[^)]*\)\s*$"
    r"|AFP PHOTO|\(Photo credit should read|^TOPSHOT\b|/\s*(?:AFP|Getty Images|Reuters|AP)\s*$",
    re.I,
)
_PRESENT_SCENE_VERB = re.compile(
    r"\b(?:is|are)\s+(?:seen|pictured|shown|photographed)\b|\b(?:walks|stands|sits|holds|looks|gathers|"
    r"rides|waves|attends|arrives|carries|speaks|gestures|poses|prays|inspects|drives|takes part|march|marches|walk|stand|gather|ride)\b",
    re.I,
)
_TRAILING_DATE = re.compile(r",?\s+(?:on\s+)?" + MONTHS + r"\s+\d{1,2},\s+\d{4}\.?\s*$")
_DOMAIN_LINE = re.compile(r"^(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)+/?$", re.I)
_TIMESTAMP_LINE = re.compile(
    r"^(?P<label>פרסום ראשון|עדכון אחרון|First published|Last updated|Published|Updated|Posted|Last modified)\s*:?\s*"
    r"(?P<stamp>[\d][\d./: ,-]*\d|\d+\s+\w+\s+ago)\s*$",
    re.I,
)
_METADATA_BAR = re.compile(r"^(?:Published|Updated|Posted|Date)\s*:.*\|.*:", re.I)
_SIGNATURE = re.compile(r"^(?:Written|Posted|Reported|Compiled|Edited)\s+by\s+(?P<name>[A-Z][\w.' -]{1,60})$")
_SOURCE_PREFIX = re.compile(r"^(?P<outlet>[A-Z][\w.]+(?: [A-Z][\w.]+){0,2})-\s+(?=[A-Z])")


def _is_photo_credit(line: Line) -> bool:
    return bool(_PHOTO_CREDIT.match(line.stripped))


def _is_marked_caption(line: Line) -> bool:
    return bool(_CAPTION_MARK.search(line.stripped))


def _neighbours(lines: list[Line], i: int) -> tuple[Line | None, Line | None]:
    """Nearest non-blank lines before and after line i."""
    before = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].stripped), None)
    after = next((lines[j] for j in range(i + 1, len(lines)) if lines[j].stripped), None)
    return before, after


def _caption_next_to_credit(lines: list[Line], i: int) -> bool:
    """A short headline-like line sitting right against a photo credit line."""
    line = lines[i]
    if not line.stripped or line.words > 20 or line.stripped[-1] in ".!?\"”":
        return False
    before, after = _neighbours(lines, i)
    return any(n is not None and _is_photo_credit(n) and abs(n.index - i) == 1 for n in (before, after))


def _standalone(lines: list[Line], i: int) -> bool:
    """Line i is a paragraph of its own: blank lines (or the text edge) on both sides."""
    prev_blank = i == 0 or not lines[i - 1].stripped
    next_blank = i == len(lines) - 1 or not lines[i + 1].stripped
    return prev_blank and next_blank


def _unmarked_wire_caption(lines: list[Line], i: int) -> bool:
    """A wire-photo caption with no marker: needs three pieces of evidence, not one.

    It describes a scene in the present tense, ends with a place and a date, stands alone
    between paragraphs, and carries no quotation or attribution that a news sentence would.
    """
    text = lines[i].stripped
    if not (8 <= lines[i].words <= 60) or not _standalone(lines, i):
        return False
    if any(q in text for q in ('"', "“", "”", " said", " says")):
        return False
    if not _TRAILING_DATE.search(text):
        return False
    head = " ".join(text.split()[:10])
    return bool(_PRESENT_SCENE_VERB.search(head))


def _duplicate_of_previous(lines: list[Line], i: int) -> bool:
    """The same line printed twice in a row (typically a caption)."""
    before, _ = _neighbours(lines, i)
    return before is not None and bool(lines[i].stripped) and before.stripped == lines[i].stripped and lines[i].words <= 40


def _alternate_address(lines: list[Line], i: int) -> bool:
    """An 'also accessed at the following alternate addresses' notice and its address lines."""
    text = lines[i].stripped
    if re.search(r"can (?:also )?be accessed at the following alternate address", text, re.I):
        return True
    if _DOMAIN_LINE.match(text):
        before, _ = _neighbours(lines, i)
        return before is not None and (_DOMAIN_LINE.match(before.stripped) is not None or "alternate address" in before.stripped)
    return False


def _after_share_block(lines: list[Line], i: int) -> bool:
    """Short non-sentence lines that trail a share prompt at the very end of the text."""
    line = lines[i]
    if not line.stripped or line.words > 6 or line.stripped[-1] in ".!?\"”":
        return False
    for j in range(i - 1, -1, -1):
        prev = lines[j].stripped
        if not prev:
            continue
        if SHARE_RULE.matches(lines, j):
            return all(not lines[k].stripped or lines[k].words <= 6 for k in range(i + 1, len(lines)))
        if lines[j].words > 6:
            return False
    return False


SHARE_RULE = _regex_rule(
    "share_prompt", "share",
    r"^(?:share this(?: article| story)?|share on (?:facebook|twitter|whatsapp)|follow us on \w+|"
    r"subscribe to our newsletter|sign up for our newsletter|click here to subscribe)\W*$",
    re.I, max_words=8,
)

LINE_RULES: list[LineRule] = [
    LineRule("timestamp_line", "timestamp", lambda ls, i: bool(_TIMESTAMP_LINE.match(ls[i].stripped))),
    LineRule("metadata_bar", "metadata_bar", lambda ls, i: bool(_METADATA_BAR.match(ls[i].stripped))),
    _regex_rule("breadcrumb", "breadcrumb", r"^[\w&' -]{1,30}(?:\s+[/>»›]\s+[\w&' -]{1,30})+$", max_words=8),
    LineRule("photo_credit", "credit", lambda ls, i: ls[i].words <= 10 and _is_photo_credit(ls[i])),
    LineRule("marked_caption", "caption", lambda ls, i: ls[i].words <= 80 and _is_marked_caption(ls[i])),
    LineRule("caption_next_to_credit", "caption", _caption_next_to_credit),
    LineRule("unmarked_wire_caption", "caption", _unmarked_wire_caption),
    LineRule("repeated_line", "duplicate", _duplicate_of_previous),
    SHARE_RULE,
    LineRule("alternate_address", "alternate_address", _alternate_address),
    _regex_rule(
        "comment_widget", "comment_widget",
        r"^(?:\d+\s+)?(?:new comments?|comments?|leave a (?:comment|reply)|post a comment|add a comment|"
        r"this will delete your current comment|comments?: no comments|\d+ comments?)$",
        re.I, max_words=8,
    ),
    _regex_rule("contributed_credit", "credit", r"^[\w.,' &-]{2,80} contributed (?:to )?(?:this|the) (?:report|story|article)\.?$", max_words=15),
    _regex_rule("reporting_credit", "credit", r"^\(?(?:Reporting|Writing|Editing|Additional reporting|Compiled) by\b.*\)?$", max_words=30),
    LineRule("signature", "signature", lambda ls, i: ls[i].words <= 8 and bool(_SIGNATURE.match(ls[i].stripped))),
    LineRule("tail_after_share", "share", _after_share_block),
]


@dataclass(frozen=True, slots=True)
class Outlet:
    """An outlet's signatures in text and its date conventions."""

    outlet: str
    signatures: tuple[str, ...]
    date_order: str | None
    timezone: str | None


@lru_cache(maxsize=1)
def load_outlets(path: Path = OUTLETS_FILE) -> tuple[Outlet, ...]:
    """The outlet table from gazetteer/outlets.json, read once per process."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return tuple(
        Outlet(o["outlet"], tuple(o["signatures"]), o.get("date_order"), o.get("timezone")) for o in data["outlets"]
    )


def find_outlet(text: str, outlet_hint: str | None = None) -> Outlet | None:
    """The known outlet whose signature appears in the text or whose name matches the hint."""
    outlets = load_outlets()
    if outlet_hint:
        for o in outlets:
            if o.outlet.lower() == outlet_hint.lower():
                return o
    for o in outlets:
        if any(sig in text for sig in o.signatures):
            return o
    return None


def looks_like_headline(line: Line) -> bool:
    """A title line: short, no sentence-final period, not a dateline or quote."""
    text = line.stripped
    if not text or line.words < 3 or line.words > 25 or len(text) > 200:
        return False
    if text[-1] in ".,;:\"”" or text.startswith(("“", '"', "(")):
        return False
    return sum(1 for w in text.split() if w[:1].isupper()) >= 2


def _whitespace_spans(raw: str, removed: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Raw-text spans of whitespace to drop so that the kept text has tidy paragraphs.

    Leading/trailing whitespace goes, trailing spaces on lines go, and any run of blank
    lines collapses to a single blank line. Computed over the kept text, mapped back to raw.
    """
    pieces: list[tuple[int, int]] = []  # kept raw intervals
    pos = 0
    for start, end in removed:
        if start > pos:
            pieces.append((pos, start))
        pos = max(pos, end)
    if pos < len(raw):
        pieces.append((pos, len(raw)))
    kept = "".join(raw[s:e] for s, e in pieces)
    offsets: list[tuple[int, int, int]] = []  # (kept_start, raw_start, length)
    k = 0
    for s, e in pieces:
        offsets.append((k, s, e - s))
        k += e - s

    drop: list[tuple[int, int]] = []
    lead = len(kept) - len(kept.lstrip())
    if lead:
        drop.append((0, lead))
    tail = len(kept.rstrip())
    if tail < len(kept) and tail >= lead:
        drop.append((tail, len(kept)))
    for m in re.finditer(r"[ \t\r\f\v]+(?=\n)", kept):
        drop.append((m.start(), m.end()))
    for m in re.finditer(r"\n(?:[ \t\r\f\v]*\n){2,}", kept):
        # keep "\n\n" (one blank line): drop what lies between the first and the last newline
        inner_start = m.start() + 1
        last_nl = m.end() - 1
        drop.append((inner_start, last_nl))
    raw_spans: list[tuple[int, int]] = []
    for ks, ke in drop:
        for k0, r0, length in offsets:
            lo, hi = max(ks, k0), min(ke, k0 + length)
            if lo < hi:
                raw_spans.append((r0 + lo - k0, r0 + hi - k0))
    return raw_spans


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def rebuild_raw_text(body: str, spans: list[BoilerplateSpan]) -> str:
    """Put removed spans back into the body: the inverse of cleaning, proving nothing is lost."""
    out: list[str] = []
    body_pos = raw_pos = 0
    for span in sorted(spans, key=lambda s: s.start_char):
        gap = span.start_char - raw_pos
        out.append(body[body_pos : body_pos + gap])
        body_pos += gap
        out.append(span.text)
        raw_pos = span.end_char
    out.append(body[body_pos:])
    return "".join(out)


def clean_article(article: Article) -> Article:
    """Body, boilerplate spans and text-derived metadata for one extracted article."""
    raw = article.raw_text
    lines = split_lines(raw)
    spans: list[tuple[int, int, str, str]] = []  # start, end, kind, rule
    removed_lines: set[int] = set()
    for i, line in enumerate(lines):
        if not line.stripped:
            continue
        for rule in LINE_RULES:
            if rule.matches(lines, i):
                spans.append((line.start, line.end, rule.kind, rule.name))
                removed_lines.add(i)
                break

    title = article.title
    author = article.author
    outlet_hint = article.outlet
    kept = [ln for ln in lines if ln.index not in removed_lines and ln.stripped]
    if kept:
        first = kept[0]
        if title and first.stripped == title.strip():
            spans.append((first.start, first.end, "title", "repeated_headline"))
            removed_lines.add(first.index)
        elif not title and article.media_type == "text/plain" and len(kept) > 1 and looks_like_headline(first):
            title = first.stripped
            spans.append((first.start, first.end, "title", "first_line_headline"))
            removed_lines.add(first.index)
    kept = [ln for ln in lines if ln.index not in removed_lines and ln.stripped]
    if kept and (m := _SOURCE_PREFIX.match(kept[0].text)):
        outlet_hint = outlet_hint or m.group("outlet")
        spans.append((kept[0].start, kept[0].start + m.end(), "source_prefix", "source_prefix"))

    stamp_text: str | None = None
    for start, end, kind, _rule in spans:
        line_text = raw[start:end].strip()
        if kind == "timestamp" and (m := _TIMESTAMP_LINE.match(line_text)):
            if stamp_text is None or m.group("label") in ("פרסום ראשון", "First published", "Published"):
                stamp_text = line_text
        elif kind == "metadata_bar" and stamp_text is None and (m := re.match(r"^(?:Published|Posted|Date)\s*:\s*([^|]+)", line_text, re.I)):
            stamp_text = m.group(1).strip()
        elif kind == "signature" and author is None and (m := _SIGNATURE.match(line_text)):
            author = m.group("name").strip()

    outlet = find_outlet(raw, outlet_hint)
    published_at = article.published_at
    published_at_text = article.published_at_text
    published_at_source = article.published_at_source
    merged = _merge([(s, e) for s, e, _k, _r in spans])
    body_preview = "".join(raw[s:e] for s, e in _complement(merged, len(raw)))
    if stamp_text and published_at is None:
        stamp_value = _TIMESTAMP_LINE.match(stamp_text)
        value = stamp_value.group("stamp") if stamp_value else stamp_text
        resolved = resolve_timestamp(
            value, body_preview,
            date_order=outlet.date_order if outlet else None,
            tz=outlet.timezone if outlet else None,
            fetched_at=article.fetched_at,
        )
        published_at, published_at_text, published_at_source = resolved.published_at, value, f"text: {resolved.resolution}"

    for s, e in _whitespace_spans(raw, merged):
        spans.append((s, e, "whitespace", "tidy_whitespace"))
    final = _dedupe_spans(spans)
    boilerplate = [BoilerplateSpan(article.article_id, kind, raw[s:e], s, e, rule) for s, e, kind, rule in final]
    body = "".join(raw[s:e] for s, e in _complement(_merge([(s, e) for s, e, _k, _r in final]), len(raw)))

    article.body = body
    article.word_count = len(body.split())
    article.language = detect_language(body)
    article.boilerplate = boilerplate
    article.title = title
    article.author = author
    article.outlet = outlet.outlet if outlet else outlet_hint
    article.published_at = published_at
    article.published_at_text = published_at_text
    article.published_at_source = published_at_source
    return article


def _complement(merged: list[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    pos = 0
    for s, e in merged:
        if s > pos:
            out.append((pos, s))
        pos = max(pos, e)
    if pos < length:
        out.append((pos, length))
    return out


def _dedupe_spans(spans: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """Non-overlapping spans sorted by start; an earlier-listed span wins an overlap."""
    taken: list[tuple[int, int, str, str]] = []
    for span in spans:
        s, e = span[0], span[1]
        for ts, te, _k, _r in taken:
            if s < te and ts < e:
                # trim the new span to what is not already taken (whitespace spans only touch)
                if s >= ts:
                    s = max(s, te)
                else:
                    e = min(e, ts)
        if s < e:
            taken.append((s, e, span[2], span[3]))
    return sorted(taken)


def clean_articles(articles: list[Article]) -> list[Article]:
    """Clean a batch."""
    return [clean_article(a) for a in articles]


@task(name="clean", cache_policy=NO_CACHE)
def clean(batch: BatchResult) -> BatchResult:
    """Prefect wrapper around clean_article, isolating per-article failures."""
    _done, batch = per_article(batch, "clean", clean_article)
    return batch
