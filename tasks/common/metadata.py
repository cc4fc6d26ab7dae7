"""Page metadata from the page's own structured data: JSON-LD, OpenGraph and meta tags, <time>."""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from lxml.html import HtmlElement

# schema.org types whose node describes the article itself (subtypes of Article / CreativeWork news).
_ARTICLE_TYPE = re.compile(r"(?:Article|BlogPosting|LiveBlogPosting|Report|NewsArticle|Posting)$", re.I)
_MONTH_WORDS = frozenset(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "january", "february", "march", "april", "june", "july", "august", "september", "october", "november", "december"]
)
# Words that are a byline's furniture, never a name on their own.
_NOT_A_NAME = frozenset(
    ["by", "von", "par", "por", "di", "da", "de", "door", "av", "af", "z", "and", "und", "et", "y", "e", "og", "i", "the", "staff", "admin", "administrator", "editor", "editors",
        "editorial", "redaktion", "redaktion:", "unknown", "anonymous", "none", "null", "undefined", "author", "autor", "auteur", "autore",
        # a byline's verb left alone ("Submitted on Mon, 2019-01-21", "Posted", "Published")
        "submitted", "posted", "published", "updated", "written", "print", "share", "email", "e-mail",
        # a link to the author's page or a follow button read as the byline ("Ver biografía", "Folgen")
        "ver", "biografía", "biografia", "biography", "bio", "profile", "profil", "follow", "folgen", "suivre", "seguir",
        # the text of a link to the author's page ("View More Articles", "See all posts", "More stories")
        "view", "see", "read", "more", "all", "articles", "posts", "stories", "mehr", "artikel", "alle"]
)
# Wire agencies whose copy news sites republish: the name on the page (in any case) -> the short name kept.
WIRE_AGENCIES = {
    "associated press": "AP", "ap": "AP", "the associated press": "AP",
    "reuters": "Reuters", "thomson reuters": "Reuters",
    "afp": "AFP", "agence france-presse": "AFP", "agence france presse": "AFP",
    "dpa": "dpa", "deutsche presse-agentur": "dpa",
    "efe": "EFE", "agencia efe": "EFE", "ansa": "ANSA", "kyodo": "Kyodo", "kyodo news": "Kyodo",
    "xinhua": "Xinhua", "upi": "UPI", "united press international": "UPI", "pa": "PA", "pa media": "PA",
    "press association": "PA", "apa": "APA", "sda": "SDA", "keystone-sda": "SDA", "anp": "ANP", "belga": "Belga",
    "ritzau": "Ritzau", "ntb": "NTB", "tt": "TT", "pap": "PAP", "ctk": "ČTK", "čtk": "ČTK", "tass": "TASS",
    "ria novosti": "RIA Novosti", "yonhap": "Yonhap", "anadolu": "Anadolu", "anadolu agency": "Anadolu",
    "aap": "AAP", "australian associated press": "AAP", "canadian press": "The Canadian Press",
    "the canadian press": "The Canadian Press", "kna": "KNA", "epd": "epd", "europa press": "Europa Press",
    "lusa": "Lusa", "ians": "IANS", "pti": "PTI", "press trust of india": "PTI", "bernama": "Bernama",
    "antara": "Antara", "jiji": "Jiji", "jiji press": "Jiji", "sapa": "SAPA", "nzpa": "NZPA",
    "sid": "SID", "sport-informations-dienst": "SID",
}
_WIRE_IN_TEXT = re.compile(
    r"\((AP|Reuters|AFP|dpa|EFE|ANSA|UPI|Xinhua|Kyodo|Yonhap|PTI|IANS|AAP|KNA|APA|AA|TASS)\)\s*[-—–]"
    r"|^\s*(?:[A-ZÀ-Ý][\w.'’ -]{1,40}),?\s*\((AP|Reuters|AFP|dpa|EFE|ANSA|UPI|Xinhua|Kyodo|Yonhap|PTI|IANS|AAP|KNA|APA)\)",
    re.M,
)
EARLIEST_YEAR = 1990  # before the web: a placeholder or a typo, never a web page's publication date
_ISO_DATE = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}:?\d{2}|UTC|GMT)?)?\s*$", re.I
)


@dataclass(slots=True)
class StructuredMetadata:
    """What the page says about itself, with the source of each field."""

    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published_text: str | None = None
    site_name: str | None = None
    description: str | None = None
    url: str | None = None
    credited_source: str | None = None
    sources: dict[str, str] = field(default_factory=dict)
    quoted_authors: frozenset[str] = frozenset()  # authors of other works the JSON-LD names (see quoted_authors)


@dataclass(frozen=True, slots=True)
class ParsedDate:
    """A publication time as the page wrote it: aware when it gave a zone, else naive local time."""

    value: datetime
    precision: str  # 'day', 'minute' or 'second'
    has_zone: bool


def parse_page_date(text: str | None) -> ParsedDate | None:
    """An ISO 8601 date or datetime from page metadata; None for a year or month alone."""
    if not text:
        return None
    m = _ISO_DATE.match(text)
    if not m:
        return None
    year, month, day, hour, minute, second, zone = m.groups()
    try:
        value = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError:
        return None
    if not EARLIEST_YEAR <= value.year <= datetime.now(UTC).year + 1:
        return None  # a template's placeholder ("0001-01-01T00:00:00Z"), not a publication date
    if hour is None:
        return ParsedDate(value, "day", False)
    precision = "second" if second is not None else "minute"
    if zone:
        z = zone.upper()
        if z in ("Z", "UTC", "GMT"):
            value = value.replace(tzinfo=UTC)
        else:
            digits = z.replace(":", "")
            value = datetime.fromisoformat(f"{value.isoformat()}{digits[:3]}:{digits[3:5]}")
        return ParsedDate(value, precision, True)
    return ParsedDate(value, precision, False)


