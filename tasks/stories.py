"""Stories stage: every article joins the story it is about (one event or development), and
the topic that story belongs to (a person, a league, a product: what many stories share), or
starts one. Incremental: an article loaded later joins a story or topic already in the
warehouse; ids never change once given.

An article is a bag of its distinctive words (title counted twice, names in the text twice),
each weighted by how rare it is in the article's language (wordfreq's Zipf scale), so no corpus
statistics are needed and a vector never changes as the warehouse grows. A story (or topic) is
the running sum of its articles' vectors. An article joins the most similar one (cosine) when
the similarity reaches the level's threshold and, for stories, when both have dates, the
story's articles are at most STORY_GAP_DAYS away; otherwise it starts a new one.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.common.logs import run_logger
from tasks.common.zipf import wordlist_languages, zipf_frequency

# Thresholds measured with benchmarks/stories.py (README, "Stories"): on wikiref-dev, whose
# labels are topics, 0.08 groups topics (B-cubed F1 0.92) while merging 2 of fundus-dev's 126
# unrelated pages; stories need tighter agreement (0.2: precision 0.96 against the topics, the
# stories of scrapinghub's one week read as single events).
JOIN_SIMILARITY = 0.2
TOPIC_JOIN_SIMILARITY = 0.08
STORY_GAP_DAYS = 30  # a story with no article for a month is over; a new article starts another
TERMS_PER_ARTICLE = 200
TERMS_PER_STORY = 1000
MIN_WORD_LETTERS = 3
# wordfreq gives common English words a Zipf value of 5-7, rare ones 1-3, unknown ones 0.
ZIPF_CEILING = 7.0
_SENTENCE_OPENERS = ("", ".", "!", "?", "\"", "“")
_WORD = re.compile(r"[^\W\d_]{3,}(?:['’-][^\W\d_]+)*")


@lru_cache(maxsize=200_000)
def term_weight(word: str, language: str = "en") -> float:
    """How much a word says about what an article is about: rarer in the article's language
    (English when unknown or not in wordfreq), more."""
    lang = language if language in wordlist_languages() else "en"
    return max(ZIPF_CEILING - zipf_frequency(word, lang), 0.0)


def warm(languages: Iterable[str | None] = ("en",)) -> None:
    """Load wordfreq's lists for these languages (English by default) once per process: the
    first word weighed in a language reads its whole list (0.1-0.3 s each)."""
    for language in languages:
        term_weight("story", language or "en")


def article_vector(title: str | None, body: str, language: str | None = None) -> dict[str, float]:
    """Distinctive words of an article with their weights, L2-normalised (top terms only).
    A word written capitalised inside a sentence (a name) counts double: names say most about
    which story an article belongs to."""
    counts: Counter[str] = Counter()
    for m in _WORD.finditer(body):
        word = m.group()
        start = m.start()
        name = word[0].isupper() and start > 0 and body[max(start - 2, 0) : start].strip() not in _SENTENCE_OPENERS
        counts[word.lower()] += 2 if name else 1
    for w in _WORD.findall(title or ""):
        counts[w.lower()] += 2
    lang = language or "en"
    weighted = {w: (1 + math.log(n)) * term_weight(w, lang) for w, n in counts.items() if len(w) >= MIN_WORD_LETTERS}
    return _normalised(_strongest(weighted, TERMS_PER_ARTICLE))


def _strongest(weights: dict[str, float], n: int) -> dict[str, float]:
    """The n heaviest terms (ties by the term), in that order; sorted only when there are more."""
    if len(weights) <= n:
        return weights
    return dict(sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:n])


def _normalised(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {w: v / norm for w, v in vector.items()} if norm else {}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    """Cosine of two normalised sparse vectors."""
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(w, 0.0) for w, v in a.items())


@dataclass(slots=True)
class Story:
    """A story as the assignment sees it: its summed term weights and time span."""

    story_id: str
    terms: dict[str, float] = field(default_factory=dict)
    first_at: datetime | None = None
    last_at: datetime | None = None
    n_articles: int = 0

    def centroid(self) -> dict[str, float]:
        return _normalised(_strongest(self.terms, TERMS_PER_STORY))

    def add(self, vector: dict[str, float], at: datetime | None) -> None:
        for w, v in vector.items():
            self.terms[w] = self.terms.get(w, 0.0) + v
        self.n_articles += 1
        if at is not None:
            self.first_at = at if self.first_at is None else min(self.first_at, at)
            self.last_at = at if self.last_at is None else max(self.last_at, at)


@dataclass(frozen=True, slots=True)
class StoryArticle:
    """What the assignment needs of an article."""

    article_id: str
    title: str | None
    body: str
    published_at: datetime | None
    language: str | None = None


def story_id_for(article_id: str, prefix: str = "s") -> str:
    """A story (or topic, prefix "t") is named after the article that started it: stable across runs."""
    return prefix + hashlib.sha256(article_id.encode()).hexdigest()[:15]


def within_gap(story: Story, at: datetime | None, gap_days: float | None) -> bool:
    """True unless there is a gap, both have dates and the article is further than it from the story."""
    if gap_days is None or at is None or story.first_at is None or story.last_at is None:
        return True
    gap = timedelta(days=gap_days)
    return story.first_at - gap <= at <= story.last_at + gap


class Grouping:
    """Stories (or topics) with an index from each centroid term to the groups holding it, so an
    article is compared only with groups it shares a term with."""

    def __init__(self, groups: list[Story], threshold: float, gap_days: float | None, prefix: str) -> None:
        self.groups = groups
        self.threshold, self.gap_days, self.prefix = threshold, gap_days, prefix
        self.index_of = {g.story_id: i for i, g in enumerate(groups)}
        self.centroids: list[dict[str, float]] = []
        self.by_term: dict[str, set[int]] = {}
        for i, group in enumerate(groups):
            self.centroids.append(group.centroid())
            for w in self.centroids[i]:
                self.by_term.setdefault(w, set()).add(i)

    def best(self, vector: dict[str, float], at: datetime | None) -> str | None:
        """The group the article belongs to, or None when none is similar enough."""
        # Cosine through the term index: each group accumulates only the terms it shares with
        # the article, instead of every term of the article being looked up in every candidate.
        scores: dict[int, float] = {}
        for w, v in vector.items():
            for i in self.by_term.get(w, ()):
                scores[i] = scores.get(i, 0.0) + v * self.centroids[i][w]
        # The time gap is checked only for groups similar enough to be chosen (most groups share
        # a word or two with the article and score far below the threshold), most similar first,
        # ties to the smaller id.
        similar = sorted(((-score, self.groups[i].story_id, i) for i, score in scores.items() if score >= self.threshold))
        return next((story_id for _, story_id, i in similar if within_gap(self.groups[i], at, self.gap_days)), None)

    def add(self, group_id: str | None, article_id: str, vector: dict[str, float], at: datetime | None) -> str:
        """Put the article in the group (a new one named after it when None); returns the id."""
        if group_id is None or group_id not in self.index_of:
            group_id = group_id or story_id_for(article_id, self.prefix)
            self.index_of[group_id] = len(self.groups)
            self.groups.append(Story(group_id))
            self.centroids.append({})
        i = self.index_of[group_id]
        for w in self.centroids[i]:
            self.by_term.get(w, set()).discard(i)
        self.groups[i].add(vector, at)
        self.centroids[i] = self.groups[i].centroid()
        for w in self.centroids[i]:
            self.by_term.setdefault(w, set()).add(i)
        return group_id


def in_order(articles: Iterable[StoryArticle]) -> list[StoryArticle]:
    """Publication order (undated last, then by id): a story starts with its earliest article."""
    return sorted(articles, key=lambda a: (a.published_at is None, (a.published_at or datetime.min.replace(tzinfo=UTC)).astimezone(UTC), a.article_id))


def assign_stories(
    articles: Iterable[StoryArticle], stories: list[Story], join_similarity: float | None = None,
    gap_days: float | None = STORY_GAP_DAYS, prefix: str = "s",
) -> dict[str, str]:
    """article_id -> group id for new articles, in publication order; `stories` (the warehouse's,
    with their terms) grows as articles join or start groups."""
    grouping = Grouping(stories, JOIN_SIMILARITY if join_similarity is None else join_similarity, gap_days, prefix)
    out: dict[str, str] = {}
    for article in in_order(articles):
        vector = article_vector(article.title, article.body, article.language)
        out[article.article_id] = grouping.add(grouping.best(vector, article.published_at), article.article_id, vector, article.published_at)
    return out


def assign_stories_and_topics(
    articles: Iterable[StoryArticle], stories: list[Story], topics: list[Story], topic_of_story: dict[str, str],
) -> dict[str, tuple[str, str]]:
    """article_id -> (story_id, topic_id). A story's articles share its topic: the topic is
    chosen when the story starts (the closest topic, or a new one) and kept after."""
    story_grouping = Grouping(stories, JOIN_SIMILARITY, STORY_GAP_DAYS, "s")
    topic_grouping = Grouping(topics, TOPIC_JOIN_SIMILARITY, None, "t")
    out: dict[str, tuple[str, str]] = {}
    for article in in_order(articles):
        vector = article_vector(article.title, article.body, article.language)
        at = article.published_at
        story_id = story_grouping.add(story_grouping.best(vector, at), article.article_id, vector, at)
        topic_id = topic_of_story.get(story_id) or topic_grouping.best(vector, at)
        topic_id = topic_of_story[story_id] = topic_grouping.add(topic_id, article.article_id, vector, at)
        out[article.article_id] = (story_id, topic_id)
    return out


def group_rows(level: str, groups: list[Story], touched: set[str]) -> list[dict[str, object]]:
    """The saved state of the touched groups: span, size and strongest summed terms."""
    return [
        {"level": level, "group_id": g.story_id, "first_at": g.first_at, "last_at": g.last_at, "n_articles": g.n_articles,
         "terms": dict(sorted(g.terms.items(), key=lambda kv: (-kv[1], kv[0]))[:TERMS_PER_STORY])}
        for g in groups if g.story_id in touched
    ]


def saved_story(row: dict[str, object]) -> Story:
    """A group as saved in the warehouse."""
    return Story(str(row["group_id"]), dict(row["terms"]), row["first_at"], row["last_at"], int(row["n_articles"]))  # type: ignore[arg-type, call-overload]


@task(name="stories", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def group_stories(db: str, run_id: str) -> dict[str, int]:
    """Put every article not yet in a story into one (and its topic), a chunk at a time; check
    the assignments (article_stories suite) before they are written."""
    from expectations.validate import validate
    from warehouse.stories import group_frame, save_assignments, saved_groups, unassigned_articles

    stories = [saved_story(r) for r in saved_groups(db, "story")]
    topics = [saved_story(r) for r in saved_groups(db, "topic")]
    topic_of_story = story_topics(db)
    dq_rows: list[dict[str, Any]] = []
    n_assigned = 0
    for index, chunk in enumerate(unassigned_articles(db)):
        at = datetime.now(UTC)
        placed = assign_stories_and_topics(
            [StoryArticle(r["article_id"], r["title"], r["body"] or "", r["published_at"], r["language"]) for r in chunk],
            stories, topics, topic_of_story)
        frame = pd.DataFrame([{"article_id": a, "story_id": s_, "topic_id": t, "assigned_at": at} for a, (s_, t) in placed.items()],
                             columns=["article_id", "story_id", "topic_id", "assigned_at"])
        frame["assigned_at"] = pd.to_datetime(frame["assigned_at"], utc=True)
        outcome = validate("article_stories", frame, run_id, index)
        dq_rows.extend(outcome.rows)
        failing = set(range(len(frame))) if outcome.rejected_all else outcome.rejected_index
        kept = frame.drop(index=sorted(failing)).reset_index(drop=True)  # left unassigned: the next run tries again
        touched_stories, touched_topics = set(kept["story_id"]), set(kept["topic_id"])
        groups = group_frame(group_rows("story", stories, touched_stories) + group_rows("topic", topics, touched_topics), at)
        save_assignments(db, kept, groups)
        n_assigned += len(kept)
    if dq_rows:
        from warehouse.writer import insert_dq_rows

        insert_dq_rows(db, dq_rows)
    run_logger("factwire.stories").info("stories: %d articles placed in %d stories and %d topics", n_assigned, len(stories), len(topics))
    return {"n_stories_assigned": n_assigned,
            "n_checks_passed": sum(1 for r in dq_rows if r["success"]), "n_checks_failed": sum(1 for r in dq_rows if not r["success"])}


def story_topics(db: str) -> dict[str, str]:
    """story_id -> topic_id of the stories already in the warehouse."""
    from warehouse.stories import story_topic_pairs

    return dict(story_topic_pairs(db))
