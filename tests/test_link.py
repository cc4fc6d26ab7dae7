"""Link stage and warehouse linking: copies and shared passages across the warehouse, claim keys, claims views."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tasks.common.frames import FACT_COLUMNS, articles_frame
from tasks.entities import entity_rows, find_mentions, read_entities
from tasks.facts import extract_facts
from tasks.link import RULES, check_links, claim_bounds, claim_keys, duplicate_roots
from warehouse.db import create_views, load_query, migrate
from warehouse.linking import link

from .conftest import REPO

GOLDEN = json.loads((Path(__file__).parent / "golden" / "seeds_facts.json").read_text(encoding="utf-8"))
AT = datetime(2026, 1, 1, tzinfo=UTC)


def _load(con, articles) -> None:
    """Insert articles and their facts the way the load stage does (no syndication yet)."""
    mentions = find_mentions(articles)
    facts = extract_facts(articles, mentions)
    con.register("_a", articles_frame(articles, "run", AT))
    con.execute("INSERT INTO stg_articles BY NAME SELECT * FROM _a")
    con.unregister("_a")
    con.register("_f", pd.DataFrame([{c: getattr(f, c) for c in FACT_COLUMNS} for f in facts], columns=FACT_COLUMNS))
    con.execute("INSERT INTO stg_facts BY NAME SELECT * FROM _f")
    con.unregister("_f")


def _ids(seed_articles) -> dict[str, str]:
    return {name: a.article_id for name, a in seed_articles.items()}


def _state(con):
    return (
        con.execute("SELECT article_id, duplicate_of FROM articles ORDER BY ALL").fetchall(),
        con.execute("SELECT * FROM shared_passages ORDER BY ALL").fetchall(),
        con.execute("SELECT * FROM article_similarity ORDER BY ALL").fetchall(),
        con.execute("SELECT fact_id, claim_key FROM fact_claims ORDER BY ALL").fetchall(),
    )


@pytest.fixture
def seeds_db(memory_db, seed_articles):
    memory_db.register("_e", pd.DataFrame([asdict(e) for e in entity_rows()]))
    memory_db.execute("INSERT INTO entities BY NAME SELECT * FROM _e")
    memory_db.unregister("_e")
    _load(memory_db, list(seed_articles.values()))
    link(memory_db, RULES, AT)
    return memory_db


def test_rewrite_points_at_the_story_it_names(seeds_db, seed_articles):
    ids = _ids(seed_articles)
    dups = dict(seeds_db.execute("SELECT article_id, duplicate_of FROM articles WHERE duplicate_of IS NOT NULL").fetchall())
    assert dups == {ids[copy]: ids[original] for copy, original in GOLDEN["duplicates"].items()}


def test_wire_copy_inside_different_stories_is_a_shared_passage(seeds_db, seed_articles):
    ids = _ids(seed_articles)
    for a, b, snippet in GOLDEN["shared_passages"]:
        rows = seeds_db.execute(
            "SELECT text, similarity FROM shared_passages WHERE article_id = ? AND other_article_id = ?", [ids[a], ids[b]]
        ).fetchall()
        assert any(snippet in text for text, _ in rows)
        pair = seeds_db.execute(
            "SELECT is_duplicate FROM article_similarity WHERE article_id = least(?, ?) AND other_article_id = greatest(?, ?)",
            [ids[a], ids[b], ids[a], ids[b]],
        ).fetchone()
        assert pair == (False,)  # sharing one passage does not make a copy


def test_shared_passage_offsets_point_into_both_bodies(seeds_db):
    rows = seeds_db.execute(
        "SELECT s.text, substr(a.body, s.start_char + 1, s.end_char - s.start_char), s.similarity "
        "FROM shared_passages s JOIN stg_articles a USING (article_id)"
    ).fetchall()
    assert rows and all(text == sliced and 0.4 <= sim <= 1.0 for text, sliced, sim in rows)
    mirrored = seeds_db.execute(
        "SELECT count(*) FROM shared_passages s JOIN shared_passages t ON s.article_id = t.other_article_id "
        "AND s.other_article_id = t.article_id AND s.start_char = t.other_start_char"
    ).fetchone()[0]
    assert mirrored == len(rows)


def test_golden_claims(seeds_db):
    names = {e.entity_id: e.name for e in read_entities().values()}
    for want in GOLDEN["claims"]:
        rows = seeds_db.execute(
            "SELECT n_articles, n_independent, speaker_entity_ids FROM claims WHERE unit = ? AND value = ? AND action = ?",
            [want["unit"], want["value"], want["action"]],
        ).fetchall()
        assert len(rows) == 1, want
        n_articles, n_independent, speakers = rows[0]
        assert (n_articles, n_independent) == (want["n_articles"], want["n_independent"])
        if "speaker" in want:
            assert want["speaker"] in {names[s] for s in speakers or []}


def test_convoy_is_one_claim_from_four_outlets(seeds_db):
    rows = seeds_db.execute("SELECT n_articles, n_independent, outlets FROM claims WHERE unit = 'bus' AND value = 17").fetchall()
    assert rows == [(5, 4, ["Alwaght", "Associated Press", "Press TV", "Ynetnews"])]


def test_denied_facts_are_not_claims(seeds_db):
    denied = seeds_db.execute("SELECT fact_id FROM stg_facts WHERE polarity = 'denied'").fetchall()
    assert denied
    in_claims = seeds_db.execute("SELECT count(*) FROM claims WHERE list_contains(fact_ids, ?)", [denied[0][0]]).fetchone()[0]
    assert in_claims == 0


def test_rerun_changes_nothing(seeds_db):
    before = _state(seeds_db)
    summary = link(seeds_db, RULES, AT)
    assert summary.n_fingerprinted == 0 and _state(seeds_db) == before


def test_incremental_runs_match_one_run(seeds_db, seed_articles):
    # the copy first, the original it names later: the link still points at the original
    memory_db = duckdb.connect(":memory:")
    migrate(memory_db)
    create_views(memory_db)
    names = sorted(seed_articles)
    _load(memory_db, [seed_articles[n] for n in names if n != "001_3da009fc58483ec1.txt"])
    link(memory_db, RULES, AT)
    assert memory_db.execute("SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL").fetchall() == [(0,)]
    _load(memory_db, [seed_articles["001_3da009fc58483ec1.txt"]])
    summary = link(memory_db, RULES, AT)
    assert summary.n_fingerprinted == 1
    assert _state(memory_db) == _state(seeds_db)
    memory_db.close()


def test_reloaded_article_is_fingerprinted_again(seeds_db, seed_articles):
    article_id = seed_articles["000_4640bc17174c948b.txt"].article_id
    # reloaded with another body, as the writer does it: the old row out, the new one in
    seeds_db.execute("DELETE FROM article_duplicates WHERE article_id = ?", [article_id])
    seeds_db.execute("CREATE TEMP TABLE _row AS SELECT * FROM stg_articles WHERE article_id = ?", [article_id])
    seeds_db.execute("DELETE FROM stg_articles WHERE article_id = ?", [article_id])
    seeds_db.execute("INSERT INTO stg_articles SELECT * REPLACE (body || ' An added line.' AS body) FROM _row")
    summary = link(seeds_db, RULES, AT)
    assert summary.n_fingerprinted == 2  # linked again: the article, and the original it was paired with
    assert seeds_db.execute("SELECT duplicate_of FROM articles WHERE article_id = ?", [article_id]).fetchone()[0] is not None


def _facts_frame(rows):
    base = {"value_high": None, "qualifier": None, "unit": "bus", "category": "vehicles", "action": "remained"}
    frame = pd.DataFrame([{**base, **r} for r in rows])
    frame["value_high"] = frame["value_high"].fillna(frame["value"])
    return frame


def test_claim_keys_name_family_action_and_value_and_mark_vague_words():
    frame = _facts_frame([
        {"fact_id": "a", "value": 300, "value_text": "about 300", "qualifier": "about"},
        {"fact_id": "e", "value": 12, "value_text": "dozens", "value_high": 99},
        {"fact_id": "g", "value": 12, "value_text": "12", "action": None},
        {"fact_id": "p", "value": 29.7, "value_text": "29.7%", "unit": "percent", "category": "percent", "action": None},
        {"fact_id": "v", "value": 30, "value_text": "30 percent", "unit": "vote", "category": "percent", "action": None},
        {"fact_id": "d", "value": 130, "value_text": "130", "unit": "death", "category": "casualties", "action": "killed"},
        {"fact_id": "k", "value": 2, "value_text": "two", "unit": "package", "category": None, "action": None},
    ])
    assert claim_keys(frame).tolist() == ["vehicles|remained|300", "vehicles|remained|12+", "vehicles|-|12", "percent:-|-|29.7",
                                          "percent:vote|-|30", "people|killed|130", "agreement|-|2"]


def test_claim_bounds_are_the_figure_as_rounded_and_hedged():
    frame = _facts_frame([
        {"fact_id": "exact", "value": 30, "value_text": "30 percent", "category": "percent"},
        {"fact_id": "tenth", "value": 29.7, "value_text": "29.7%", "category": "percent"},
        {"fact_id": "about-share", "value": 30, "value_text": "about 30 per cent", "qualifier": "about", "category": "percent",
         "value_low": 27, "value_high": 33},
        {"fact_id": "about-count", "value": 300, "value_text": "about 300", "qualifier": "about", "value_low": 270, "value_high": 330},
        {"fact_id": "at-least", "value": 20, "value_text": "at least 20", "qualifier": "at least", "value_low": 20, "value_high": 1e15},
        {"fact_id": "million", "value": 1.5e6, "value_text": "1.5 million", "category": "people"},
        {"fact_id": "range", "value": 30, "value_text": "30 to 40", "value_low": 30, "value_high": 40},
        {"fact_id": "words", "value": 2 / 3, "value_text": "Two-thirds", "category": "fraction"},
        {"fact_id": "dozens", "value": 12, "value_text": "dozens", "value_low": 12, "value_high": 99},
    ])
    frame["value_low"] = frame["value_low"].fillna(frame["value"])
    bounds = claim_bounds(frame).set_axis(frame["fact_id"]).round(4)
    assert bounds.loc["exact"].tolist() == [29.5, 30.5]
    assert bounds.loc["tenth"].tolist() == [29.65, 29.75]
    assert bounds.loc["about-share"].tolist() == [28.5, 31.5]  # a share is hedged by a unit of its last digit
    assert bounds.loc["about-count"].tolist() == [269.5, 330.5]  # a count by 10%
    assert bounds.loc["at-least"].tolist() == [19.5, 22.5]  # not open-ended: it joins figures near 20 only
    assert bounds.loc["million"].tolist() == [1.45e6, 1.55e6]
    assert bounds.loc["range"].tolist() == [29.5, 40.5]
    assert bounds.loc["words"].tolist() == [0.6617, 0.6717]
    assert bounds.loc["dozens"].tolist() == [11.5, 12.5]


def test_claims_group_rounded_and_hedged_figures_without_drifting(memory_db):
    con = memory_db
    texts = {"r1": ("30 percent", None), "r2": ("about 30 per cent", "about"), "r3": ("29.7%", None), "r4": ("31 percent", None)}
    for i, (aid, (text, qualifier)) in enumerate(texts.items()):
        _article(con, aid, FILLER["a"], f"Outlet {aid}", "s1")
        value = float(text.split()[-3 if qualifier else 0].rstrip("%")) if qualifier else float(text.split()[0].rstrip("%"))
        _fact(con, f"p-{aid}", aid, value, "vote", "percent", None, f"The party won {text} of the vote.", start=i, text=text,
              qualifier=qualifier, low=value * 0.9 if qualifier else None, high=value * 1.1 if qualifier else None)
    # a chain of hedged counts 8% apart: every member of a claim is the same figure as the one it is keyed by
    for i, v in enumerate((100, 108, 116, 124)):
        _article(con, f"c{i}", FILLER["b"], f"Outlet c{i}", "s1")
        _fact(con, f"c-{v}", f"c{i}", v, "bus", "vehicles", "remained", f"About {v} buses remained.", text=f"about {v}",
              qualifier="about", low=v * 0.9, high=v * 1.1)
    link(con, RULES, AT)
    shares = con.execute("SELECT value_texts FROM claims WHERE family = 'percent:vote' ORDER BY value").fetchall()
    assert shares == [(["29.7%", "30 percent", "about 30 per cent"],), (["31 percent"],)]
    buses = con.execute("SELECT list_sort(fact_ids) FROM claims WHERE family = 'vehicles' ORDER BY value").fetchall()
    assert buses == [(["c-100", "c-108"],), (["c-116"],), (["c-124"],)]


def test_original_is_earliest_then_named_then_longest():
    def art(aid, published=None, outlet=None, body="", words=10):
        return {"article_id": aid, "published_at": published, "outlet": outlet, "body": body, "word_count": words}

    dated = {"a": art("a", datetime(2017, 9, 2, tzinfo=UTC)), "b": art("b", datetime(2017, 9, 1, tzinfo=UTC))}
    assert duplicate_roots([("a", "b")], dated) == {"a": "b"}
    named = {"a": art("a", outlet="Wire", words=5), "b": art("b", body="..., Wire reported.", words=50)}
    assert duplicate_roots([("a", "b")], named) == {"b": "a"}
    longest = {"a": art("a", words=5), "b": art("b", words=50), "c": art("c", words=20)}
    assert duplicate_roots([("a", "c"), ("c", "b")], longest) == {"a": "b", "c": "b"}


def test_conflicting_values_are_listed(memory_db, seed_articles):
    _load(memory_db, list(seed_articles.values()))
    memory_db.execute("INSERT INTO article_stories SELECT article_id, 's1', 't1', now() FROM stg_articles")
    press_tv = seed_articles["002_44088e1be8dae33e.txt"].article_id  # reports six buses stranded, not remaining
    memory_db.execute(
        "INSERT INTO stg_facts (fact_id, article_id, value, value_low, value_high, value_text, unit, category, action, "
        "speaker_text, polarity, sentence, sentence_index, start_char, end_char) VALUES "
        "('x1', ?, 9, 9, 9, 'nine', 'bus', 'vehicles', 'remained', 'a local official', 'asserted', 'Nine buses remained.', 0, 0, 4)",
        [press_tv],
    )
    link(memory_db, RULES, AT)
    rows = memory_db.execute("SELECT value, other_value, other_speakers, other_article_ids, other_sentence "
                             "FROM claim_conflicts WHERE action = 'remained'").fetchall()
    assert rows == [(6.0, 9.0, ["a local official"], [press_tv], "Nine buses remained.")]


# --- claims scoped to a story (issue 14) ------------------------------------------------------

FILLER = {
    "a": "The harbour authority published its yearly shipping report on Tuesday, listing cargo volumes by port. ",
    "b": "Farmers in the valley gathered for the autumn fair, where prize cattle were judged by the county board. ",
    "c": "A new library opened downtown with a reading room devoted to maps of the old railway lines. ",
    "d": "Residents of the coastal village complained about the noise from the ferry terminal at night. ",
}


def _article(con, article_id: str, body: str, outlet: str | None, story: str | None = None, published: str | None = None) -> None:
    con.execute("INSERT INTO stg_articles (article_id, content_sha256, source_uri, media_type, outlet, body, raw_text, word_count, "
                "run_id, ingested_at, published_at) VALUES (?, ?, ?, 'text/plain', ?, ?, ?, ?, 'r', now(), ?)",
                [article_id, article_id * 8, f"file:///{article_id}", outlet, body, body, len(body.split()), published])
    if story is not None:
        con.execute("INSERT INTO article_stories VALUES (?, ?, 't', now())", [article_id, story])


def _fact(con, fact_id: str, article_id: str, value: float, unit: str, category: str | None, action: str | None,
          sentence: str, start: int = 0, low: float | None = None, high: float | None = None,
          qualifier: str | None = None, subject: str | None = None, text: str | None = None) -> None:
    con.execute("INSERT INTO stg_facts (fact_id, article_id, value, value_low, value_high, value_text, qualifier, unit, category, "
                "action, subject_entity_id, polarity, sentence, sentence_index, start_char, end_char) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'asserted', ?, 0, ?, ?)",
                [fact_id, article_id, value, value if low is None else low, value if high is None else high,
                 text or f"{value:g}", qualifier, unit, category, action, subject, sentence, start, start + 5])


def test_the_same_figure_in_two_stories_is_two_claims_and_never_a_conflict(memory_db):
    con = memory_db
    for aid, story, filler in (("a1", "s1", "a"), ("a2", "s1", "b"), ("b1", "s2", "c")):
        _article(con, aid, FILLER[filler] + "At least 31 people were killed.", f"Outlet {aid}", story)
    for aid in ("a1", "a2", "b1"):
        _fact(con, f"f-{aid}", aid, 31, "people", "people", "killed", "At least 31 people were killed.")
    _fact(con, "f-b1-40", "b1", 40, "people", "people", "killed", "40 people were killed.")
    link(con, RULES, AT)
    claims = con.execute("SELECT story_id, value, n_articles, n_independent FROM claims ORDER BY story_id, value").fetchall()
    assert claims == [("s1", 31, 2, 2), ("s2", 31, 1, 1), ("s2", 40, 1, 1)]
    # 31 and 40 in story s2 come from one article only: two things it reports, no conflict
    assert con.execute("SELECT count(*) FROM claim_conflicts").fetchone() == (0,)


def test_conflicts_respect_ranges_and_qualifiers(memory_db):
    con = memory_db
    for aid in ("a1", "a2", "a3", "a4"):
        _article(con, aid, FILLER["b"], f"Outlet {aid}", "s1")
    _fact(con, "at-least-20", "a1", 20, "people", "people", "killed", "At least 20 people were killed.", low=20, high=1e15, qualifier="at least")
    _fact(con, "twenty-six", "a2", 26, "people", "people", "killed", "26 people were killed.")
    _fact(con, "seven", "a3", 7, "attacker", None, "killed", "Seven attackers died.")
    _fact(con, "eight", "a4", 8, "attacker", None, "killed", "Eight attackers died.")
    _fact(con, "no-action", "a3", 3, "people", "people", None, "Three people.")
    _fact(con, "other-no-action", "a4", 5, "people", "people", None, "Five people.")
    # background figures of another magnitude count other things; a vague word contradicts nothing
    _fact(con, "recent", "a1", 3, "death", "casualties", "killed", "3 deaths between 2009 and 2018.")
    _fact(con, "medieval", "a2", 25_000_000, "people", "people", "killed", "The Black Death killed 25 million people.")
    _fact(con, "dozens", "a3", 12, "soldier", "combatants", "wounded", "Dozens of soldiers were wounded.", high=99, text="Dozens")
    _fact(con, "exact", "a4", 150, "soldier", "combatants", "wounded", "150 soldiers were wounded.")
    link(con, RULES, AT)
    rows = con.execute("SELECT value, other_value, article_ids, other_article_ids, sentence, other_sentence FROM claim_conflicts").fetchall()
    assert rows == [(7, 8, ["a3"], ["a4"], "Seven attackers died.", "Eight attackers died.")]


def test_passengers_aboard_and_deaths_join_the_people_counted(memory_db):
    con = memory_db
    for aid in ("a1", "a2", "a3", "a4"):
        _article(con, aid, FILLER["c"], f"Outlet {aid}", "s1")
    _fact(con, "p1", "a1", 239, "people", "people", "transported", "There were 239 people on board.")
    _fact(con, "p2", "a2", 239, "passenger", "people", "transported", "The plane carried 239 passengers.")
    _fact(con, "d1", "a3", 130, "death", "casualties", "killed", "The death toll rose to 130.")
    _fact(con, "d2", "a4", 130, "people", "people", "killed", "130 people were killed.")
    link(con, RULES, AT)
    assert con.execute("SELECT value, family, action_family, n_articles FROM claims ORDER BY value").fetchall() == [
        (130, "people", "killed", 2), (239, "people", "transported", 2)]


def test_a_figure_with_no_action_joins_the_one_action_its_story_gives_it(memory_db):
    con = memory_db
    for aid, story in (("a1", "s1"), ("a2", "s1"), ("a3", "s1"), ("b1", "s2"), ("b2", "s2"), ("b3", "s2")):
        _article(con, aid, FILLER["a"], f"Outlet {aid}", story)
    _fact(con, "n1", "a1", 239, "people", "people", None, "The plane with 239 people vanished.")
    _fact(con, "n2", "a2", 239, "passenger", "people", "transported", "It carried 239 passengers.")
    _fact(con, "n3", "a3", 239, "people", "people", "transported", "There were 239 people on board.")
    # two actions for one figure: a bare one cannot tell which it means
    _fact(con, "m1", "b1", 12, "people", "people", None, "12 people.")
    _fact(con, "m2", "b2", 12, "people", "people", "killed", "12 people were killed.")
    _fact(con, "m3", "b3", 12, "people", "people", "arrested", "12 people were arrested.")
    link(con, RULES, AT)
    rows = con.execute("SELECT story_id, action_family, n_articles FROM claims ORDER BY story_id, action_family").fetchall()
    assert rows == [("s1", "transported", 3), ("s2", "-", 1), ("s2", "arrested", 1), ("s2", "killed", 1)]


def test_a_claim_keeps_its_subject_and_facts_naming_none_join_it(memory_db):
    con = memory_db
    for aid in ("a1", "a2", "a3"):
        _article(con, aid, FILLER["d"], f"Outlet {aid}", "s1")
    con.execute("INSERT INTO entities (entity_id, name, type, source) VALUES ('Q1', 'Hezbollah', 'ORG', 'curated'), "
                "('Q2', 'Hamas', 'ORG', 'curated')")
    _fact(con, "h1", "a1", 85, "member", "members", "killed", "85 Hezbollah members were killed.", subject="Q1")
    _fact(con, "h2", "a2", 85, "member", "members", "killed", "85 members were killed.")
    _fact(con, "h3", "a3", 12, "fighter", "combatants", "killed", "12 Hezbollah fighters were killed.", subject="Q1")
    _fact(con, "h4", "a3", 12, "fighter", "combatants", "killed", "12 Hamas fighters were killed.", subject="Q2")
    link(con, RULES, AT)
    rows = con.execute("SELECT value, subject_name, n_articles, claim_key FROM claims ORDER BY value, subject_name").fetchall()
    assert [r[:3] for r in rows] == [(12, "Hamas", 1), (12, "Hezbollah", 1), (85, "Hezbollah", 2)]
    assert rows[2][3] == "s1:members|killed|85@Q1"


def test_a_share_of_no_named_whole_takes_the_whole_its_own_article_names(memory_db):
    con = memory_db
    for aid in ("a1", "a2", "a3"):
        _article(con, aid, FILLER["c"], f"Outlet {aid}", "s1")
    _fact(con, "vote", "a1", 27, "vote", "percent", None, "Syriza won 27 percent of the vote.", text="27 percent")
    # a2 names the vote for another share, then leaves it out: "almost 27 per cent" is of the vote
    _fact(con, "other-vote", "a2", 12, "vote", "percent", None, "Pasok took 12 per cent of the vote.", text="12 per cent")
    _fact(con, "elided", "a2", 27, "percent", "percent", None, "Syriza had almost 27 per cent.", start=40, text="almost 27 per cent",
          qualifier="almost", low=24.3, high=27)
    # a3 never names a whole: its 27% may be anything (growth, a tax rate) and stays apart
    _fact(con, "bare", "a3", 27, "percent", "percent", None, "Prices rose 27%.", text="27%")
    _fact(con, "bare-rounded", "a3", 26.8, "percent", "percent", None, "Rents rose 26.8%.", start=30, text="26.8%")
    link(con, RULES, AT)
    rows = con.execute("SELECT family, list_sort(fact_ids) FROM claims ORDER BY family, value").fetchall()
    assert rows == [("percent:-", ["bare-rounded"]), ("percent:-", ["bare"]), ("percent:vote", ["other-vote"]),
                    ("percent:vote", ["elided", "vote"])]


def test_a_figure_with_no_action_conflicts_only_through_a_named_subject(memory_db):
    con = memory_db
    for aid in ("a1", "a2", "a3", "a4"):
        _article(con, aid, FILLER["d"], f"Outlet {aid}", "s1")
    con.execute("INSERT INTO entities (entity_id, name, type, source) VALUES ('ND', 'New Democracy', 'ORG', 'curated'), "
                "('SY', 'Syriza', 'ORG', 'curated')")
    _fact(con, "nd-128", "a1", 128, "seat", None, None, "New Democracy won 128 seats.", subject="ND")
    _fact(con, "nd-129", "a2", 129, "seat", None, None, "New Democracy won 129 seats.", subject="ND")
    _fact(con, "nd-129b", "a3", 129, "seat", None, None, "The conservatives gained 129 seats.")  # names none: joins New Democracy's
    _fact(con, "nd-bonus", "a3", 50, "seat", None, None, "New Democracy gets 50 bonus seats.", start=40, subject="ND")
    _fact(con, "sy-71", "a3", 71, "seat", None, None, "Syriza won 71 seats.", start=80, subject="SY")
    _fact(con, "sy-72", "a4", 72, "seat", None, None, "Syriza won 72 seats.", subject="SY")
    _fact(con, "bare-300", "a1", 300, "seat", None, None, "There are 300 seats.", start=40)
    _fact(con, "bare-280", "a4", 280, "seat", None, None, "280 seats were contested.", start=40)
    link(con, RULES, AT)
    claims = con.execute("SELECT value, subject_name, n_articles FROM claims WHERE value = 129").fetchall()
    assert claims == [(129, "New Democracy", 2)]
    rows = con.execute("SELECT value, other_value, subject_entity_id FROM claim_conflicts ORDER BY value").fetchall()
    # 50 bonus seats are a part of the 128, not another count of them; 280 and 300 name no subject
    assert rows == [(71, 72, "SY"), (128, 129, "ND")]


def test_subjects_keep_equal_figures_of_two_parties_apart(memory_db):
    con = memory_db
    for aid in ("a1", "a2"):
        _article(con, aid, FILLER["a"], f"Outlet {aid}", "s1")
    con.execute("INSERT INTO entities (entity_id, name, type, source) VALUES ('ND', 'New Democracy', 'ORG', 'curated'), "
                "('SY', 'Syriza', 'ORG', 'curated')")
    _fact(con, "nd", "a1", 30, "vote", "percent", None, "New Democracy won 30 percent of the vote.", subject="ND", text="30 percent")
    _fact(con, "sy", "a1", 29.7, "vote", "percent", None, "Syriza won 29.7% of the vote.", start=50, subject="SY", text="29.7%")
    _fact(con, "nd2", "a2", 29.8, "vote", "percent", None, "New Democracy has 29.8% of the vote.", subject="ND", text="29.8%")
    link(con, RULES, AT)
    rows = con.execute("SELECT subject_name, list_sort(fact_ids) FROM claims ORDER BY subject_name").fetchall()
    assert rows == [("New Democracy", ["nd", "nd2"]), ("Syriza", ["sy"])]
    assert con.execute("SELECT count(*) FROM claim_conflicts").fetchone() == (0,)  # 30 and 29.8 are one figure, 29.7 another party


def test_a_passage_shared_verbatim_counts_once_and_the_first_reporter_is_the_earliest(memory_db):
    con = memory_db
    passage = "Police said seven people were arrested overnight after the clashes near the central railway station in the capital."
    bodies = {
        "a1": FILLER["a"] + FILLER["b"] + passage,  # one outlet's two stories reuse a paragraph
        "a2": FILLER["c"] + FILLER["d"] + passage,
        "a3": FILLER["b"] + FILLER["c"] + "Seven people were arrested, a police spokesman told reporters on Sunday.",
    }
    published = {"a1": "2024-05-02 10:00:00+00", "a2": "2024-05-01 09:00:00+00", "a3": None}
    for aid, body in bodies.items():
        _article(con, aid, body, "Daily" if aid != "a3" else "Herald", "s1", published[aid])
        start = body.index("seven") if "seven" in body else body.index("Seven")
        _fact(con, f"f-{aid}", aid, 7, "people", "people", "arrested", body[start - 12 :], start=start)
    link(con, RULES, AT)
    assert con.execute("SELECT count(*) FROM shared_passages").fetchone()[0] > 0
    assert con.execute("SELECT count(*) FROM article_duplicates").fetchone() == (0,)  # not copies: one shared paragraph
    row = con.execute("SELECT n_articles, n_outlets, n_independent, first_article_id, first_outlet FROM claims").fetchone()
    assert row == (3, 2, 2, "a2", "Daily")


def test_claim_sources_union_copies_and_shared_passages():
    facts = pd.DataFrame({
        "fact_id": ["f1", "f2", "f3", "f4", "f5"],
        "article_id": ["a", "b", "c", "d", "e"],
        "duplicate_of": [None, None, "a", None, None],
        "claim_key": ["k", "k", "k", "k", "other"],
    })
    shared = pd.DataFrame({"fact_id": ["f2", "f4"], "other_fact_id": ["f4", "f5"]})
    sources = list(RULES.claim_sources(facts, shared))
    # c copies a; b and d share the passage; e shares it too but states another claim
    assert sources == ["a", "b", "a", "b", "e"]


def _readme_queries() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Facts, claims and syndication", 1)[1].split("\n## ", 1)[0]
    return [q.strip() for block in re.findall(r"```sql\n(.*?)```", section, re.S) for q in block.split(";") if q.strip()]


def test_readme_queries_run_on_the_seeds(seeds_db):
    queries = _readme_queries()
    assert len(queries) >= 3
    results = [seeds_db.execute(sql).fetchall() for sql in queries]
    # the seeds corroborate and attribute, but report no incompatible figures
    assert sum(1 for r in results if r) >= len(queries) - 1


def test_a_sentence_in_more_bodies_than_the_cap_is_a_template_not_a_passage(memory_db):
    """A bucket shared by more bodies than max_bucket_articles is skipped before the self-join:
    the stock sentence six stories end with is no shared passage, while a sentence two of them
    share is; the same whichever came first."""
    from dataclasses import replace

    from tasks.common.models import Article

    rules = replace(RULES, max_bucket_articles=2)
    stock = "Follow our live coverage of the summit for the latest updates from the negotiating table tonight."
    pair = "The ministers met again on Sunday evening to discuss the grain corridor through the straits."
    articles = [
        Article(article_id=f"a{i}", source_uri=f"file://{i}", content_sha256=str(i), media_type="text/plain", raw_text="",
                body=f"{own} {pair if i in (1, 5) else ''} {stock}")
        for i, own in enumerate([
            "Farmers in the valley harvested an early crop of apricots this week.",
            "The city council voted to repair the old stone bridge over the river.",
            "A new museum of maritime history opened its doors to school groups.",
            "Heavy snow closed the mountain pass for most of the weekend traffic.",
            "Researchers catalogued rare orchids growing along the coastal cliffs.",
            "The orchestra announced a winter season of forgotten baroque operas.",
        ])
    ]
    _load(memory_db, articles[:5])
    link(memory_db, rules, AT)
    _load(memory_db, articles[5:])
    link(memory_db, rules, AT)
    passages = memory_db.execute("SELECT article_id, other_article_id, text FROM shared_passages ORDER BY ALL").fetchall()
    assert passages == [("a1", "a5", pair), ("a5", "a1", pair)]
    clean = duckdb.connect(":memory:")
    migrate(clean)
    _load(clean, articles)
    link(clean, rules, AT)
    assert clean.execute("SELECT article_id, other_article_id, text FROM shared_passages ORDER BY ALL").fetchall() == passages
    clean.close()


def test_choose_original_with_unknown_outlets_and_dates():
    import math

    from tasks.link import choose_original

    members = [
        {"article_id": "a", "outlet": math.nan, "published_at": None, "body": "short copy", "word_count": 2},
        {"article_id": "b", "outlet": None, "published_at": None, "body": "the longer original text", "word_count": 4},
    ]
    assert choose_original(members) == "b"


def _original_by_definition(members):
    """choose_original's rule written out pair by pair (the way it was computed before
    2026-11-30: every member's outlet against every other member's lowered body)."""
    import pandas as pd

    if all(m["published_at"] is not None and not pd.isna(m["published_at"]) for m in members):
        return min(members, key=lambda m: (m["published_at"], m["article_id"]))["article_id"]
    attributed = [m for m in members if isinstance(m["outlet"], str) and m["outlet"]
                  and any(m["outlet"].lower() in o["body"].lower() for o in members if o["article_id"] != m["article_id"])]
    return min(attributed or members, key=lambda m: (-m["word_count"], m["article_id"]))["article_id"]


def test_choose_original_follows_its_rule_on_random_groups():
    import math
    import random

    import pandas as pd

    from tasks.link import choose_original

    rnd = random.Random(7)
    outlets = ["Reuters", "AP", "The Guardian", "BBC", "ap news", None, "", math.nan, "CNN"]
    words = ["reuters", "AP", "guardian", "the", "BBC", "news", "said", "cnn", "The Guardian"]
    dates = [None, pd.NaT, pd.Timestamp("2020-01-01", tz="UTC"), pd.Timestamp("2020-01-02", tz="UTC")]
    for _ in range(3000):
        members = [{"article_id": f"a{i}", "published_at": rnd.choice(dates), "outlet": rnd.choice(outlets),
                    "body": " ".join(rnd.choices(words, k=rnd.randint(0, 6))), "word_count": rnd.randint(1, 4)}
                   for i in range(rnd.randint(1, 7))]
        assert choose_original(members) == _original_by_definition(members), members


class _CountingBody(str):
    lowered = 0

    def lower(self):
        type(self).lowered += 1
        return str.lower(self)


def test_a_large_group_of_copies_lowers_each_body_once():
    """A group of k copies with a date missing used to lower k^2 bodies (a group of 2,103 synthetic
    copies took 67 s of every linking pass); now each body once."""
    from tasks.link import choose_original

    members = [{"article_id": f"a{i:04d}", "published_at": None, "outlet": f"Outlet {i % 40}",
                "body": _CountingBody(f"Story text {i}, as Outlet {(i + 1) % 40} reported."), "word_count": 7 + i % 3}
               for i in range(400)]
    _CountingBody.lowered = 0
    assert choose_original(members) == _original_by_definition(members)
    _CountingBody.lowered = 0
    choose_original(members)
    assert _CountingBody.lowered == 400


def test_exact_copies_are_paired_by_hash_without_passage_rows(memory_db, seed_articles):
    """Verbatim republications link to the first copy directly; only distinct bodies are compared."""
    from dataclasses import replace

    original = seed_articles["001_3da009fc58483ec1.txt"]
    copies = [replace(original, article_id=f"copy{i:02d}", boilerplate=[]) for i in range(3)]
    _load(memory_db, [original, *copies])
    summary = link(memory_db, RULES, AT)
    assert summary.n_fingerprinted == 4
    pairs = memory_db.execute("SELECT article_id, other_article_id, containment, is_duplicate FROM article_similarity ORDER BY ALL").fetchall()
    root = min(["copy00", "copy01", "copy02", original.article_id])
    assert pairs == [(root, other, 1.0, True) for other in sorted({"copy00", "copy01", "copy02", original.article_id} - {root})]
    assert memory_db.execute("SELECT count(*) FROM shared_passages").fetchone()[0] == 0
    duplicates = dict(memory_db.execute("SELECT article_id, duplicate_of FROM articles").fetchall())
    assert len({d for d in duplicates.values() if d}) == 1 and sum(d is None for d in duplicates.values()) == 1
    assert link(memory_db, RULES, AT).n_fingerprinted == 0  # idempotent


def test_the_link_suites_pass_on_the_seeds_and_reject_a_broken_passage(seeds_db):
    """Checks after linking: passages point into both bodies, copies point at originals, claims
    agree with their facts; a passage whose text is not at its offsets is rejected."""
    linked_at = seeds_db.execute("SELECT max(linked_at) FROM article_fingerprints").fetchone()[0]
    frames = {name: seeds_db.execute(load_query(f"link_{name}"), {"linked_at": linked_at} if name == "shared_passages" else {}).df()
              for name in ("shared_passages", "article_duplicates", "claims")}
    assert len(frames["shared_passages"]) > 0 and len(frames["article_duplicates"]) == 1
    dq_rows, rejected = check_links(frames, "run-1")
    assert {r["stage"] for r in dq_rows} == {"link"} and all(r["success"] for r in dq_rows)
    assert all(f.empty for f in rejected.values())
    frames["shared_passages"].loc[0, "check_text_at_offsets"] = False
    _rows, rejected = check_links(frames, "run-1")
    assert len(rejected["shared_passages"]) == 1 and rejected["article_duplicates"].empty


# --- links are a function of what is loaded (issue 16, item 1) ----------------------------------


def _batch_frames(articles) -> dict[str, pd.DataFrame]:
    """A batch as the load stage writes it: articles, facts, fingerprints and sentence bands."""
    from tasks.common.frames import facts_frame
    from tasks.fingerprint import fingerprint_frames

    facts = extract_facts(articles, find_mentions(articles))
    fingerprints, bands = fingerprint_frames([(a.article_id, a.body) for a in articles], AT)
    return {"stg_articles": articles_frame(articles, "run", AT), "stg_facts": facts_frame(facts),
            "article_fingerprints": fingerprints, "sentence_bands": bands}


def _file_state(db) -> tuple:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return (
            con.execute("SELECT article_id, duplicate_of FROM article_duplicates ORDER BY ALL").fetchall(),
            con.execute("SELECT * FROM shared_passages ORDER BY ALL").fetchall(),
            con.execute("SELECT * FROM article_similarity ORDER BY ALL").fetchall(),
            con.execute("SELECT fact_id, claim_key FROM fact_claims ORDER BY ALL").fetchall(),
            con.execute("SELECT claim_key, n_articles, n_independent FROM claims ORDER BY ALL").fetchall(),
            con.execute("SELECT count(*) FROM article_fingerprints WHERE linked_at IS NULL").fetchall(),
        )
    finally:
        con.close()


@pytest.fixture(scope="module")
def linking_corpus(seed_articles):
    """The seeds (a rewrite, wire copy shared by different stories, one convoy claim from four
    outlets) plus verbatim republications of the AP story, ids on both sides of the original's."""
    from dataclasses import replace

    original = seed_articles["001_3da009fc58483ec1.txt"]
    copies = [replace(original, article_id=aid, content_sha256=aid * 4, boilerplate=[])
              for aid in ("0000000000000c01", "fffffffffffffc02", "8000000000000c03")]
    return [*seed_articles.values(), *copies]