def _json_ld_nodes(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    """Every JSON object in the page's JSON-LD scripts, @graph members, lists and a page's mainEntity flattened."""
    for script in tree.iterfind('.//script[@type="application/ld+json"]'):
        text = (script.text or "").strip()
        if not text:
            continue
        try:
            data = json.loads(text)
        except ValueError:
            try:  # a frequent fault: raw newlines or tabs inside strings
                data = json.loads(re.sub(r"[\r\n\t]+", " ", text))
            except ValueError:
                continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack[:0] = item
            elif isinstance(item, dict):
                yield item
                if isinstance(item.get("@graph"), list):
                    stack[:0] = item["@graph"]
                if isinstance(item.get("mainEntity"), dict | list):
                    stack[:0] = [item["mainEntity"]]  # a WebPage whose main entity is the article


# JSON-LD keys under which an author is someone else's: the claim a fact-check reviews, a work the
# article is about or cites.
_OTHER_WORKS = frozenset(["itemReviewed", "about", "mentions", "citation", "isBasedOn", "review", "subjectOf"])


def quoted_authors(nodes: list[dict[str, Any]]) -> frozenset[str]:
    """Author names the JSON-LD nodes give for other works than the page (a ClaimReview's claimant:
    "The Russian and Syrian defense ministries"), lower-cased; trafilatura's JSON-LD reader takes
    the first author it finds, these included."""
    out: set[str] = set()

    def walk(value: Any, inside: bool) -> None:
        if isinstance(value, list):
            for v in value:
                walk(v, inside)
        elif isinstance(value, dict):
            for key, v in value.items():
                if inside and key in ("author", "creator"):
                    out.update(" ".join(n.split()).casefold() for n in _names(v))
                walk(v, inside or key in _OTHER_WORKS)

    for node in nodes:
        walk(node, False)
    return frozenset(out)


def _bare(url: str | None) -> str:
    return re.sub(r"^https?://(?:www\.)?|[?#].*$|/$", "", (url or "").strip()).lower()


def _page_article(tree: HtmlElement, nodes: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The JSON-LD article node describing this page: the one whose URL is the page's, else the first.

    Pages also describe related stories; taking the first node blindly gives a related item's date.
    """
    articles = [n for n in nodes if _is_article(n)]
    if len(articles) <= 1:
        return articles[0] if articles else None
    canonical = tree.xpath('string((.//link[@rel="canonical"]/@href | .//meta[@property="og:url"]/@content)[1])')
    own = _bare(str(canonical))
    for node in articles:
        page = node.get("mainEntityOfPage")
        ids = [node.get("url"), node.get("@id"), page.get("@id") if isinstance(page, dict) else page]
        if own and any(isinstance(i, str) and _bare(i) == own for i in ids):
            return node
    return articles[0]


def _types(node: dict[str, Any]) -> list[str]:
    value = node.get("@type", [])
    return [str(t) for t in (value if isinstance(value, list) else [value])]


def _is_article(node: dict[str, Any]) -> bool:
    return any(_ARTICLE_TYPE.search(t) for t in _types(node))


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    if not isinstance(value, str):
        return None
    return " ".join(html.unescape(value).split()) or None


def _names(value: Any) -> list[str]:
    """Author names from a JSON-LD author value: a string, an object, or a list of either."""
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        name = _text(item.get("name") if isinstance(item, dict) else item)
        if name:
            out.append(name)
    return out


def plausible_author(name: str, site_names: tuple[str, ...] = ()) -> bool:
    """A person or agency: not a byline's furniture ("By"), a month ("Dec"), a URL, a caption or the site's name."""
    text = name.strip(" ,;:|-–—")
    if not text or len(text) > 80 or "://" in text or "@" in text or text.startswith(("www.", "(")) or ":" in text:
        return False
    if _PHOTO_CREDIT.match(text) or any(w.count("-") >= 3 for w in text.split()):
        return False  # a photo credit, or a CSS class read as text ("Wp-Block-Co-Authors-Plus-Coauthors")
    words = text.lower().replace(".", "").split()
    if len(words) > 6:
        return False  # a description ("professor at the faculty of ..."), not a name
    if " " not in text and text == text.lower() and text != text.upper() and not (wire_agency(text) or _DOMAIN.search(text)):
        return False  # a user name or a slug ("kevin-r", "admin2"), not how a byline is written
    if all(w in _NOT_A_NAME or w in _MONTH_WORDS for w in words):
        return False
    if not any(c.isalpha() for c in text) or sum(c.isdigit() for c in text) > 2:
        return False
    squashed = re.sub(r"[\W_]+", "", text.casefold())
    return not any(squashed == re.sub(r"[\W_]+", "", s.casefold()) for s in site_names if s)


_DOMAIN = re.compile(r"\.[a-z]{2,6}$")
_NAME_JOINER = re.compile(r"\s*(?:,|;|\s&\s|\s(?:and|und|et|y|e|og|och|en|i|und)\s)\s*")
_INITIALS = re.compile(r"\s*\((?:[\w.]{1,6}|(?:https?://)?(?:www\.)?[\w.-]+\.\w{2,})\)\s*$")
_OWN_DOMAIN = re.compile(r"\((?:https?://)?(?:www\.)?([\w-]+(?:\.[\w-]+)+)/?\)\s*$")
_NAME_WORD = re.compile(r"^(?:[^\W\d_][\w'’.-]*|d[aeiou]s?|van|von|der|den|de|del|la|le|al|bin|ibn)$")


def _looks_like_a_name(text: str) -> bool:
    """Two to five words, each a capitalised word or a name particle ("van", "de")."""
    words = text.split()
    return 2 <= len(words) <= 5 and all(_NAME_WORD.match(w) for w in words) and words[0][0].isupper()


def split_names(text: str) -> list[str]:
    """ "A and B", "A, B & C" -> names, but only when every part is name-shaped; "Smith, John" is one name."""
    parts = [p for p in _NAME_JOINER.split(text) if p.strip()]
    if len(parts) < 2:
        return [text]
    if len(parts) == 2 and "," in text and len(parts[0].split()) == 1 and 1 <= len(parts[1].split()) <= 2:
        return [f"{parts[1]} {parts[0]}"]  # "Brazil, Rachel": a surname first, as in citation metadata
    if "," in text and _looks_like_a_name(parts[0]) and all(_affiliation(p) for p in parts[1:]):
        # "Troy Smith, Cleveland.com", "Ilana Muhlstein, MS, RDN": the person, and an agency named after them
        return [parts[0], *[p for p in parts[1:] if wire_agency(p)]]
    return parts if all(_looks_like_a_name(p) for p in parts) else [text]


def _affiliation(part: str) -> bool:
    """What follows a name after a comma but is not a name: a domain, a credential or an outlet in one word."""
    text = part.strip()
    return bool(_DOMAIN.search(text.lower())) or (text.isupper() and len(text) <= 5) or len(text.split()) == 1


def _split_trailing_agency(name: str) -> list[str]:
    """ "Eric Tucker Associated Press" -> the person and the agency a template ran into the name."""
    words = name.split()
    for k in (3, 2):
        tail = " ".join(words[-k:])
        if len(words) >= k + 2 and wire_agency(tail):
            return [" ".join(words[:-k]), tail]
    return [name]


# A byline's lead-in: "By", "Analysis by", "Text:", "Текст", "Von", "Par", ...
_LEAD_IN = re.compile(
    r"^\s*(?:(?:[^\W\d_]+\s+)?by|von|par|por|door|av|text|texto|texte|текст|автор|quelle|source|fuente|fonte|"
    r"di(?=\s+[^\W\d_]+\s+[^\W\d_]))\s*:?\s+",  # Italian "di", before a whole name only: "Di Maio" is a surname
    re.I,
)
# The kind of piece before "von" ("Kommentar von Jan Sellner", "Eine Analyse von ..."): a lower-case
# "von" after a given name is a particle ("Alexander von Humboldt"), after one of these a lead-in.
_PIECE_LEAD_IN = re.compile(
    r"^\s*(?:ein(?:e)?\s+)?(?:kommentar|gastkommentar|analyse|gastbeitrag|beitrag|kolumne|essay|glosse|reportage|"
    r"rezension|kritik|leitartikel|interview|bericht|recherche|meinung)\s+von\s+", re.I)
# A role after the name: "Holger Zschäpitz Leitender Wirtschaftsredakteur", "Jane Doe Senior Reporter".
# The name before it is kept (the role alone, "AP Auto Writer", is dropped by _ROLE).
_ROLE_TAIL = re.compile(
    r"\s+[^\W\d_]*(?:redakteur|korrespondent|correspondent|reporter|journalist|autor|editor|writer|columnist)(?:in)?\s*$", re.I)
# What an agency's name is followed by in a credit: "SID Nachrichtenagentur", "AFP news agency".
_AGENCY_DESCRIPTOR = re.compile(r"\s+(?:nachrichtenagentur|presseagentur|news agency|press agency|agence de presse)\s*$", re.I)
# A lead-in after a brand or section word, capitalised as a lead-in is ("Capital Von Jemima Kelly"); a
# lower-case "von" inside a name ("Alexander von Humboldt") is a particle, not a lead-in.
_LEAD_IN_AFTER_WORD = re.compile(r"^\s*[^\W\d_]+\s+(?:Von|Par|Por|Door|Av)\s+(?=[^\W\d_]+\s+[^\W\d_])")
# Words of a newsroom role before its noun ("Senior News Reporter", "Chief Political Correspondent").
_ROLE_MODIFIERS = frozenset({
    "news", "senior", "chief", "deputy", "assistant", "associate", "political", "politics", "sports", "sport", "business",
    "economics", "foreign", "home", "digital", "staff", "crime", "health", "science", "technology", "tech", "royal",
    "entertainment", "showbiz", "world", "global", "investigations", "investigative", "trainee", "junior", "lead",
    "lifestyle", "travel", "fashion", "money", "consumer", "property", "parenting", "motoring", "culture", "arts",
    "music", "film", "food", "education", "environment", "climate", "transport", "defence", "defense", "security",
    "legal", "courts", "weather", "data", "social", "media", "features", "opinion", "breaking", "live", "local",
    "freelance", "contributing", "special", "guest", "visiting", "regular", "leitender", "leitende",
    "stellvertretender", "stellvertretende", "freier", "freie", "politischer", "politische",
})


def _without_role(part: str) -> str:
    """A byline part without the role or the agency description set after the name."""
    if (head := _ROLE_TAIL.sub("", part)) != part:
        words = head.split()
        while len(words) > 2 and words[-1].lower() in _ROLE_MODIFIERS:
            words.pop()
        if _looks_like_a_name(head := " ".join(words)) and not wire_agency(words[0]):
            return head  # "AP Auto Writer" names an agency's desk, no person
    if (head := _AGENCY_DESCRIPTOR.sub("", part)) != part and wire_agency(head):
        return head
    return part


# A job title or an affiliation, not a name: "AP Auto Writer", "CNN Editor-at-large", "NJ Advance Media for NJ".
_ROLE = re.compile(
    r"\b(?:writer|editor|editor-at-large|correspondent|reporter|columnist|contributor|staff|photographer|"
    r"producer|redakteur(?:in)?|korrespondent(?:in)?|journalist(?:in)?|wire services?|news services?|bureau)\b|\sfor\s", re.I
)
# Furniture glued to a name by a careless template: "Jeff Foust Monday", "Carrie Arnold November", "... Published",
# a button ("… Jeff Tollefson Show Authors", "Folgen") or a count badge ("Xiaoying You 0").
_TRAILING_FURNITURE = re.compile(
    r"(?:\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|june|july|"
    r"august|september|october|november|december|published|updated|posted|show (?:all )?authors?|follow|folgen|\d{1,3}))+\s*$",
    re.I,
)
# What a photo credit starts with ("Foto REUTERS", "Image GCIS", "Photo: AFP"): a picture's source, not an author.
_PHOTO_CREDIT = re.compile(r"^(?:foto|fot|photo|photos|image|images|picture|bild|bilder|imagen|immagine|zdjęcie|credit)\b\.?:?\s+\S", re.I)


def _with_own_domain(name: str, site_names: tuple[str, ...]) -> str | None:
    """The name before the page's own domain in an author written with it ("Deutsche Welle
    (www.dw.com)" on dw.com: "Deutsche Welle", the publisher), else None."""
    own = _OWN_DOMAIN.search(name)
    if own and any(own.group(1).casefold() == s.casefold() for s in site_names if s):
        return name[: own.start()].strip(" ,;|-")
    return None


def publisher_names(names: list[str], site_names: tuple[str, ...]) -> tuple[str, ...]:
    """The publisher's names among authors written with the page's own domain, without the domain."""
    return tuple(n for name in names if (n := _with_own_domain(name, site_names)))


def clean_authors(names: list[str], site_names: tuple[str, ...] = ()) -> list[str]:
    """Plausible names: lead-ins ("By"), roles ("AP Writer"), trailing dates and initials dropped; several split."""
    out: list[str] = []
    seen: set[str] = set()
    for raw in names:
        for part in re.split(r"\s*[|;]\s*", raw):
            part = _LEAD_IN_AFTER_WORD.sub("", _LEAD_IN.sub("", _PIECE_LEAD_IN.sub("", part))).strip(" ,;|")
            part = _without_role(part)
            if _ROLE.search(part):
                continue  # "AP Auto Writer", "HNN Staff": who they are, not their name
            # furniture first, so an agency it hid is found ("... Stepanenko The Associated Press Posted May")
            wholes = [_TRAILING_FURNITURE.sub("", whole).lstrip("….· ").strip(" ,;|") for whole in split_names(part)]
            for name in (n for whole in wholes for n in _split_trailing_agency(whole)):
                if _with_own_domain(name, site_names) is not None:
                    continue  # "Deutsche Welle (www.dw.com)" on dw.com: the publisher, not a person
                name = _TRAILING_FURNITURE.sub("", _INITIALS.sub("", name)).strip(" ,;|")
                name = _without_site_suffix(name, site_names)
                agency = wire_agency(name)
                if agency and agency.lower() == name.lower():
                    name = agency  # "Dpa", "AFP": the agency's own spelling
                key = re.sub(r"[\W_]+", "", name.casefold())
                if plausible_author(name, site_names) and key not in seen:
                    seen.add(key)
                    out.append(name)
    return out


def _without_site_suffix(name: str, site_names: tuple[str, ...]) -> str:
    """A name with the site's own name set after it dropped: "Finian Cunningham. Sputnik
    International" on sputniknews.com is Finian Cunningham (the name alone, the site's name alone,
    are left as they are)."""
    for site in site_names:
        if len(site) >= 3 and len(name) > len(site) and name.casefold().endswith(site.casefold()):
            head = name[: -len(site)]
            if head[-1:] in (".", ",", "-", "–", "—", "|", "/") or head.endswith((". ", ", ", " - ", " – ", " — ", " | ", " / ")):
                rest = head.rstrip(" .,-–—|/(")
                if rest:
                    return rest
    return name


# "All rights reserved" as sites write it after their name in a copyright notice, which some pages
# give as their site's name (<meta name="copyright" content="人民网版权所有">: People's Daily Online,
# all rights reserved)
_RIGHTS_RESERVED = re.compile(
    r"\s*[.,;:|–—-]?\s*(?:all rights reserved|alle rechte vorbehalten|tous droits réservés|todos los derechos reservados"
    r"|tutti i diritti riservati|todos os direitos reservados|wszelkie prawa zastrzeżone|版权所有|版權所有|保留所有权利"
    r"|著作権所有|무단전재[^\n]*)\s*[.。]?\s*$", re.I)


def clean_site_name(name: str | None) -> str | None:
    """The site's name as a reader would write it; None for a URL, a handle-only or a copyright line.
    A name followed by "all rights reserved" (in any of several languages) is that name."""
    if not name:
        return None
    text = _RIGHTS_RESERVED.sub("", " ".join(name.split()).lstrip("@")).strip()
    if not text or "://" in text or text.lower().startswith(("www.", "copyright", "©", "(c)")):
        return None
    first = _SITE_NAME_SEPARATOR.split(text, maxsplit=1)[0].strip()
    return first if sum(c.isalnum() for c in first) >= 2 else text


# A site name set beside a slogan, its domain, its company or other names ("LinkNaija | Nigeria's
# popular news platform", "The Jerusalem Post | JPost.com", "Freie Presse - Chemnitzer Verlag und
# Druck GmbH & Co. KG"): the name comes first. A hyphen inside a word ("Mid-Day") is no separator.
_SITE_NAME_SEPARATOR = re.compile(r"\s+[|–—-]\s+|\s*\|\s*|\s+::\s+|\s+»\s+")


def wire_agency(name: str | None) -> str | None:
    """The short name of a wire agency, or None for anyone else."""
    if not name:
        return None
    return WIRE_AGENCIES.get(" ".join(name.lower().replace(".", "").split()))


def _meta(tree: HtmlElement) -> dict[str, str]:
    """<meta> content by lower-cased property/name/itemprop; the first occurrence wins."""
    out: dict[str, str] = {}
    for el in tree.iterfind(".//meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop")
        content = el.get("content")
        if key and content and content.strip():
            out.setdefault(key.strip().lower(), " ".join(content.split()))
            # spellings vary ("article:published:time", "article_published_time"): also keep a squashed key
            out.setdefault(re.sub(r"[\W_]+", "", key.lower()), " ".join(content.split()))
    return out


def _meta_all(tree: HtmlElement, key: str) -> list[str]:
    """Every <meta> content under one property/name (citation metadata repeats the tag per author)."""
    out = []
    for el in tree.iterfind(".//meta"):
        name = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        if name == key and (content := " ".join((el.get("content") or "").split())):
            out.append(content)
    return out


# Squashed <meta> keys (letters and digits only) that name the publication time, strongest first.
_META_DATE_KEYS = (
    "articlepublishedtime", "ogarticlepublishedtime", "datepublished", "publishdate", "publishdatetime",
    "pubdate", "dcdateissued", "dctermsissued", "dctermscreated", "sailthrudate", "parselypubdate",
    "articlepublished", "cxenseparserecspublishtime", "date", "dcdate",
)


def structured_metadata(tree: HtmlElement) -> StructuredMetadata:
    """Title, authors, date, site name, URL and credited wire agency from JSON-LD, then meta tags, then <time>."""
    nodes = list(_json_ld_nodes(tree))
    found = StructuredMetadata(quoted_authors=quoted_authors(nodes))
    article = _page_article(tree, nodes)
    site_from_ld: str | None = None
    ld_name: str | None = None
    if article is not None:
        ld_name = _text(article.get("name"))
        if title := _text(article.get("headline")) or ld_name:
            found.title, found.sources["title"] = title, "json-ld"
        if names := _names(article.get("author")):
            found.authors, found.sources["author"] = names, "json-ld"
        when = _text(article.get("datePublished")) or _text(article.get("dateCreated"))
        if when and parse_page_date(when):
            found.published_text, found.sources["published_at"] = when, "json-ld"
        site_from_ld = _text(article.get("publisher"))
        found.description = _text(article.get("description"))
        found.url = _text(article.get("url")) or _text(article.get("mainEntityOfPage"))
        for key in ("sourceOrganization", "provider", "isBasedOn", "creditText", "copyrightHolder"):
            if agency := wire_agency(_text(article.get(key))):
                found.credited_source = agency
                break
        if not found.credited_source:
            found.credited_source = next((a for a in map(wire_agency, _names(article.get("author"))) if a), None)
    meta = _meta(tree)
    found.site_name = meta.get("og:site_name") or site_from_ld
    ld_title = found.title
    headings = page_headings(tree)
    found.title, found.sources["title"] = choose_title(
        [("json-ld", ld_title), ("json-ld", ld_name), ("opengraph", meta.get("og:title")), ("twitter", meta.get("twitter:title")),
         ("html-title", _text(tree.findtext(".//title")))],
        headings,
        found.site_name,
        found.url or meta.get("og:url") or str(tree.xpath('string((.//link[@rel="canonical"]/@href)[1])')) or None,
        (site_from_ld or "",),
    )
    if found.title is None:
        del found.sources["title"]
    elif found.sources["title"] == "html-title" and not headings and (shown := title_part_shown(tree, found.title)):
        found.title, found.sources["title"] = shown, "html-title (the part the page shows)"
    if not found.authors:
        for key in ("article:author", "author", "citation_author", "dc.creator", "sailthru.author", "parsely-author"):
            names = [v for v in _meta_all(tree, key) if "://" not in v]
            if names:
                found.authors, found.sources["author"] = names, "meta"
                break
    # Later sources are read when the earlier ones have no date, or only the day of it: a time
    # given elsewhere on the page for the same day is kept.
    chosen = parse_page_date(found.published_text)
    for source, value in [*_meta_dates(meta), ("time-element", _time_element(tree))]:
        candidate = parse_page_date(value)
        if candidate is None or value is None:
            continue
        if chosen is None or (chosen.precision == "day" and candidate.precision != "day" and candidate.value.date() == chosen.value.date()):
            found.published_text, found.sources["published_at"], chosen = value, source, candidate
        if chosen.precision != "day":
            break
    if found.published_text and (parsed := parse_page_date(found.published_text)) and parsed.precision != "day" and not parsed.has_zone:
        # a local time without a zone: the page's other timestamps (modified, created) often carry it
        zones = Counter(z for z in (_zone_of(v) for v in [*meta.values(), *_ld_dates(article)]) if z)
        if len(zones) == 1:
            found.published_text = f"{parsed.value.isoformat()}{next(iter(zones))}"
            found.sources["published_at"] += " (zone from the page's other timestamps)"
    if found.published_text is None and (day := date_in_title([meta.get("og:title"), _text(tree.findtext(".//title"))])):
        found.published_text, found.sources["published_at"] = day, "title"
    found.description = found.description or meta.get("og:description") or meta.get("description")
    found.url = found.url or meta.get("og:url")
    return found


_TITLE_SEPARATOR = re.compile(r"\s+[|–—:·•-]\s+|\s*[|｜]\s*|：(?=[^：]{1,30}$)")
_DATE_LIKE = re.compile(r"^[\d./ -]{6,}$")


def _same_but_domain(a: str, b: str) -> bool:
    """One squashed name is the other plus a domain ending ("golemde" and "golem")."""
    short, long = sorted((a, b), key=len)
    return long.startswith(short) and long[len(short):] in _DOMAIN_ENDINGS


_DOMAIN_ENDINGS = frozenset({"com", "de", "at", "ch", "couk", "uk", "fr", "es", "it", "nl", "net", "org", "online", "news", "in", "jp", "ru", "pl", "eu", "info", "web"})


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def site_named_in_title(tree: HtmlElement, short_names: tuple[str, ...]) -> str | None:
    """The site's name as the <title> writes it, where the page gives it only in short (a Twitter
    handle, the host): the last part of the title but its first (the headline) whose letters
    start with one of `short_names` or that start one of them ("AFPBB News" for "@afpbbcom" on
    afpbb.com, in "…国際ニュース：AFPBB News"); a name of up to four words, not starting in lower
    case, without figures. None when no part is one."""
    title = " ".join((tree.findtext(".//title") or "").split())
    keys = [k for k in (_squash(n) for n in short_names) if len(k) >= 3]
    for part in reversed(_TITLE_SEPARATOR.split(title)[1:]):
        squashed, words = _squash(part), part.split()
        if len(squashed) < 3 or len(words) > 4 or words[0][:1].islower() or any(c.isdigit() for c in part):
            continue  # a name is a few words, capitalised, without figures: not the rest of a headline
        if any(squashed.startswith(k) or k.startswith(squashed) for k in keys):
            return part.strip()
    return None


def url_folders(url: str | None) -> frozenset[str]:
    """The folders of a page's URL path, squashed ("/us-news/2024/05/slug" -> usnews, 2024, 05): its sections."""
    path = re.sub(r"^\w+://[^/]+|[?#].*$", "", url or "")
    segments = [p for p in path.split("/") if p]
    return frozenset(_squash(p) for p in segments[:-1] if _squash(p))  # the last one names the page itself


_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "or", "ne", "go", "edu"})


