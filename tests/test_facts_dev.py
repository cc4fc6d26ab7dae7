"""The facts figures on the dev gold (benchmarks/facts.py) cannot drop silently."""

from __future__ import annotations

import hashlib
import json

import pytest

from benchmarks.facts import EVAL, FLOOR_FILE, GOLD, dev_figures, locate, unit_ok

# The gold is data built by reading: editing it changes what the floors mean, so its hash is pinned.
GOLD_SHA256 = "360c0523dbfd19fd220b7e40811977dafd21853b48ba7d99d2c33caa7b98b5f1"
FLOORS = json.loads(FLOOR_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def figures(prefect_harness, tmp_path_factory):
    if not (EVAL / "wikiref-dev").is_dir() or not (EVAL / "fundus-dev").is_dir():
        pytest.skip(f"dev corpora not found under {EVAL}")
    return dev_figures(workdir=tmp_path_factory.mktemp("facts-dev"))


def test_gold_is_the_one_the_floors_were_set_on():
    assert hashlib.sha256(GOLD.read_bytes()).hexdigest() == GOLD_SHA256


def test_gold_meets_the_issue():
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    assert len(gold["facts"]) >= 60 and len(gold["non_facts"]) >= 10 and len(gold["groups"]) >= 5
    ids = {f["id"] for f in gold["facts"]}
    assert len(ids) == len(gold["facts"])
    assert all(x in ids for grp in gold["groups"] + gold["conflicts"] for x in grp["facts"])


def test_matching_rules():
    # a gold sentence written with a curly apostrophe is found in a body decoded otherwise
    body = "Greece\u0139s two rescue packages and Greece's two loans"
    assert locate(body, "Greece\u2019s two rescue packages", "two") == (9, 12)
    assert locate(body, "not in this body", "two") is None
    count = {"unit": "person", "kind": "count", "action": "killed"}
    assert unit_ok(count, "people") and unit_ok(count, "deaths") and not unit_ok(count, "tank")
    assert unit_ok({"unit": "drone", "kind": "count", "action": None}, "strike drones")
    share = {"unit": "percent", "kind": "percent", "of": "vote", "action": None}
    assert unit_ok(share, "%") and unit_ok(share, "votes") and not unit_ok(share, "seat")


def test_precision_and_recall_floors(figures):
    assert figures.precision >= FLOORS["min_precision"], figures.errors
    for name, floor in FLOORS["min_recall"].items():
        assert (figures.recall[name] or 0.0) >= floor, (name, figures.recall)
    assert figures.non_facts_stored <= FLOORS["max_non_facts_stored"], figures.non_facts_stored_by_why


def test_claims_and_conflicts(figures):
    assert figures.groups_one_claim >= FLOORS["min_groups_one_claim"], figures.groups_detail
    assert figures.cross_group_pairs_sharing_claim <= FLOORS["max_cross_group_pairs_sharing_claim"], figures.cross_group_detail
    assert figures.conflicts_across_stories <= FLOORS["max_conflicts_across_stories"]
    assert figures.gold_conflicts_found >= FLOORS["min_gold_conflicts_found"]
