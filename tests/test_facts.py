"""Facts: numbers with what they count, qualifiers, exclusions, speakers and polarity."""

from __future__ import annotations

from tasks.entities import find_mentions_in_doc, load_gazetteer
from tasks.facts import facts_in_doc, singular
from tasks.nlp import parse


def _facts(text: str):
    doc = parse(text)
    mentions = find_mentions_in_doc("a1", doc, load_gazetteer())
    return facts_in_doc("a1", doc, mentions)


def test_digits_words_and_hyphenated_counts():
    got = {(f.value, f.unit) for f in _facts("The 17-bus convoy left. Hezbollah said six buses remain. 1,200 people fled.")}
    assert {(17.0, "bus"), (6.0, "bus"), (1200.0, "people")} <= got


def test_qualifier_kept_with_value_as_written():
    (fact,) = [f for f in _facts("It said some 85 Daesh members had been killed.") if f.value == 85]
    assert fact.qualifier == "some" and fact.value_text == "some 85"
    assert fact.unit == "member" and fact.subject_entity_id == "Q2429253" and fact.action == "killed"


def test_years_dates_times_and_names_are_not_facts():
    text = "Since 2014 the group, on August 27, at 18:39, and DeirEzzor 24 reporters were active."
    assert _facts(text) == []


def test_denied_claim_is_marked():
    text = "The commander denied news reports that said a hundred of the jihadists had already reached the territory."
    (fact,) = _facts(text)
    assert fact.value == 100 and fact.polarity == "denied" and fact.unit == "jihadist"


def test_speaker_named_before_said():
    (fact,) = _facts("Hezbollah said that six buses are still in areas controlled by the Syrian government.")
    assert fact.speaker_entity_id == "fw:hezbollah"


def test_own_voice_has_no_speaker():
    (fact,) = _facts("The convoy of 17 buses left the border on Monday.")
    assert fact.speaker_entity_id is None and fact.speaker_text is None


def test_offsets_cover_the_value_text():
    text = "Officials counted more than 300 fighters on the buses."
    (fact,) = _facts(text)
    assert text[fact.start_char : fact.end_char].startswith(fact.value_text)
    assert fact.qualifier == "more than" and fact.category == "combatants"


def test_singular():
    assert [singular(w) for w in ("buses", "people", "families", "militants", "vehicles")] == ["bus", "people", "family", "militant", "vehicle"]