def host_name(url: str | None, shortest: int = 3) -> str | None:
    """The site's own label in a URL's host: "digg" for https://www.digg.com/..., "entermedia" for entermedia.co.kr."""
    m = re.match(r"^\w+://([^/:?#]+)", url or "")
    if not m:
        return None
    labels = m.group(1).lower().split(".")
    if len(labels) < 2:
        return None
    label = labels[-3] if len(labels) > 2 and labels[-2] in _SECOND_LEVEL else labels[-2]
    return label if len(label) >= shortest else None


_LEADING_ARTICLE = re.compile(r"^(?:the|der|die|das|le|la|les|el|il|lo|het|de)\s+(?=\S)", re.I)


def strip_site_name(title: str, site_name: str | None, sections: frozenset[str] = frozenset(), also: tuple[str, ...] = ()) -> str:
    """The headline without the site's name (or another of its names: the publisher's, the
    URL's host), its section (a folder of the page's URL: "Opinion |"), a date or "by ..."
    appended or prepended to it."""
    parts = _TITLE_SEPARATOR.split(title)
    if len(parts) < 2:
        return title
    sites = {n for n in (_squash(x) for x in (site_name or "", *also)) if n}

    def is_furniture(part: str) -> bool:
        p = _squash(part)
        if not p or _DATE_LIKE.match(part.strip()) or re.match(r"^by\s", part.strip(), re.I) or p in sections:
            return True
        # the site's name, or the name with or without its domain ending ("Golem.de" for site "Golem"),
        # or with an article before it ("The Washington Post" on washingtonpost.com, "der Freitag" on freitag.de)
        bare = _squash(_LEADING_ARTICLE.sub("", part.strip()))
        if any(q == site or (len(q) >= 3 and _same_but_domain(q, site)) for q in {p, bare} if q for site in sites):
            return True
        # the site's name without the edition it adds: "日本経済新聞" of "日本経済新聞 電子版"
        words = part.split()
        return len(p) >= 4 and any(
            n.split()[: len(words)] == words and len(n.split()) > len(words) for n in (site_name or "", *also) if n
        )

    kept = list(parts)
    while len(kept) > 1 and is_furniture(kept[-1]):
        kept.pop()
    while len(kept) > 1 and is_furniture(kept[0]):
        kept.pop(0)
    if len(kept) == len(parts):
        return title
    # cut the original string, keeping the headline's own punctuation
    start = title.find(kept[0])
    end = title.rfind(kept[-1]) + len(kept[-1])
    return title[start:end].strip() if start >= 0 and end > start else title