def test_reloads_and_overlapping_runs_give_the_links_of_one_clean_load(linking_corpus, tmp_path):
    """Links and claim counts after loads in pieces, a --reprocess of a subset (its original and
    the first of its copies among it) and two overlapping runs interleaved, equal those of one
    clean load of the same documents."""
    from tasks.link import RULES as LINK_RULES
    from warehouse import writer
    from warehouse.db import initialise
    from warehouse.linking import link_warehouse

    by_id = {a.article_id: a for a in linking_corpus}
    ids = sorted(by_id)
    clean = tmp_path / "clean.duckdb"
    initialise(clean)
    writer.write_batch(clean, _batch_frames(linking_corpus))
    link_warehouse(str(clean), LINK_RULES)
    expected = _file_state(clean)
    assert expected[0] and expected[1] and expected[2] and expected[4]  # copies, passages, pairs, claims all present
    assert len(expected[0]) == 4  # the rewrite and three verbatim copies point at their originals

    pieces = tmp_path / "pieces.duckdb"
    initialise(pieces)
    original = linking_corpus[1].article_id
    first, rest = [by_id[i] for i in ids if i != "0000000000000c01"][:5], [by_id[i] for i in ids if i != "0000000000000c01"][5:]
    writer.write_batch(pieces, _batch_frames(first))
    link_warehouse(str(pieces), LINK_RULES)
    writer.write_batch(pieces, _batch_frames(rest))
    link_warehouse(str(pieces), LINK_RULES)
    # a copy with a smaller id than every article so far: it becomes the root of its body
    writer.write_batch(pieces, _batch_frames([by_id["0000000000000c01"]]))
    link_warehouse(str(pieces), LINK_RULES)
    assert _file_state(pieces) == expected
    # --reprocess of a subset: the AP original, one copy and two other stories
    subset = [by_id[original], by_id["0000000000000c01"], by_id[ids[3]], by_id[ids[-1]]]
    writer.write_batch(pieces, _batch_frames(subset))
    link_warehouse(str(pieces), LINK_RULES)
    assert _file_state(pieces) == expected
    # two runs at once: A reloads half, B reloads an overlapping half, A links, B reloads more, B links
    writer.write_batch(pieces, _batch_frames([by_id[i] for i in ids[:6]]))
    writer.write_batch(pieces, _batch_frames([by_id[i] for i in ids[3:]]))
    link_warehouse(str(pieces), LINK_RULES)
    writer.write_batch(pieces, _batch_frames([by_id[i] for i in ids[::2]]))
    link_warehouse(str(pieces), LINK_RULES)
    assert _file_state(pieces) == expected


