"""Facts on the dev gold: precision, recall by field, claim grouping and conflicts, measured on
the public views after a real ingest.

    python -m benchmarks.facts                 # ingest the gold documents, print the figures
    python -m benchmarks.facts --json          # the same figures as JSON
    python -m benchmarks.facts --list          # and every miss, wrong field and false fact
    python -m benchmarks.facts --db PATH       # score a warehouse that already holds them

The gold (`tests/golden/facts_dev.json`) marks every number in 11 articles as a fact or a
non-fact (its header says how it was read and normalised). The documents go through the ingest
flow (`flows.ingest.run_ingest`, as `factwire ingest` runs it, on threads: extract, clean, entities, facts,
fingerprint, load, link, stories) into a temporary DuckDB: wikiref-dev texts as they are (their
bytes), fundus-dev pages as a .txt of their gold title and body, so extraction errors stay out
of the figures. Everything is then read from the public views `articles`, `facts`, `claims`,
`claim_conflicts`, `entities` and `mentions`.

Matching (the same for every item): a gold number is found in the stored body by its sentence
substring and its value_text (a non-ASCII character of the gold matches any 1-3 non-ASCII
characters, whitespace any whitespace, so a decoding difference does not lose it); a stored fact
is that gold number when its [start_char, end_char) overlaps the number's span. One stored fact
per gold number; further ones on the same number are duplicates (false). A stored fact on no
annotated number is false as well (every number in these articles is annotated).

Field rules, general and nothing per item:
- value: equal within 1e-6 (relative).
- unit: both lower-cased and singular (`people` is `person`), the stored unit's last word
  compared (the head noun: `strike drone` is a `drone`); a count of people killed (action
  killed) also accepts death, dead, fatality, casualty, toll; a percent accepts percent, per
  cent, %, percentage and the noun it is a share of (`of`); a fraction likewise.
- action, polarity: equal (NULL = NULL).
- speaker: NULL when the gold has none; else the stored speaker_text, the speaker entity's name
  or one of that entity's surfaces in the article contains one of the gold names (speaker and
  speaker_alt), compared lower case with quotes and dashes folded.
- subject: the same rule with subject_entity_id (its name and surfaces).
A column the facts view does not have is reported as not measured.

Headline numbers are in the gold but not in the recall: the facts stage reads bodies only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

# As the CLI does: offline, and time for the ephemeral Prefect API to start on a busy machine.
for _key, _value in {"DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "GX_ANALYTICS_ENABLED": "false",
                     "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180"}.items():
    os.environ.setdefault(_key, _value)

REPO = Path(__file__).resolve().parent.parent
GOLD = REPO / "tests" / "golden" / "facts_dev.json"
FLOOR_FILE = REPO / "benchmarks" / "facts_floor.json"
EVAL = REPO.parent / "shared" / "eval"

FIELDS = ("value", "unit", "action", "speaker", "subject", "polarity")
EXTRA_FIELDS = ("qualifier",)
FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2014": "-", "\u2013": "-"})
DEATH_UNITS = {"death", "dead", "fatality", "casualty", "toll", "death toll"}
PERCENT_UNITS = {"percent", "per cent", "%", "percentage", "pct", "percentage point"}
FRACTION_UNITS = {"fraction", "half", "third", "quarter", "fifth", "share"}


def gold() -> dict[str, Any]:
    return dict(json.loads(GOLD.read_text(encoding="utf-8")))


def gold_sha256() -> str:
    return hashlib.sha256(GOLD.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- input and ingest


def write_inputs(g: dict[str, Any], folder: Path) -> dict[str, str]:
    """The gold documents as files to ingest; returns file name -> document id."""
    folder.mkdir(parents=True, exist_ok=True)
    names: dict[str, str] = {}
    truth: dict[str, Any] | None = None
    for d in g["documents"]:
        if d["corpus"] == "wikiref-dev":
            name = f"{d['document']}.txt"
            shutil.copyfile(EVAL / "wikiref-dev" / "texts" / name, folder / name)
        else:
            if truth is None:
                truth = json.loads((EVAL / "fundus-dev" / "ground-truth.json").read_text(encoding="utf-8"))
            page = truth[d["document"]]
            name = f"{d['document']}.txt"
            (folder / name).write_text(f"{page['title']}\n\n{page['body']}\n", encoding="utf-8")
        names[name] = d["document"]
    return names


def ingest_gold(db: Path, inputs: Path) -> dict[str, str]:
    """Run the ingest flow over the gold documents into `db` (a Prefect API must be reachable,
    or Prefect starts its ephemeral one); returns file name -> document id."""
    from flows.ingest import run_ingest
    from flows.settings import IngestSettings

    names = write_inputs(gold(), inputs)
    summary = run_ingest(IngestSettings(paths=[str(inputs)], db=str(db), task_runner="thread", workers=1))
    if summary.get("status") != "completed":
        raise RuntimeError(f"ingest did not complete: {summary}")
    return names


# --------------------------------------------------------------------------- reading the views


@dataclass
class Warehouse:
    """What the scoring reads from the public views."""

    bodies: dict[str, str]  # document -> articles.body
    article_of: dict[str, str]  # document -> article_id
    facts: list[dict[str, Any]]
    fact_columns: set[str]
    claim_of: dict[str, str]  # fact_id -> claim_key (asserted facts)
    conflicts: list[dict[str, Any]]
    entity_names: dict[str, set[str]]  # (article_id, entity_id) flattened: "article|entity" -> names and surfaces


def _rows(con: Any, sql: str) -> list[dict[str, Any]]:
    cur = con.execute(sql)
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def _columns(con: Any, view: str) -> set[str]:
    try:
        return {c[0] for c in con.execute(f"SELECT * FROM {view} LIMIT 0").description}
    except Exception:  # noqa: BLE001  # a view that is missing is reported as not measured
        return set()


def read_warehouse(db: Path, names: dict[str, str]) -> Warehouse:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        articles = _rows(con, "SELECT article_id, source_uri, body FROM articles")
        bodies, article_of = {}, {}
        for a in articles:
            name = str(a["source_uri"]).rsplit("/", 1)[-1]
            if name in names:
                bodies[names[name]] = a["body"] or ""
                article_of[names[name]] = a["article_id"]
        fact_columns = _columns(con, "facts")
        facts = _rows(con, "SELECT * FROM facts") if fact_columns else []
        claim_of: dict[str, str] = {}
        if {"fact_ids", "claim_key"} <= _columns(con, "claims"):
            for c in _rows(con, "SELECT claim_key, fact_ids FROM claims"):
                for fid in c["fact_ids"] or []:
                    claim_of[fid] = c["claim_key"]
        conflicts = _rows(con, "SELECT * FROM claim_conflicts") if {"fact_ids", "other_fact_ids"} <= _columns(con, "claim_conflicts") else []
        names_of: dict[str, set[str]] = defaultdict(set)
        if {"entity_id", "name"} <= _columns(con, "entities"):
            for e in _rows(con, "SELECT entity_id, name FROM entities"):
                names_of[e["entity_id"]].add(e["name"] or "")
        for m in _rows(con, "SELECT article_id, entity_id, surface FROM mentions WHERE entity_id IS NOT NULL"):
            names_of[f"{m['article_id']}|{m['entity_id']}"].add(m["surface"] or "")
        return Warehouse(bodies, article_of, facts, fact_columns, claim_of, conflicts, dict(names_of))
    finally:
        con.close()


# --------------------------------------------------------------------------- matching


def _pattern(text: str) -> str:
    out = []
    for ch in text:
        if ch.isspace():
            out.append(r"\s+")
        elif ord(ch) > 127:
            out.append(r"[^\x00-\x7f]{1,3}")
        else:
            out.append(re.escape(ch))
    return "".join(out).replace(r"\s+\s+", r"\s+")


def locate(body: str, sentence: str, value_text: str) -> tuple[int, int] | None:
    """The span of value_text inside the gold sentence substring, in the stored body."""
    k = None
    for m in re.finditer(r"(?<!\w)" + re.escape(value_text) + r"(?!\w)", sentence):
        k = m.start()
    if k is None:
        return None
    pat = _pattern(sentence[:k]) + "(" + _pattern(value_text) + ")" + _pattern(sentence[k + len(value_text):])
    found = re.search(pat, body)
    return (found.start(1), found.end(1)) if found else None


def _fold(s: str | None) -> str:
    return re.sub(r"\s+", " ", (s or "").translate(FOLD).lower()).strip()


def _singular(word: str) -> str:
    w = word.strip().lower()
    irregular = {"people": "person", "persons": "person", "men": "man", "women": "woman", "children": "child",
                 "policemen": "policeman", "policewomen": "policewoman", "feet": "foot", "mice": "mouse"}
    if w in irregular:
        return irregular[w]
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ches", "ch"), ("shes", "sh"), ("xes", "x")):
        if w.endswith(suffix) and len(w) > len(suffix) + 1:
            return w[: -len(suffix)] + repl
    if w.endswith("s") and not w.endswith("ss") and len(w) > 3:
        return w[:-1]
    return w


def unit_ok(g: dict[str, Any], predicted: str | None) -> bool:
    if not predicted:
        return False
    p = _fold(predicted)
    head = _singular(p.split()[-1]) if p.split() else p
    whole = " ".join(_singular(x) for x in p.split())
    gold_unit = _singular(g["unit"])
    if head == gold_unit or whole == gold_unit:
        return True
    if g.get("kind") in ("percent", "fraction"):
        accepted = PERCENT_UNITS if g["kind"] == "percent" else FRACTION_UNITS
        of = _singular(_fold(g.get("of")).split()[-1]) if g.get("of") else None
        return p in accepted or head in accepted or (of is not None and head == of)
    if g.get("action") == "killed" and gold_unit == "person":
        return p in DEATH_UNITS or head in DEATH_UNITS
    return False


def _names(g: dict[str, Any], key: str) -> list[str]:
    return [_fold(x) for x in [g.get(key), *g.get(f"{key}_alt", [])] if x]


def named_ok(g: dict[str, Any], key: str, entity_id: str | None, text: str | None, wh: Warehouse, article_id: str) -> bool:
    """speaker / subject: NULL for NULL, else a gold name inside what the fact names."""
    wanted = _names(g, key)
    if not wanted:
        return not entity_id and not text
    said = [_fold(text)] if text else []
    if entity_id:
        said += [_fold(x) for x in wh.entity_names.get(entity_id, set()) | wh.entity_names.get(f"{article_id}|{entity_id}", set())]
    return any(w and w in s or s == w for w in wanted for s in said if s)


# --------------------------------------------------------------------------- scoring


@dataclass
class Figures:
    """What the benchmark prints and the test pins."""

    gold_sha256: str = ""
    n_documents: int = 0
    n_gold_facts: int = 0  # in bodies
    n_headline_facts: int = 0
    n_gold_non_facts: int = 0  # in bodies
    n_not_in_body: int = 0  # gold body numbers (facts or not) whose sentence the stored body lacks
    n_stored: int = 0
    n_stored_true: int = 0
    precision: float = 0.0
    recall: dict[str, float | None] = field(default_factory=dict)  # value+unit, every field, and each field
    accuracy_on_matched: dict[str, float | None] = field(default_factory=dict)
    n_matched: int = 0
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> gold, found, value+unit
    non_facts_stored: int = 0
    non_facts_stored_by_why: dict[str, int] = field(default_factory=dict)
    unannotated_stored: int = 0
    duplicates_stored: int = 0
    groups: int = 0
    groups_one_claim: int = 0
    groups_detail: list[dict[str, Any]] = field(default_factory=list)
    cross_group_pairs_sharing_claim: int = 0
    cross_group_detail: list[str] = field(default_factory=list)
    conflict_rows: int = 0
    conflicts_across_stories: int = 0
    conflicts_other: int = 0
    gold_conflicts: int = 0
    gold_conflicts_found: int = 0
    not_measured: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # human-readable misses and wrong fields

    def floors(self) -> dict[str, float]:
        """The figures facts_floor.json pins."""
        r = self.recall
        return {"precision": round(self.precision, 3), "recall_value_unit": round(r.get("value+unit") or 0.0, 3),
                "recall_every_field": round(r.get("every field") or 0.0, 3), "groups_one_claim": self.groups_one_claim}


def _match(g: dict[str, Any], wh: Warehouse) -> tuple[dict[str, tuple[str, int, int]], list[str]]:
    """Gold item id -> (document, start, end) in the stored body, and the items not found there."""
    spans: dict[str, tuple[str, int, int]] = {}
    missing: list[str] = []
    for kind, items in (("f", g["facts"]), ("n", g["non_facts"])):
        for i, item in enumerate(items):
            if item["field"] != "body":
                continue
            body = wh.bodies.get(item["document"])
            span = locate(body, item["sentence"], item["value_text"]) if body is not None else None
            if span is None:
                missing.append(f"{item['document']}: {item['value_text']!r} in {item['sentence'][:70]!r}")
                continue
            spans[item["id"] if kind == "f" else f"non#{i}"] = (item["document"], *span)
    return spans, missing


def score(g: dict[str, Any], wh: Warehouse) -> Figures:
    fig = Figures(gold_sha256=gold_sha256(), n_documents=len(g["documents"]))
    facts = {f["id"]: f for f in g["facts"] if f["field"] == "body"}
    fig.n_gold_facts = len(facts)
    fig.n_headline_facts = sum(f["field"] != "body" for f in g["facts"])
    non_facts = {f"non#{i}": n for i, n in enumerate(g["non_facts"]) if n["field"] == "body"}
    fig.n_gold_non_facts = len(non_facts)
    spans, missing = _match(g, wh)
    fig.n_not_in_body = len(missing)
    fig.errors += [f"gold number not in the stored body: {x}" for x in missing]
    doc_of = {a: d for d, a in wh.article_of.items()}
    by_doc: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for key, (d, s, e) in spans.items():
        by_doc[d].append((key, s, e))
    stored = [f for f in wh.facts if f.get("article_id") in doc_of]
    fig.n_stored = len(stored)
    matched: dict[str, dict[str, Any]] = {}
    for f in sorted(stored, key=lambda x: (str(x.get("article_id")), x.get("start_char") or 0)):
        d = doc_of[f["article_id"]]
        s, e = f.get("start_char") or 0, f.get("end_char") or 0
        best = max(by_doc.get(d, []), key=lambda x: min(e, x[2]) - max(s, x[1]), default=None)
        if best is None or min(e, best[2]) - max(s, best[1]) <= 0:
            fig.unannotated_stored += 1
            fig.errors.append(f"false (no annotated number): {d}: {f.get('value_text')!r} {f.get('unit')!r} in {str(f.get('sentence'))[:90]!r}")
            continue
        key = best[0]
        if key in non_facts:
            fig.non_facts_stored += 1
            why = non_facts[key]["why"]
            fig.non_facts_stored_by_why[why] = fig.non_facts_stored_by_why.get(why, 0) + 1
            fig.errors.append(f"non-fact stored ({why}): {d}: {f.get('value_text')!r} unit {f.get('unit')!r} in {non_facts[key]['sentence'][:80]!r}")
        elif key in matched:
            fig.duplicates_stored += 1
            fig.errors.append(f"duplicate: {d}: {f.get('value_text')!r} {f.get('unit')!r}")
        else:
            matched[key] = f
    fig.n_stored_true = len(matched)
    fig.n_matched = len(matched)
    fig.precision = fig.n_stored_true / fig.n_stored if fig.n_stored else 0.0

    checks = {
        "value": ("value", lambda g_, p: p.get("value") is not None and abs(float(p["value"]) - g_["value"]) <= 1e-6 * max(1.0, abs(g_["value"]))),
        "unit": ("unit", lambda g_, p: unit_ok(g_, p.get("unit"))),
        "action": ("action", lambda g_, p: (p.get("action") or None) == g_["action"]),
        "speaker": ("speaker_entity_id", lambda g_, p: named_ok(g_, "speaker", p.get("speaker_entity_id"), p.get("speaker_text"), wh, p["article_id"])),
        "subject": ("subject_entity_id", lambda g_, p: named_ok(g_, "subject", p.get("subject_entity_id"), None, wh, p["article_id"])),
        "polarity": ("polarity", lambda g_, p: p.get("polarity") == g_["polarity"]),
        "qualifier": ("qualifier", lambda g_, p: _fold(p.get("qualifier")) == _fold(g_["qualifier"])),
    }
    measured = {k: col in wh.fact_columns for k, (col, _) in checks.items()}
    fig.not_measured = [k for k, ok in measured.items() if not ok]
    right: Counter[str] = Counter()
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    for key, gf in facts.items():
        kinds[gf["kind"]]["gold"] += 1
        p = matched.get(key)
        where = f"{gf['document']}: {gf['value_text']!r} ({gf['unit']}) in {gf['sentence'][:70]!r}"
        if p is None:
            fig.errors.append(f"missed: {where}" + ("" if key in spans else " [sentence not in stored body]"))
            continue
        kinds[gf["kind"]]["found"] += 1
        ok = {k: measured[k] and fn(gf, p) for k, (_, fn) in checks.items()}
        for k, v in ok.items():
            right[k] += v
            if measured[k] and not v:
                got = {"speaker": (p.get("speaker_text"), p.get("speaker_entity_id")), "subject": p.get("subject_entity_id")}.get(k, p.get(checks[k][0]))
                fig.errors.append(f"wrong {k}: {where}: gold {gf.get(k)!r}, stored {got!r}")
        if ok["value"] and ok["unit"]:
            right["value+unit"] += 1
            kinds[gf["kind"]]["value+unit"] += 1
        if all(ok[k] for k in FIELDS):
            right["every field"] += 1
    n = fig.n_gold_facts or 1
    for k in ("value+unit", "every field", *FIELDS, *EXTRA_FIELDS):
        unmeasured = k in fig.not_measured or (k in ("value+unit", "every field") and fig.not_measured and any(x in fig.not_measured for x in FIELDS))
        fig.recall[k] = None if unmeasured else round(right[k] / n, 4)
        fig.accuracy_on_matched[k] = None if unmeasured or not matched else round(right[k] / len(matched), 4)
    fig.by_kind = {k: dict(v) for k, v in kinds.items()}

    _score_claims(g, wh, matched, fig)
    return fig


def _score_claims(g: dict[str, Any], wh: Warehouse, matched: dict[str, dict[str, Any]], fig: Figures) -> None:
    """Groups as claims, gold facts of different groups in one claim, and conflicts."""
    group_of: dict[str, str] = {}
    for grp in g["groups"]:
        for fid in grp["facts"]:
            group_of[fid] = grp["group"]
    claim = {gid: wh.claim_of.get(str(p.get("fact_id"))) for gid, p in matched.items()}
    fig.groups = len(g["groups"])
    for grp in g["groups"]:
        keys = [claim.get(fid) for fid in grp["facts"]]
        one = all(keys) and len(set(keys)) == 1
        fig.groups_one_claim += one
        fig.groups_detail.append({"group": grp["group"], "one_claim": one, "members": len(keys),
                                  "stored_as_claims": len({k for k in keys if k}), "not_a_claim": sum(k is None for k in keys)})
    described = {f["id"]: f for f in g["facts"]}

    def same_thing(a: str, b: str) -> bool:
        # Two gold facts are known to be different things when they sit in different groups, or
        # when the gold describes the thing counted differently (unit, what of, kind; the subject
        # when both name one). A fact left out of every group but described like a group's member
        # is the same thing (the value is the claim's business: "about 30" and 29.7 per cent).
        if group_of.get(a) and group_of.get(b):
            return group_of[a] == group_of[b]
        fa, fb = described.get(a, {}), described.get(b, {})
        if fa.get("subject") and fb.get("subject") and fa["subject"].casefold() != fb["subject"].casefold():
            return False
        return all(fa.get(k) == fb.get(k) for k in ("unit", "of", "kind"))

    for a, b in combinations(sorted(k for k in claim if claim[k]), 2):
        if claim[a] == claim[b] and not same_thing(a, b):
            fig.cross_group_pairs_sharing_claim += 1
            fig.cross_group_detail.append(f"{a} + {b} -> {claim[a]}")
    story = {d["document"]: d["story"] for d in g["documents"]}
    doc_of_article = {a: d for d, a in wh.article_of.items()}
    gold_of_fact = {str(p.get("fact_id")): gid for gid, p in matched.items()}
    article_of_fact = {str(f.get("fact_id")): f.get("article_id") for f in wh.facts}
    pairs_found: set[frozenset[str]] = set()
    gold_pairs = {frozenset(c["facts"]) for c in g["conflicts"]}
    for row in wh.conflicts:
        left, right = [str(x) for x in row["fact_ids"] or []], [str(x) for x in row["other_fact_ids"] or []]
        sl = {story.get(doc_of_article.get(str(article_of_fact.get(x)), ""), "?") for x in left}
        sr = {story.get(doc_of_article.get(str(article_of_fact.get(x)), ""), "?") for x in right}
        across = any(a != b for a in sl for b in sr)
        fig.conflicts_across_stories += across
        gl, gr = {gold_of_fact.get(x) for x in left} - {None}, {gold_of_fact.get(x) for x in right} - {None}
        here = {frozenset((str(a), str(b))) for a in gl for b in gr}
        pairs_found |= here
        other = not across and not (here & gold_pairs)
        fig.conflicts_other += other
        if across or other:
            fig.errors.append(f"conflict {'across two stories' if across else 'not in the gold'}: {row.get('value_texts')} vs "
                              f"{row.get('other_value_texts')} ({row.get('category')}, {row.get('action')})")
    fig.conflict_rows = len(wh.conflicts)
    fig.gold_conflicts = len(g["conflicts"])
    fig.gold_conflicts_found = sum(p in pairs_found for p in gold_pairs)


def dev_figures(db: Path | None = None, workdir: Path | None = None) -> Figures:
    """Ingest the gold documents (unless `db` already holds them) and score them."""
    g = gold()
    with tempfile.TemporaryDirectory(prefix="facts-dev-") as tmp:
        base = workdir or Path(tmp)
        names = {f"{d['document']}.txt": d["document"] for d in g["documents"]}
        if db is None:
            db = base / "facts_dev.duckdb"
            names = ingest_gold(db, base / "inputs")
        return score(g, read_warehouse(db, names))


def _pct(x: float | None) -> str:
    return "not measured" if x is None else f"{x:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="score this warehouse (already holding the gold documents) instead of ingesting")
    parser.add_argument("--keep", type=Path, help="ingest into this folder and keep the warehouse")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--list", action="store_true", help="list every miss, false fact and wrong field")
    args = parser.parse_args(argv)
    for name, value in (("DO_NOT_TRACK", "1"), ("PREFECT_SERVER_ANALYTICS_ENABLED", "false"), ("GX_ANALYTICS_ENABLED", "false")):
        os.environ.setdefault(name, value)
    fig = dev_figures(args.db, args.keep)
    if args.json:
        out = asdict(fig)
        if not args.list:
            out.pop("errors")
        print(json.dumps(out, indent=1))
        return 0
    print(f"facts dev gold: {fig.n_documents} articles, {fig.n_gold_facts} facts and {fig.n_gold_non_facts} non-facts in bodies "
          f"({fig.n_headline_facts} headline facts not scored: the facts stage reads bodies), {fig.n_not_in_body} gold numbers not in the stored bodies (the clean stage removed their line)")
    print(f"  precision                {fig.n_stored_true}/{fig.n_stored} = {fig.precision:.3f}"
          f"   (non-facts stored {fig.non_facts_stored} {fig.non_facts_stored_by_why}, unannotated {fig.unannotated_stored}, duplicates {fig.duplicates_stored})")
    print(f"  matched                  {fig.n_matched}/{fig.n_gold_facts}")
    print("  recall / accuracy on matched")
    for k in ("value+unit", "every field", *FIELDS, *EXTRA_FIELDS):
        print(f"    {k:<22} {_pct(fig.recall.get(k))}   {_pct(fig.accuracy_on_matched.get(k))}")
    for k, v in sorted(fig.by_kind.items()):
        print(f"  kind {k:<18} gold {v.get('gold', 0)}, found {v.get('found', 0)}, value+unit {v.get('value+unit', 0)}")
    print(f"  groups as one claim      {fig.groups_one_claim}/{fig.groups}")
    for d in fig.groups_detail:
        print(f"    {d['group']:<24} {'one claim' if d['one_claim'] else 'split'}: {d['members']} facts, {d['stored_as_claims']} claims, {d['not_a_claim']} in none")
    print(f"  gold facts of different things sharing a claim: {fig.cross_group_pairs_sharing_claim} pairs")
    for x in fig.cross_group_detail:
        print(f"    {x}")
    print(f"  conflicts                {fig.conflict_rows} rows: across two stories {fig.conflicts_across_stories}, "
          f"gold conflicts found {fig.gold_conflicts_found}/{fig.gold_conflicts}, other {fig.conflicts_other}")
    if fig.not_measured:
        print(f"  not measured (no such column in the facts view): {', '.join(fig.not_measured)}")
    if args.list:
        for e in fig.errors:
            print(f"  - {e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