def _agrees(heading: str, title: str) -> bool:
    """The heading is the metadata title up to punctuation and case, a part of it (a kicker aside),
    or the title under a kicker set in the same heading ("Kicker Headline" for "Headline")."""
    h, t = _squash(heading), _squash(title)
    return h == t or (len(h) >= 12 and h in t) or (len(t) >= 12 and h.endswith(t))


_BREADCRUMB = re.compile(r"breadcrumb", re.I)
_HEADING_LEVELS = 6  # ancestors looked at for a breadcrumb trail or a navigation bar


def _in_navigation(el: HtmlElement) -> bool:
    """The element sits in a breadcrumb trail or a <nav>: a page's path, not its headline.

    Templates put the page's name, often the SEO title, in an <h1> at the end of the breadcrumb
    while the headline a reader sees is a heading further down.
    """
    for node in [el, *list(el.iterancestors())[:_HEADING_LEVELS]]:
        if node.tag == "nav":
            return True
        if any(_BREADCRUMB.search(f"{k} {v}") for k, v in node.attrib.items()):
            return True
    return False


SHOWN_TITLE_ELEMENTS = 400  # emphasis elements read, at most, for the part of a <title> the page shows
_EMPHASIS = frozenset({"b", "strong", "font", "big", "span", "td", "div", "p"})