def _template_frames(start: int, n: int) -> dict[str, pd.DataFrame]:
    """n short notices from one template (each with its own number and street), as a batch."""
    from tasks.common.models import Article

    streets = ["Mill Lane", "High Street", "Station Road", "Church Walk", "Bridge Street", "Park Avenue", "Market Square"]
    articles = [
        Article(article_id=f"t{i:015d}", source_uri=f"file://t{i}", content_sha256=f"t{i}", media_type="text/plain", raw_text="",
                body=(f"Notice {i}: the council office on {streets[i % len(streets)]} will be closed on Monday for scheduled "
                      "maintenance of its computer systems and telephone lines. Residents who need urgent help during the closure "
                      "should call the emergency number listed on the council website. We apologise for any inconvenience this may "
                      f"cause to residents and visitors to the area. Reference {i} of the maintenance programme for this year."))
        for i in range(start, start + n)
    ]
    for a in articles:
        a.word_count = len(a.body.split())
    return _batch_frames(articles)


def test_thousands_of_template_texts_link_within_a_small_memory_limit(tmp_path, monkeypatch):
    """Linking is bounded in memory by design: 3,000 notices from one template, loaded in batches
    through the writer, link under a 128 MB DuckDB limit, and their template sentences are not
    passages between every pair of them."""
    import time

    from tasks.link import RULES as LINK_RULES
    from warehouse import db as warehouse_db
    from warehouse import writer
    from warehouse.linking import link_warehouse

    monkeypatch.setattr(warehouse_db, "MEMORY_LIMIT", "128MB")
    db = tmp_path / "templates.duckdb"
    warehouse_db.initialise(db)
    for start in range(0, 3000, 500):
        writer.write_batch(db, _template_frames(start, 500))
    started = time.monotonic()
    summary = link_warehouse(str(db), LINK_RULES)
    elapsed = time.monotonic() - started
    assert summary.n_fingerprinted == 3000
    con = duckdb.connect(str(db), read_only=True)
    n_passages, n_unlinked = con.execute(
        "SELECT (SELECT count(*) FROM shared_passages), (SELECT count(*) FROM article_fingerprints WHERE linked_at IS NULL)").fetchone()
    con.close()
    assert n_unlinked == 0
    assert n_passages <= 3000 * 4 * LINK_RULES.max_bucket_articles  # no pair of notices over every template sentence
    print(f"3,000 template notices linked in {elapsed:.1f}s under 128MB: {n_passages} passages")


