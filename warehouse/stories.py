"""Stories in the warehouse: articles not yet in a story, the groups' saved state, and the
assignments of a pass, written in one transaction (the rules are tasks/stories.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from warehouse.db import load_query, registered, transaction, write_connection

GROUP_COLUMNS = ["level", "group_id", "first_at", "last_at", "n_articles", "terms", "updated_at"]
CHUNK = 500  # articles per pass: bounds memory whatever the backlog


def unassigned_articles(db: str | Path) -> Iterator[list[dict[str, Any]]]:
    """Articles in no story yet, oldest first, a chunk at a time (the title, body, date and
    language the grouping reads)."""
    with write_connection(db) as con:
        ids = [r[0] for r in con.execute(load_query("unassigned_articles")).fetchall()]
    for start in range(0, len(ids), CHUNK):
        chunk = pd.DataFrame({"article_id": pd.Series(ids[start : start + CHUNK], dtype="string")})
        with write_connection(db) as con, registered(con, "_ids", chunk):
            rows = con.execute(
                "SELECT article_id, title, body, published_at, language FROM stg_articles WHERE article_id IN (SELECT article_id FROM _ids)"
            ).df()
        yield [{k: (None if pd.isna(v) else v) if not isinstance(v, str) else v for k, v in r.items()} for r in rows.to_dict("records")]


def saved_groups(db: str | Path, level: str) -> list[dict[str, Any]]:
    """The saved state of every story or topic: id, span, size and summed term weights."""
    with write_connection(db) as con:
        rows = con.execute("SELECT group_id, first_at, last_at, n_articles, terms FROM story_groups WHERE level = ? ORDER BY group_id",
                           [level]).fetchall()
    return [{"group_id": g, "first_at": f, "last_at": last, "n_articles": n, "terms": json.loads(t)} for g, f, last, n, t in rows]


def save_assignments(db: str | Path, assignments: pd.DataFrame, groups: pd.DataFrame) -> None:
    """Write a pass's article_stories rows and the new state of the groups it touched."""
    with write_connection(db) as con, transaction(con):
        if not assignments.empty:
            with registered(con, "_assigned", assignments):
                con.execute("INSERT OR REPLACE INTO article_stories BY NAME SELECT * FROM _assigned")
        if not groups.empty:
            with registered(con, "_groups", groups[GROUP_COLUMNS]):
                con.execute("INSERT OR REPLACE INTO story_groups BY NAME SELECT * FROM _groups")


def group_frame(rows: list[dict[str, Any]], at: datetime) -> pd.DataFrame:
    """story_groups rows from (level, group_id, first_at, last_at, n_articles, terms dict)."""
    frame = pd.DataFrame([{**r, "terms": json.dumps(r["terms"], sort_keys=True), "updated_at": at} for r in rows], columns=GROUP_COLUMNS)
    for column in ("first_at", "last_at", "updated_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def story_topic_pairs(db: str | Path) -> list[tuple[str, str]]:
    """(story_id, topic_id) of every story already in the warehouse."""
    with write_connection(db) as con:
        return [(s, t) for s, t in con.execute("SELECT story_id, any_value(topic_id) FROM article_stories GROUP BY story_id").fetchall()]