def title_part_shown(tree: HtmlElement, title: str) -> str | None:
    """On a page without metadata or heading elements, the part of its <title> the page sets on its
    own as the headline ("Flood waters rise in the valley - Valley Herald" and a <font><b> of
    "Flood waters rise in the valley"): the <title> is the headline and the site's name, and the
    page shows the headline alone. None when no part stands alone in an element of the page."""
    split = _TITLE_SEPARATOR.split(title)
    parts = {_squash(p): p.strip() for p in split if len(p.split()) >= 3}
    if len(split) < 2 or not parts:
        return None
    body = tree.find(".//body")
    for n, el in enumerate((body if body is not None else tree).iter(*_EMPHASIS)):
        if n >= SHOWN_TITLE_ELEMENTS:
            break
        text = el.text_content()
        if len(text) <= 300 and (key := _squash(text)) in parts and not _in_navigation(el):
            return parts[key]
    return None


def page_headings(tree: HtmlElement, limit: int = 5) -> list[str]:
    """The page's visible headline candidates, in order: <h1>s outside navigation, then the element
    marked itemprop="headline", then the <h2>s of the article's header (where a template that
    keeps the <h1> for the breadcrumb sets the headline), and, on a page with none of these, the
    first element whose class names a headline."""
    found: list[str] = []

    def add(elements: list[HtmlElement], at_most: int) -> None:
        taken = 0
        for el in elements:
            if taken >= at_most or not isinstance(el.tag, str) or el.tag == "meta" or _in_navigation(el):
                continue
            text = " ".join(el.text_content().split())
            if text:
                found.append(text)
                taken += 1

    add(list(tree.iterfind(".//h1")), limit)
    add(tree.xpath('.//*[@itemprop="headline"]'), 1)
    add(tree.xpath(".//header//h2 | .//hgroup//h2 | (.//article)[1]//h2"), 2)
    if not found:
        # a page without heading elements (the 2000s: <span class="headline">, <td class="storyHeadline">)
        add(tree.xpath('.//*[self::span or self::div or self::td or self::p or self::font or self::b]'
                       '[contains(@class, "headline") or contains(@class, "Headline")]'), 1)
    return found