def test_a_bucket_that_becomes_a_template_or_stops_being_one_relinks_its_members(tmp_path):
    """Passages through a bucket are those of one clean load whichever came first: a third story
    with the stock sentence makes it a template (the first two lose their passage), and a reload
    that takes it out again gives it back."""
    from dataclasses import replace

    from tasks.common.models import Article
    from warehouse import writer
    from warehouse.db import initialise
    from warehouse.linking import link_warehouse

    rules = replace(RULES, max_bucket_articles=2)
    stock = "Follow our live coverage of the summit for the latest updates from the negotiating table tonight."
    own = ["Farmers in the valley harvested an early crop of apricots this week.",
           "The city council voted to repair the old stone bridge over the river.",
           "A new museum of maritime history opened its doors to school groups."]

    def story(i: int, with_stock: bool = True) -> Article:
        body = f"{own[i]} {stock}" if with_stock else f"{own[i]} It rained all day."
        return Article(article_id=f"s{i}", source_uri=f"file://{i}", content_sha256=f"{i}{with_stock}", media_type="text/plain",
                       raw_text=body, body=body, word_count=len(body.split()))

    def passages(db) -> list[tuple]:
        con = duckdb.connect(str(db), read_only=True)
        try:
            return con.execute("SELECT article_id, other_article_id FROM shared_passages ORDER BY ALL").fetchall()
        finally:
            con.close()

    def clean_load(articles, name) -> list[tuple]:
        db = tmp_path / name
        initialise(db)
        writer.write_batch(db, _batch_frames(articles))
        link_warehouse(str(db), rules)
        return passages(db)

    db = tmp_path / "steps.duckdb"
    initialise(db)
    writer.write_batch(db, _batch_frames([story(0), story(1)]))
    link_warehouse(str(db), rules)
    assert passages(db) == [("s0", "s1"), ("s1", "s0")]
    writer.write_batch(db, _batch_frames([story(2)]))  # a third body in the bucket: a template now
    link_warehouse(str(db), rules)
    assert passages(db) == clean_load([story(0), story(1), story(2)], "three.duckdb") == []
    writer.write_batch(db, _batch_frames([story(2, with_stock=False)]))  # reloaded without it: two bodies again
    link_warehouse(str(db), rules)
    assert passages(db) == clean_load([story(0), story(1), story(2, with_stock=False)], "two.duckdb") == [("s0", "s1"), ("s1", "s0")]
