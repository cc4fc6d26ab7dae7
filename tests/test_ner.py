"""The optional statistical NER of the entities stage (`--ner`): off by default, loaded only
when on, names the rules miss become typed mentions, local entities take their mentions' type."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from flows.settings import IngestSettings
from tasks.common.frames import mentions_frame
from tasks.common.models import Article, Batch, Mention
from tasks.common.nlp import NER_COMPONENTS, ner_pipeline, ner_spans
from tasks.entities import ALL_FIELDS, entities, find_entities
from warehouse.db import load_query

REPO = Path(__file__).resolve().parent.parent
# NASA is an acronym English also writes as a word ("nasa" is common by Zipf): the rules take an
# all-capitals common word for a shouted word, the model knows the agency.
NASA = "Engineers at NASA said the launch would slip. The agency gave no date."
UNISON = "Strikers gathered outside. Unison said its members at the NHS would not return."


def _article(body: str, title: str | None = None, language: str | None = "en", article_id: str = "a1") -> Article:
    return Article(article_id=article_id, source_uri=f"test://{article_id}", content_sha256="", media_type="text/plain",
                   raw_text=body, title=title, body=body, language=language)


def _found(body: str, ner: bool, title: str | None = None, language: str | None = "en") -> list[Mention]:
    return find_entities([_article(body, title, language)], ALL_FIELDS, ner)[0]


def test_ner_is_off_by_default():
    assert IngestSettings().ner is False
    assert _found(NASA, ner=False) == []
    assert {m.link_method for m in _found(UNISON, ner=False)} == {"local"}
    assert all(m.entity_type is None for m in _found(UNISON, ner=False))


def test_a_name_the_rules_miss_becomes_a_typed_mention_with_an_id():
    [nasa] = _found(NASA, ner=True)
    assert (nasa.surface, nasa.link_method, nasa.entity_type, nasa.match_method) == ("NASA", "ner", "ORG", "local")
    assert nasa.entity_id.startswith("fw:local:") and NASA[nasa.start_char : nasa.end_char] == "NASA"
    # the same name in another article gets the same id: cross-article resolution still applies
    again = find_entities([_article("Budget cuts hit NASA hard, officials said.", article_id="a2")], ALL_FIELDS, True)[0]
    assert [m.entity_id for m in again if m.surface == "NASA"] == [nasa.entity_id]


def test_rule_mentions_are_kept_and_local_ones_get_the_model_type():
    off = {(m.field, m.start_char): m for m in _found(UNISON, ner=False)}
    on = {(m.field, m.start_char): m for m in _found(UNISON, ner=True)}
    assert set(off) <= set(on)
    assert all(on[k].entity_id == off[k].entity_id and on[k].link_method == off[k].link_method for k in off)
    unison = next(m for m in on.values() if m.surface == "Unison")
    nhs = next(m for m in on.values() if m.surface == "NHS")
    assert unison.entity_type == "ORG" and unison.link_method == "local"
    assert (nhs.link_method, nhs.entity_type) == ("ner", "ORG")


def test_a_listed_name_of_a_fitting_type_links_to_the_gazetteer():
    found = _found("Talks opened. Delegates flew in. NEW YORK - Officials in NEW YORK said talks would resume.", ner=True)
    kb = [m for m in found if m.link_method == "ner+kb"]
    assert [m.surface for m in kb] == ["NEW YORK", "NEW YORK"] and {m.entity_id for m in kb} == {"fw:new_york_city"}
    assert all(m.entity_type == "GPE" and m.match_score < 1.0 for m in kb)
    # the model's span ran past the dateline's dash: the word after it keeps no type
    assert [m.entity_type for m in found if m.surface == "Officials"] == [None]


def test_spans_that_are_no_names_by_general_rules_are_dropped():
    body = ("the union leader, christina mcanea, met officials. Their B12 levels were low. "
            "NEW PHONES: Camera quality is good, the camera is fast.")
    spans = {body[s:e] for s, e, _label in ner_spans([body])[0]}
    assert {"christina mcanea", "B12"} <= spans  # the model's guesses, so the rules below are tested
    assert not [m for m in _found(body, ner=True) if m.link_method == "ner"]


def test_no_ner_outside_english():
    assert _found("Ingenieure der NASA sagten, der Start verschiebe sich.", ner=True, language="de") == \
        _found("Ingenieure der NASA sagten, der Start verschiebe sich.", ner=False, language="de")


def test_the_stage_stores_typed_ner_mentions_that_pass_their_checks():
    batch = entities.fn(Batch(run_id="r", articles=[_article(UNISON, "Chaos as Unison Strikes")]), True)
    stored = batch.tables["stg_mentions"]
    assert "entity_type" in stored.columns
    assert set(stored.loc[stored["link_method"] == "ner", "surface"]) == {"NHS"}
    assert not batch.stage_errors
    # facts read gazetteer names only: a local id found by the model is no speaker
    assert all(m.link_method not in ("local", "ner") for m in batch.mentions)


def test_only_the_components_ner_needs_are_loaded():
    assert tuple(ner_pipeline().pipe_names) == NER_COMPONENTS


def test_workers_without_ner_never_import_the_model():
    probe = (
        "import sys\n"
        "from tasks.common import nlp\n"
        "from tasks import entities\n"
        "from tasks.common.models import Article, Batch\n"
        "nlp.warm(); entities.warm()\n"
        "a = Article(article_id='a', source_uri='t', content_sha256='', media_type='text/plain', raw_text='x', "
        "title='NASA', body='Engineers at NASA met Keir Starmer.', language='en')\n"
        "entities.entities.fn(Batch(run_id='r', articles=[a]))\n"
        "assert nlp.ner_pipeline.cache_info().currsize == 0\n"
        "assert not [m for m in sys.modules if m.startswith('en_core_web')], 'model imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


def _stored(rows: list[tuple[str, str, str, str | None]]) -> pd.DataFrame:
    mentions = [Mention("a1", e, s, i * 10, i * 10 + len(s), 0, "local", 0.6, "body", "name", link, t)
                for i, (e, s, link, t) in enumerate(rows)]
    return mentions_frame(mentions)


def test_a_local_entity_takes_the_type_its_mentions_most_often_carry(memory_db):
    frame = _stored([
        ("fw:local:000000000001", "Unison", "local", "ORG"), ("fw:local:000000000001", "Unison", "ner", "ORG"),
        ("fw:local:000000000001", "Unison", "local", "PERSON"),
        ("fw:local:000000000002", "Jordan Peele", "local", None),
        ("fw:local:000000000003", "NASA", "ner", "ORG"),
    ])
    memory_db.register("_frame", frame)
    memory_db.execute("INSERT INTO stg_mentions BY NAME SELECT * FROM _frame")
    memory_db.execute("CREATE TEMP TABLE _ids AS SELECT 'a1' AS article_id")
    memory_db.execute(load_query("local_entities"))
    rows = memory_db.execute("SELECT entity_id, name, type, source FROM entities WHERE source = 'local' ORDER BY entity_id").fetchall()
    assert rows == [("fw:local:000000000001", "Unison", "ORG", "local"),
                    ("fw:local:000000000002", "Jordan Peele", "UNKNOWN", "local"),
                    ("fw:local:000000000003", "NASA", "ORG", "local")]
    typed = memory_db.execute("SELECT count(*) FROM mentions WHERE entity_type IS NOT NULL").fetchone()[0]
    assert typed == 4


@pytest.mark.skipif(not (REPO.parent / "shared" / "eval" / "fundus-dev").exists(), reason="needs ../shared/eval")
def test_the_dev_gold_is_not_worse_with_ner():
    from benchmarks.entities import dev_figures

    off, _a, _m = dev_figures(ner=False)
    on, _a, mentions = dev_figures(ner=True)
    assert on.n_actors_with_id >= off.n_actors_with_id
    assert on.pair_precision >= off.pair_precision and on.pair_recall >= off.pair_recall
    assert on.wrong_merges == [] and on.person_merges == []
    assert any(m.entity_type for m in mentions)


def test_a_long_span_that_is_no_name_is_refused_at_once():
    import time

    from tasks.entities import _NER_NAME

    started = time.process_time()
    assert _NER_NAME.fullmatch("Abcdefghijklmnopqrstuvwxyz" * 4 + " Holdings Group 7") is None
    assert time.process_time() - started < 0.5  # no backtracking over ways to split the letters