def _confirmed_text(heading: str, titles: list[tuple[str, str]]) -> str:
    """The metadata title a heading confirms: the same words first, then one that adds a kicker to
    it or one the heading adds a kicker to; among equals OpenGraph first (the text sites share,
    free of the layout's line breaks and typography). The heading itself when only a part of
    the metadata title."""
    h = _squash(heading)
    def kicker(src: str, t: str) -> bool:
        # a kicker set in the heading, or one the article's metadata adds; a <title> that adds
        # words in front adds the site's or the section's name ("Site: Headline") as often
        return (len(t) >= 12 and h.endswith(t)) or (len(h) >= 12 and t.endswith(h) and src != "html-title")

    for fits in (lambda src, t: t == h, kicker):
        same = {src.split(":")[0]: t for src, t in reversed(titles) if fits(src.split(":")[0], _squash(t))}
        for source in ("opengraph", "json-ld", "twitter", "html-title"):
            if source in same:
                return same[source]
    return heading


# Quote marks, apostrophes and dashes: the same words can be typeset in several ways.
_TYPOGRAPHY = re.compile(r"[\"'`´‘’‚‛“”„‟«»‹›‐‑‒–—―-]")
_FAMILY = {"twitter": "opengraph"}  # Twitter's card copies OpenGraph's text: one source, not two


def _leading_runs(title: str) -> list[str]:
    """The title and each run of its separated parts from the start: "A | B | C" -> A | B | C, A | B, A.

    A title that appends a section or a label ("Headline – Topic", "Headline | Editorial")
    supports the headline it starts with as much as itself: which trailing parts are furniture
    cannot be told from the title alone.
    """
    runs = [title]
    for m in reversed(list(_TITLE_SEPARATOR.finditer(title))):
        if lead := title[: m.start()].strip():
            runs.append(lead)
    return runs


def _most_agreed(confirmed: str, heading: str, titles: list[tuple[str, str]]) -> tuple[str, str]:
    """The wording, then the typography, that most of the page's sources give; the confirmed
    heading's on a tie.

    The sources are JSON-LD (its headline and its name), OpenGraph with the Twitter card, the
    <title> and the visible heading; each votes once for every wording it gives. A heading
    confirmed by one metadata title is overruled only when more sources agree on another
    wording. Among titles with the same words, a quote or dash style that more sources use
    than the confirmed title's wins (one page's titles are often typeset by different tools).
    """
    def family(src: str) -> str:
        base = src.split(":")[0]
        return _FAMILY.get(base, base)

    def in_order(fits: Callable[[str], bool]) -> tuple[str, str] | None:
        return next(((s, t) for s in _TITLE_ORDER for s2, t in titles if s2.split(":")[0] == s and fits(t)), None)

    words = _squash(confirmed)
    votes: dict[str, set[str]] = {words: {"heading"}}
    for src, t in titles:
        for lead in _leading_runs(t):
            votes.setdefault(_squash(lead), set()).add(family(src))
    whole = {_squash(t) for _src, t in titles}
    best = max((w for w in votes if w in whole or w == words), key=lambda w: (len(votes[w]), w == words))
    if best != words and (other := in_order(lambda t: _squash(t) == best)):
        return other[1], f"{other[0]} (most sources)"
    styles: dict[str, set[str]] = {}
    for src, t in [*titles, ("heading", heading)]:
        if _squash(t) == words:
            styles.setdefault(_typography(t), set()).add(family(src))
    mine = _typography(confirmed)
    style = max(styles, key=lambda k: (len(styles[k]), k == mine), default=mine)
    if style != mine and (restyled := in_order(lambda t: _squash(t) == words and _typography(t) == style)):
        return restyled[1], "h1"
    return confirmed, "h1"


def _typography(text: str) -> str:
    return "".join(_TYPOGRAPHY.findall(text))


_TITLE_ORDER = ("opengraph", "json-ld", "twitter", "html-title")


def choose_title(
    candidates: list[tuple[str, str | None]], headings: list[str], site_name: str | None, url: str | None = None,
    other_names: tuple[str, ...] = (),
) -> tuple[str | None, str]:
    """The visible headline when the page's metadata confirms it, else the first metadata title.

    Metadata titles often carry the site's name ("Headline | Site"): the OpenGraph site name,
    the publisher named in JSON-LD (`other_names`) or the URL's host; a page's heading is the
    headline as shown but can be a logo or a section name, so it is taken only when it
    agrees with a metadata title. Never taken: the site's name alone, a section name (a title of
    one or two words that is a folder of the URL), and the <title> of a page that starts with the
    site's name and is confirmed by nothing else ("Site | Slogan").
    """
    site = _squash(site_name or "")
    # the host's label ("washingtonpost"), and the whole host and a short label, which are only ever
    # compared whole ("rp.pl", "DW" on dw.com)
    found_host = re.match(r"^\w+://([^/:?#]+)", url or "")
    host = found_host[1].lower().removeprefix("www.") if found_host else ""
    also = tuple(n for n in (*other_names, host_name(url, shortest=2) or "", host if "." in host else "") if n)
    names = {n for n in (_squash(x) for x in (site_name or "", *also)) if n}
    sections = {_squash(p) for p in re.split(r"[/_.-]+", re.sub(r"^\w+://[^/]+", "", url or "")) if p}
    titles: list[tuple[str, str]] = []
    for src, raw in candidates:
        if not raw:
            continue
        title = strip_site_name(raw, site_name, url_folders(url), also)
        squashed = _squash(title)
        if not squashed or squashed in names or (len(title.split()) <= 2 and squashed in sections):
            continue
        site_first = title != raw and any(_squash(raw).startswith(n) for n in names)
        titles.append((src if not site_first else f"{src}:site-first", title))
    for heading in headings:
        if len(_squash(heading)) < 4 or _squash(heading) == site:
            continue
        if any(_agrees(heading, t) for _src, t in titles):
            return _most_agreed(_confirmed_text(heading, titles), heading, titles)
    for src, title in titles:
        if src.endswith(":site-first"):
            continue  # "Site | Slogan" or "Site - Section": nothing says it is this article's headline
        if src != "html-title" or len(titles) == 1:
            return title, src
    return None, "none"


_TITLE_DAY = re.compile(r"^\s*(?:(\d{4})-(\d{2})-(\d{2})|(\d{1,2})\.(\d{1,2})\.(\d{4}))\s*$")


def date_in_title(titles: list[str | None]) -> str | None:
    """The day a page writes as a part of its own title ("Headline | Site | 28.04.2023"), as ISO.

    Only unambiguous spellings: ISO, and the dotted day-first one (a month-first date is written
    with slashes); a date inside the headline's words is the story's, not the page's.
    """
    for title in titles:
        for part in _TITLE_SEPARATOR.split(title or "")[1:]:
            if m := _TITLE_DAY.match(part):
                y, mo, d = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(6), m.group(5), m.group(4))
                text = f"{y}-{int(mo):02d}-{int(d):02d}"
                if parse_page_date(text):
                    return text
    return None


def _meta_dates(meta: dict[str, str]) -> list[tuple[str, str]]:
    """The page's meta tags that name the publication time, strongest first, with their source."""
    return [(("opengraph" if key.startswith(("article", "og")) else "meta"), meta[key]) for key in _META_DATE_KEYS if key in meta]


def _zone_of(value: str) -> str | None:
    parsed = parse_page_date(value)
    if parsed is None or not parsed.has_zone:
        return None
    return parsed.value.isoformat()[19:] or None


def _ld_dates(node: dict[str, Any] | None) -> list[str]:
    if not node:
        return []
    return [v for k in ("datePublished", "dateModified", "dateCreated", "uploadDate") if isinstance(v := node.get(k), str)]


def _time_element(tree: HtmlElement) -> str | None:
    """A <time datetime> marked as the publication time, else the first inside the <article>."""
    marked = tree.xpath(
        './/time[@datetime][@itemprop="datePublished" or @pubdate or contains(@class, "publish")]'
    )
    candidates = marked or tree.xpath("(.//article)[1]//time[@datetime]")[:1]
    for el in candidates:
        value = el.get("datetime", "").strip()
        if parse_page_date(value):
            return str(value)
    return None


def wire_credit_in_text(text: str) -> str | None:
    """A wire agency credited in the dateline, "WASHINGTON (AP) —", in the first lines of the text."""
    m = _WIRE_IN_TEXT.search(text[:600])
    if not m:
        return None
    return wire_agency(m.group(1) or m.group(2)) or (m.group(1) or m.group(2))


_ENGLISH_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                   "november", "december")
# A clock time: "14:07", "14h07", "2:07 p.m.", "14.07 Uhr" is left out (a decimal or a date part reads the same).
_CLOCK = re.compile(r"(?<![\d:.])([01]?\d|2[0-3])(?::|h)([0-5]\d)(?![\d:])(?:\s*([ap])\.?\s?m\b\.?)?(?:\s*(GMT|UTC)\b)?", re.I)
_BETWEEN = r"[^\d<>]{1,14}?"  # " | ", ", ", " um ", " at ", " - ": a few characters, no other number
# a clock written before the day is not the end of a timestamp ("...T23:06:00+01:00 2019-11-13")
_NOT_AN_OFFSET = r"(?<![\w+\u2212-])"
_BEFORE_DAY = r"\s*[,|\u2013-]?\s*"  # "14:00, 28 Apr 2024", "22:04 | 22.04.2024": the clock written first
# A clock written with a dot, where a word says it is one: "kl 10.23" (Scandinavian), "klo 10.23"
# (Finnish), "14.07 Uhr" (German); without the word, "14.07" reads as a decimal or a date part.
_DOT_CLOCK = re.compile(r"(?:\b(?:kl|klo|kello)\.?\s?([01]?\d|2[0-3])[.:]([0-5]\d)(?!\d)|(?<![\d:.])([01]?\d|2[0-3])\.([0-5]\d)\s?Uhr\b)", re.I)
_INVISIBLE = re.compile(r"<(script|style|noscript|template)\b.*?</\1\s*>|<!--.*?-->", re.I | re.S)


# Month names and their usual abbreviations in the languages of Western and Northern Europe a
# byline writes the day in ("3. Mai 2024", "23 okt 2025", "15 de octubre de 2024", "3 maja 2024"),
# next to the English ones matched by their first three letters.
_MONTH_NAMES = (
    "januar jänner janvier janv enero ene gennaio gen janeiro januari stycznia",
    "februar février févr fevrier febrero febbraio fevereiro fev februari lutego",
    "märz mär mrz mars marzo março maart mrt marca",
    "avril avr abril abr aprile kwietnia",
    "mai mayo maggio mag maio mei maj maja",
    "juni juin junio giugno giu junho czerwca",
    "juli juillet juil julio luglio lug julho lipca",
    "august août aout agosto ago augusti augustus aug sierpnia",
    "september septembre septiembre setiembre settembre setembro sept set września",
    "oktober octobre octubre ottobre ott outubro okt października",
    "november novembre noviembre novembro listopada",
    "dezember dez décembre déc diciembre dic dicembre dezembro december desember des grudnia",
)


def _day_patterns(day: date) -> list[str]:
    d, m, y = day.day, day.month, day.year
    yy = rf"(?:{y}|{y % 100:02d})"
    month = _ENGLISH_MONTHS[m - 1]
    names = "|".join(sorted(_MONTH_NAMES[m - 1].split(), key=len, reverse=True))
    return [
        rf"(?<!\d)0?{d}\.\s?0?{m}\.\s?{yy}(?!\d)",  # 25.04.24, 25. 4. 2024
        rf"(?<!\d){y}-{m:02d}-{d:02d}(?!\d)",
        rf"(?<!\d)0?{d}/0?{m}/{yy}(?!\d)", rf"(?<!\d)0?{m}/0?{d}/{yy}(?!\d)",
        rf"\b{month[:3]}[a-z]*\.?\s+0?{d}(?:st|nd|rd|th)?,?\s+{y}\b", rf"(?<!\d)0?{d}\.?\s+{month[:3]}[a-z]*\.?,?\s+{y}\b",
        rf"(?<!\d)0?{d}\.?\s+(?:de\s+)?(?:{names})(?![^\W\d_])\.?,?\s+(?:de\s+)?{y}\b",
    ]


def time_next_to_day(html: str, day: date) -> tuple[int, int, bool] | None:
    """The earliest clock time the page writes right after its publication day ("Do 25.04.24 | 14:07 Uhr",
    "23 okt 2025 kl 10.23") or right before it ("14:00, 28 Apr 2024").

    For a page whose metadata gives the day alone: the byline often shows the time. The
    earliest of several is taken, as a page shows its first publication before an update.
    The third value says the time was written as GMT/UTC; other zone names are ambiguous (EST, IST).
    """
    text = re.sub(r"<[^>]+>", " ", _INVISIBLE.sub(" ", html))
    times: list[tuple[int, int, bool]] = []
    for pattern in _day_patterns(day):
        # the day's pattern has no groups: the clock's are 1-4 wherever it stands
        for found in (re.finditer(pattern + _BETWEEN + _CLOCK.pattern, text, re.I),
                      re.finditer(_NOT_AN_OFFSET + _CLOCK.pattern + _BEFORE_DAY + pattern, text, re.I)):
            for m in found:
                hour, minute, half = int(m.group(1)), int(m.group(2)), (m.group(3) or "").lower()
                if half and not 1 <= hour <= 12:
                    continue
                times.append((hour % 12 + (12 if half == "p" else 0) if half else hour, minute, bool(m.group(4))))
        for m in re.finditer(pattern + _BETWEEN + _DOT_CLOCK.pattern, text, re.I):
            times.append((int(m.group(1) or m.group(3)), int(m.group(2) or m.group(4)), False))
    return min(times) if times else None


# --- a person's byline the metadata does not give ---------------------------------------------------

# Words a page writes before its author in a labelled field ("<strong>Autorin/Autor</strong> Roman
# Goncharenko", "Author: ..."), in the languages the corpora have.
BYLINE_LABELS = frozenset([
    "author", "authors", "written by", "autor", "autorin", "autoren", "autorin/autor", "autor/autorin", "autor/in",
    "auteur", "auteurs", "autrice", "autore", "autori", "autora", "autores", "forfatter", "författare", "auteur(s)",
])
# Folders of the URL of a link to an author's page ("/autoren/name/max-kolter", "/author/jane-doe").
_AUTHOR_FOLDERS = frozenset([
    "author", "authors", "autor", "autoren", "autorin", "auteur", "auteurs", "autore", "autori", "autores",
    "journalist", "journalists", "journalisten", "reporter", "reporters", "byline", "columnist", "columnists",
])


def person_name(text: str) -> str | None:
    """A byline's text as a person's name ("von Dr. Max Kolter" -> "Dr. Max Kolter"), or None."""
    name = _LEAD_IN.sub("", " ".join(text.split())).strip(" ,;:|")
    return name if _looks_like_a_name(name) and not _ROLE.search(name) else None


_FURNITURE = re.compile(r"(?:^|[\s_-])(?:menu|nav|navigation|footer|sidebar|widget|related|teaser|recommend\w*)(?:$|[\s_-])", re.I)
# Classes of the element holding an article's text ("entry-content", "article-body", "story-body").
_ARTICLE_BODY = re.compile(r"(?:^|[\s_-])(?:entry|post|article|story)[-_](?:content|body|text)(?:$|[\s_-])", re.I)


def _in_article(el: HtmlElement) -> bool:
    """Inside an <article> or an element whose class names an article's text."""
    return any(node.tag == "article" or _ARTICLE_BODY.search(node.get("class") or "") for node in el.iterancestors())


def in_page_furniture(el: HtmlElement) -> bool:
    """A link in a menu, a footer, a sidebar or a list of related articles (by tag, role or class)."""
    for node in [el, *el.iterancestors()]:
        if node.tag in ("body", "html"):
            break  # their classes describe the page's layout ("two-sidebar"), not where the element sits
        if node.tag in ("nav", "footer", "aside", "menu"):
            return True
        if (node.get("role") or "").casefold() in ("menu", "menubar", "menuitem", "navigation", "complementary"):
            return True
        if _FURNITURE.search(f"{node.get('class') or ''} {node.get('id') or ''}"):
            return True
    return False


# A name is someone's when one of its words is not an English word this common (Zipf): "Mohloai
# Mpesi" is, "Premier League" is not.
BYLINE_MAX_ZIPF = 4.0
_PARTICLES = frozenset(["van", "von", "der", "den", "de", "del", "da", "di", "du", "la", "le", "al", "bin", "ibn", "dos", "das"])


def _strict_name(text: str) -> bool:
    """Two to four words, each capitalised (or a particle), one of them no common English word."""
    from tasks.common.zipf import zipf_frequency

    words = text.split()
    return (2 <= len(words) <= 4 and all(w[:1].isupper() or w in _PARTICLES for w in words) and not text.isupper()
            and any(zipf_frequency(w.lower().strip("."), "en") < BYLINE_MAX_ZIPF for w in words))


def _after_headline(tree: HtmlElement, tag: str, headline: HtmlElement | None) -> Iterator[HtmlElement]:
    """The elements of one tag after the page's headline, in document order (all of them when the
    page has no headline outside navigation): a byline follows the headline; menus and mastheads
    come before it."""
    for el in tree.iter("h1", tag):
        if headline is not None:
            headline = None if el is headline else headline
        elif el.tag == tag or tag == "*":
            yield el


def _bold_byline(tree: HtmlElement, headline: HtmlElement, paragraphs: int = 4) -> list[str]:
    """The names of a paragraph set wholly in bold among the first paragraphs after the headline ("<p><strong>
    Mathatisi Sebusi/Mohalenyane Phakela</strong></p>"): how many small papers print a byline."""
    first: list[HtmlElement] = []
    for el in _after_headline(tree, "p", headline):
        if _in_article(el) and not in_page_furniture(el):  # not a sidebar's ("Ayo Infaq Dakwah")
            first.append(el)
            if len(first) == paragraphs:
                break
    for p in first:
        text = " ".join(p.text_content().split())
        bold = [c for c in p if c.tag in ("strong", "b")]
        if not text or len(bold) != 1 or " ".join(bold[0].text_content().split()) != text:
            continue
        parts = [n for chunk in re.split(r"\s*/\s*", text) for n in split_names(chunk)]
        if parts and all(_strict_name(n) and person_name(n) == n for n in parts):
            return parts
    return []


def byline_names(tree: HtmlElement) -> list[str]:
    """People a page names as its authors outside its metadata: the value of a labelled author
    field, else the links to author pages that come first (outside navigation), co-authors
    being links in the same element as the first."""
    for el in tree.iter("strong", "b", "dt", "th", "label", "span", "em"):
        text = el.text
        if len(el) or not text or len(text) > 40:
            continue  # a label is a short text of its own, no markup inside
        label = " ".join(text.split()).rstrip(":").strip().casefold()
        if label not in BYLINE_LABELS:
            continue
        following = el.getnext()
        value = (el.tail or "").strip(" :\n\t") or (following.text_content() if following is not None else "")
        labelled = [n for part in split_names(" ".join(value.split())) if (n := person_name(part))]
        if labelled:
            return labelled
    headline = next((h for h in tree.iter("h1") if not _in_navigation(h)), None)
    if headline is not None and (bold := _bold_byline(tree, headline)):
        return bold
    first_parent: HtmlElement | None = None
    names: list[str] = []
    for a in _after_headline(tree, "a", headline):
        href = (a.get("href") or "").split("?", 1)[0].split("#", 1)[0]
        folders = {p.casefold() for p in href.split("/")[:-1] if p}
        if not folders & _AUTHOR_FOLDERS or _in_navigation(a) or in_page_furniture(a):
            continue
        name = person_name(a.text_content() or "")
        if name is None:
            continue
        parent = a.getparent()
        if first_parent is None:
            first_parent = parent
        elif parent is not first_parent:
            break
        if name not in names:
            names.append(name)
    return names or _class_named_byline(tree, headline)


# Classes (or ids, test ids) templates give the element holding an author's name: "cs-meta-author-name",
# "author__name", "StyledBylineAuthor", "byline-contributors-contributor-0".
_AUTHOR_CLASS = re.compile(r"(?:author|byline)[-_]*(?:name|author)|byline[-_]*contributor|contributor[-_]*name", re.I)


def _class_named_byline(tree: HtmlElement, headline: HtmlElement | None) -> list[str]:
    """The names in elements a template marks as the author's name, after the headline and outside
    menus and lists of other articles: the first, and those beside it (co-authors, same parent)."""
    def marked(el: HtmlElement) -> bool:
        return isinstance(el.tag, str) and bool(_AUTHOR_CLASS.search(f"{el.get('class') or ''} {el.get('id') or ''} {el.get('data-testid') or ''}"))

    first_parent: HtmlElement | None = None
    names: list[str] = []
    for el in _after_headline(tree, "*", headline):
        if not marked(el) or any(marked(d) for d in el.iterdescendants()) or _in_navigation(el) or in_page_furniture(el):
            continue  # the innermost marked element: a list of contributors is marked as well as each of them
        name = person_name(el.text_content() or "")
        if name is None:
            continue
        if first_parent is None:
            first_parent = el.getparent()
        elif el.getparent() is not first_parent:
            break
        if name not in names:
            names.append(name)
    return names
