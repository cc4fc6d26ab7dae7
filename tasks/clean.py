"""Clean stage: remove leftover boilerplate from raw_text, keeping every removed span."""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.common.frames import articles_frame, boilerplate_frame
from tasks.common.isolation import Refusal, keep_checked, per_article
from tasks.common.language import count_words, detect_language
from tasks.common.metadata import WIRE_AGENCIES, clean_authors, wire_agency, wire_credit_in_text
from tasks.common.models import Article, Batch, BoilerplateSpan
from tasks.common.timestamps import (
    country_zone,
    date_order_for_language,
    resolve_metadata_date,
    resolve_timestamp,
)

OUTLETS_FILE = Path(__file__).resolve().parent.parent / "gazetteer" / "outlets.json"

MONTHS = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan\.?|Feb\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
_WORD = re.compile(r"\w+")

# How far from either end of the text a bare date line counts as page furniture: in the
# middle of an article a line like "2018.04.05 ~ OPEN RUN" is content (a schedule, a table).
EDGE_LINES = 6
# How many lines from the top a repeated headline is looked for.
HEADER_LINES = 8
# A navigation menu that survived extraction: this many short label lines in a row.
MIN_NAVIGATION_RUN = 12
NAVIGATION_LABEL_WORDS = 6
# Teaser lists after a "Related"/"Don't miss" header: at most this many items are taken.
MAX_TEASER_ITEMS = 15


@dataclass(frozen=True, slots=True)
class Line:
    """One line of raw_text with its offsets (end includes the newline)."""

    index: int
    start: int
    end: int
    text: str  # without the newline
    stripped: str = ""  # computed once: every rule asks for these
    words: int = 0

    @classmethod
    def of(cls, index: int, start: int, end: int, text: str) -> Line:
        stripped = text.strip()
        return cls(index, start, end, text, stripped, len(stripped.split()))


@dataclass(frozen=True, slots=True)
class LineRule:
    """A rule that marks a whole line as boilerplate of one kind."""

    name: str
    kind: str
    matches: Callable[[list[Line], int], bool]


def split_lines(text: str) -> list[Line]:
    """Lines with their character offsets; the last line may lack a newline."""
    lines: list[Line] = []
    pos = 0
    for i, part in enumerate(text.splitlines(keepends=True)):
        content = part.rstrip("\r\n")
        lines.append(Line.of(i, pos, pos + len(part), content))
        pos += len(part)
    return lines


def normalise(text: str) -> str:
    """Lower-case word tokens joined by single spaces: punctuation and spacing do not count."""
    return " ".join(_WORD.findall(text.lower()))


def _regex_rule(name: str, kind: str, pattern: str, flags: int = 0, max_words: int = 60) -> LineRule:
    compiled = re.compile(pattern, flags)

    def matches(lines: list[Line], i: int) -> bool:
        line = lines[i]
        return line.words <= max_words and bool(compiled.search(line.stripped))

    return LineRule(name, kind, matches)


_PHOTO_CREDIT = re.compile(r"^(?:Photo|Photos|Image|Picture|Photograph|Credit|Foto)\s*(?:credit)?\s*:\s*[^.!?]{1,60}$", re.I)
_CAPTION_MARK = re.compile(
    r"\((?:Photo|Image|Picture|Photograph)s?\s*(?:by|:|credit)[^)]*\)\s*$"
    r"|AFP PHOTO|\(Photo credit should read|^TOPSHOT\b|/\s*(?:AFP|Getty Images|Reuters|AP)\s*$"
    r"|\((?:credit|photo)\s*:[^)]*\)\s*\|?$"
    r"|\b(?:photos?|images?|pictures?)\s*(?:©|\(c\)|courtesy of)\s*\w",
    re.I,
)
_PRESENT_SCENE_VERB = re.compile(
    r"\b(?:is|are)\s+(?:seen|pictured|shown|photographed)\b|\b(?:walks|stands|sits|holds|looks|gathers|"
    r"rides|waves|attends|arrives|carries|speaks|gestures|poses|prays|inspects|drives|takes part|march|marches|walk|stand|gather|ride)\b",
    re.I,
)
_TRAILING_DATE = re.compile(r",?\s+(?:on\s+)?" + MONTHS + r"\s+\d{1,2},\s+\d{4}\.?\s*$")
_DOMAIN_LINE = re.compile(r"^(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)+/?$", re.I)
_TIMESTAMP_LINE = re.compile(
    r"^(?P<label>פרסום ראשון|עדכון אחרון|First published|Last updated|Published|Updated|Posted|Last modified)\s*:?\s*"
    r"(?P<stamp>[\d][\d./: ,-]*\d|\d+\s+\w+\s+ago)\s*$",
    re.I,
)
_METADATA_BAR = re.compile(r"^(?:Published|Updated|Posted|Date)\s*:.*\|.*:", re.I)
_SIGNATURE = re.compile(r"^(?:Written|Posted|Reported|Compiled|Edited)\s+by\s+(?P<name>[A-Z][\w.' -]{1,60})$")
# The agencies' credit closing a text: "(dpa)", "dpa/lhe", "AFP/Reuters", "(Quelle: APA/sda/dpa)",
# "Mit Material von dpa und AFP", "Avec AFP", "Mit Agenturmaterial.".
_CREDIT_LEAD = re.compile(
    r"^\(?\s*(?:(?:quelle|source|fuente|fonte)\s*:\s*|(?:mit|avec|with|con)\s+(?:(?:agentur)?material\s+(?:von|der|des)\s+|información de\s+)?)?",
    re.I,
)
_AGENCY_MATERIAL = re.compile(r"^\(?(?:mit agenturmaterial|with agency material|avec agences|con información de agencias)\)?\.?$", re.I)
_AGENCY_NAME = re.compile(r"(?<!\w)(?:" + "|".join(sorted(map(re.escape, WIRE_AGENCIES), key=len, reverse=True)) + r")(?!\w)", re.I)
_CREDIT_SPLIT = re.compile(r"\s*(?:/|,|&|\bund\b|\band\b|\bet\b|\by\b)\s*")


def _agency_credit(text: str) -> bool:
    """A line that is wire agencies' credit and nothing else (editors' initials allowed: "jos/dpa")."""
    if _AGENCY_MATERIAL.match(text):
        return True
    if not _AGENCY_NAME.search(text):
        return False  # most lines: no agency named at all
    rest = text[_CREDIT_LEAD.match(text).end():].strip().rstrip(".").rstrip(")").strip()  # type: ignore[union-attr]
    tokens = [x for x in _CREDIT_SPLIT.split(rest) if x]
    if not tokens or len(tokens) > 6:
        return False
    return any(wire_agency(x) for x in tokens) and all(wire_agency(x) or re.fullmatch(r"[a-z]{2,4}", x) for x in tokens)


_SOURCE_PREFIX = re.compile(r"^(?P<outlet>[A-Z][\w.]+(?: [A-Z][\w.]+){0,2})-\s+(?=[A-Z])")

# A line that quotes or attributes is an article sentence, whatever else it looks like.
_QUOTED_OR_SAID = re.compile(r"[\"“”]|\b(?:said|says|told|according to)\b", re.I)
# Prompts to subscribe: start with the imperative, or mention the newsletter or inbox and
# what to do about it. A sentence merely about subscriptions does neither.
_NEWSLETTER = re.compile(
    r"^(?:subscribe|sign[ -]up)\b|^(?:join|register)\b.*\b(?:our|free|today|now|here|newsletter|membership|club|challenge)\b"
    r"|^(?:thanks|thank you) for (?:signing up|subscribing)"
    r"|^there was an error processing your subscription|^keep an eye on your inbox"
    r"|^[\w'’ &-]{0,40}\bnewsletters?$|^newsletters?\s*:"
    r"|\b(?:newsletters?|inbox)\b.*\b(?:sign(?:ing)?[ -]up|subscrib\w*|deliver\w*|get)\b"
    r"|\b(?:sign(?:ing)?[ -]up|subscrib\w*|deliver\w*|get)\b.*\b(?:newsletters?|inbox)\b",
    re.I,
)
_CLICK_HERE = re.compile(r"\bclick(?:ing)? here\b", re.I)
# "Read also" in Indonesian, Romanian, Finnish, Ukrainian, Greek, Vietnamese, Hindi, Arabic and Chinese:
# the label of an inline link ("Baca juga: ...") and of a teaser list alike.
_READ_ALSO = (
    r"baca juga|citește și|citeste si|lue myös|читайте також|διαβάστε (?:επίσης|ακόμη)|xem thêm|"
    r"ये भी पढ़ें|यह भी पढ़ें|इसे भी पढ़ें|اقرأ (?:أيضا|أيضاً|ايضا)|相关阅读|延伸阅读|推荐阅读"
)
_RELATED_PREFIX = re.compile(
    r"^[\[(]?\s*(?:related(?: post| article| story| content| coverage)?s?|read more|see more|read also|also read|read next|"
    r"more|also|watch|listen|recommended|see also|leggi anche(?: su)?|lesen sie auch|lire aussi|leia também|"
    r"veja também|lea también|lee también|" + _READ_ALSO + r")\s*[:|–—：]\s*\S"
    r"|^also on [\w-]+\.\w+\b",
    re.I,
)
_TEASER_HEADER = re.compile(
    r"^(?:don'?t miss|you (?:may|might) also like|more (?:(?:must-)?reads? |stories |news |videos |articles |coverage |content )?from [\w .'-]+|most (?:read|popular|viewed|e-?mailed|commented|shared)(?: in [\w .'-]+)?|editor'?s'? (?:picks|choice)|"
    r"popular on [\w .'-]+|explore further|related(?: articles| stories| posts| news| coverage| content| links)?|"
    r"recommended(?: for you| stories)?|read next|trending(?: now)?|top stories|more stories|(?:more|top|latest) headlines|"
    r"more on this(?: story)?|something to consider|what to read next|further reading|in case you missed it|"
    r"(?:[\w.]+\s+)?(?:주요\s?뉴스|관련\s?기사|많이 본 뉴스)|leia (?:mais|também)|veja também|notícias relacionadas|"
    r"artigos relacionados|noticias relacionadas|artículos relacionados|leggi anche|articoli correlati|lesen sie auch|"
    r"mehr zum thema|auch interessant|das könnte sie (?:auch )?interessieren|à lire aussi|lire aussi|sur le même sujet|"
    r"читайте также|похожие статьи|関連記事|関連キーワード|関連ニュース|おすすめ情報|read more|see also|read also|"
    r"czytaj (?:więcej|też|także)|zobacz (?:też|także)|lees (?:ook|meer)|läs (?:också|mer)|les (?:også|mer)|"
    r"læs (?:også|mere)|lee (?:más|también)|leer más|čtěte (?:také|též)|berita terkait|ilgili haberler|"
    r"bunlar da ilginizi çekebilir|tin liên quan|(?:مواضيع|أخبار) ذات صلة|相关新闻|相關新聞|延伸閱讀|相關閱讀|推薦閱讀|"
    # Thai, Russian, Hebrew, Persian, Hindi, Malay and Polish: "related stories / news", "on the topic"
    r"(?:เรื่อง|ข่าว)ที่เกี่ยวข้อง|по теме|כתבות (?:נוספות|קשורות)|(?:مطالب|اخبار) مرتبط|संबंधित (?:खबरें|ख़बरें|लेख)|"
    r"berita berkaitan|powiązane artykuły|" + _READ_ALSO + r")"
    r"\s*(?:\.{3}|…|:|：)?$",
    re.I,
)
# The editor's credit and the "report an error" button closing a Chinese news text: "【责任编辑:张樵苏】",
# "（责任编辑：李明）", "责编：王洁", "【纠错】"; and a closing bracket left alone on its line.
_CHINESE_EDITOR = re.compile(
    r"^[【\[(（]?\s*(?:(?:责任编辑|責任編輯|责编|責編|编辑|編輯)\s*[:：]\s*[^\s：:]{1,12}(?:[、，,\s]+[^\s：:]{1,12}){0,3}|纠错|糾錯)\s*[】\])）]?$"
    r"|^[】\])）」』]$"
)
_TEASER_TAG = re.compile(r"\[[A-Z][A-Z ]{1,20}\]\W*$")
_BULLET = re.compile(r"^[-•*·]\s+\S")
_DASH_BULLET = re.compile(r"^[-•]\s+\S")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_CONTACT_WORDS = re.compile(r"\b(?:write to|e-?mail|reach(?:ed)?|contact|tips?|follow)\b", re.I)
_FOLLOW_SOCIAL = re.compile(
    r"^(?:follow|like|find)\s+(?:(?:him|her|them|us|me)\b|@\w+|[\w.'’& -]{1,60}?\s+on\s+(?:twitter|facebook|instagram|youtube|linkedin|google news|flipboard|threads|bluesky|tiktok))"
    r"|^follow (?:[\w'’]+ ){0,3}(?:full |complete |latest |live )?coverage\b"
    r"|\bfollow (?:him|her|them|us|me)\b[^.]*\b(?:twitter|facebook|instagram)\b[^.]*\.?$",
    re.I,
)
_SOCIAL_NETWORK = re.compile(
    r"\b(?:twitter|facebook|instagram|youtube|linkedin|tiktok|threads|bluesky|mastodon|telegram|whatsapp|google news|flipboard|social media|x\.com)\b", re.I
)
# "Like her ...", "Follow him ...": a prompt only with a network or a handle named (or very short).
_NEEDS_A_NETWORK = re.compile(r"^(?:like|find)\b|^follow\s+(?:him|her|them|us|me)\b", re.I)
_SOCIAL_HANDLE = re.compile(r"@\w+|\b(?:twitter|facebook|instagram)\.com/\w+", re.I)
# The labels of share buttons, each on its own line once the icons are gone.
_SHARE_LABEL = (
    r"(?:facebook|twitter|google\+|whatsapp|linkedin|pinterest|reddit|e-?mail|print|telegram|share|tweet|pin it|"
    r"messenger|flipboard|copy link|embed|voltar|back to top|compartilhe|compartir|condividi|teilen|partager|"
    # the bookmarking services of the 2000s
    r"digg(?: this| it)?|del\.icio\.us|delicious|stumbleupon|newsvine|technorati|mixx|fark|slashdot|myspace|yahoo!? buzz|"
    # share, follow, comment, save, print and copy-link buttons in Chinese, Japanese and Hindi
    # ("分享到：" share to, "分享让更多人看到" share so more people see it)
    r"分享让更多人看到|分享(?:到|至)?[:：]?|转发|关注|评论|收藏|点赞|打印|复制链接|シェア|ツイート|印刷|保存|リンクをコピー|शेयर|कॉपी लिंक)"
)
# One share button's label, or a bar of them on one line ("Digg | del.icio.us | Facebook | Reddit").
_SHARE_BUTTON = re.compile(rf"^(?:[-•]\s+)?{_SHARE_LABEL}(?:\s*[|•·,/]?\s*{_SHARE_LABEL})*$", re.I)
_NAME = r"[A-Z\u00C0-\u024F][\w.'’-]*"
_BYLINE = re.compile(
    r"^[-•]?\s*(?i:by|por|publicado por|posted by|von|par)\s*:?\s+"
    rf"(?P<name>{_NAME}(?:\s+(?:{_NAME}|and|&|de|da|do|dos|van|von|der|al|bin))*)\s*(?:[-|,].*)?$"
)
_URL_LIKE = re.compile(r"^(?:https?://|www\.)\S+$|^\S+\.\w{2,4}/\S*$", re.I)
_PROFILE_URL = re.compile(r"^(?:https?://)?(?:www\.)?(?:twitter|facebook|instagram|linkedin)\.com/[\w.]+/?$", re.I)
_LABELLED_LINK = re.compile(r"^[\w.' ]{1,25}:\s*(?:https?://|www\.)\S+(?:\s+and\s+(?:https?://|www\.)\S+)?$", re.I)
_COMMENT_MODERATION = re.compile(
    r"\b(?:comments?|comentários|comentarios|commenti|kommentare|commentaires)\b.*\bmodera|\bcomment(?:ing)? (?:policy|guidelines)\b|\bbefore (?:you can )?comment(?:ing)?\b", re.I
)
_REPRINTS = re.compile(
    r"^this copy is for your personal,? non-commercial use|^[-•]?\s*(?:order reprints|print article|reprints|gift (?:this )?article|save article)$"
    r"|^an error has occurred,? please try again|^this article has been sent to\b",
    re.I,
)
# The tool links of an article page, alone or several on one line ("Print this story | E-mail this
# story"): print, e-mail, send, save, share or bookmark this story, a printer-friendly version,
# the text size. The separators left between them on their own line ("|") go with them.
_TOOL_LABEL = (
    r"(?:(?:print|e-?mail|send|save|share|bookmark|recommend)\s+(?:this\s+)?(?:story|article|page|post)"
    r"|(?:e-?mail|send)\s+(?:this\s+)?(?:story\s+|article\s+)?to\s+a\s+friend|printer[- ]friendly(?:\s+(?:version|format|page))?"
    r"|print(?:able)?\s+version|(?:text|font)\s+size(?:\s*[-+:])*|[-+]?\s*(?:larger|smaller)\s+(?:text|font))"
)
_ARTICLE_TOOLS = re.compile(rf"^[|•·]?\s*{_TOOL_LABEL}(?:\s*[|•·/]?\s*{_TOOL_LABEL})*\s*[|•·]?$", re.I)
_SEPARATOR_ONLY = re.compile(r"^[|•·/]+$")
_COPYRIGHT = re.compile(r"^(?:copyright\b|©|\(c\)\s|ⓒ)|\ball rights reserved\b|무단전재", re.I)
_TAGS = re.compile(r"^[-•]?\s*(?:tags|tagged(?: with)?|filed under|topics|categories|keywords)\s*(?::|\||$)", re.I)
_SOURCE_LINE = re.compile(r"^source\s*:\s*\S", re.I)
_READING_TIME = re.compile(
    r"^(?:(?:tempo de leitura|reading time|read time|lesezeit|lesedauer|temps de lecture|tiempo de lectura|tempo di lettura|"
    r"leestijd|läsetid|lesetid|czas czytania)\s*:?\s*\d+\s*\w+"
    r"|\d+\s*(?:min|mins|minutes?)\s+read)\.?$",
    re.I,
)
_SHORTCODE = re.compile(r"^\[(\w+)\b[^\]]*\].*\[/\1\]$")
_ADVERTISEMENT = re.compile(
    r"^(?:advertisement|advertising|sponsored(?: content)?|story continues below(?: advertisement)?|ad|article content)$", re.I)
_COMMENT_WIDGET = re.compile(
    r"^(?:\d+\s+)?(?:new comments?|comments?|leave a (?:comment|reply)|post a comment|add a comment|"
    r"this will delete your current comment|comments?: no comments|\d+ comments?|tell us what you think|"
    r"join the (?:conversation|discussion)|show comments|view comments|"
    r"would you like to comment(?: on this (?:article|story|post))?|join [\w -]{0,40}conversations?\b.*)\W*$",
    re.I,
)
# "This is a breaking news story - more to follow": a notice about the page, not the story.
_DEVELOPING = re.compile(
    r"^(?:this is an? (?:breaking|developing) (?:news? )?story\b.*|this (?:story|article) is (?:developing|breaking)\b.*|"
    r"this (?:story|article) will be updated\b.*|more to follow|check back (?:later|soon) for (?:updates|more)\b.*)\W*$",
    re.I,
)
# The reader is told the rest is for subscribers (or that the subscription is in use elsewhere).
_PAYWALL = re.compile(
    r"\b(?:réservée? aux abonnés|reserved for (?:our )?subscribers|for subscribers only|subscribers? only|"
    r"subscribe (?:now )?to (?:continue|keep) reading|nur für abonnenten|exklusiv für abonnenten|solo para suscriptores|"
    r"exclusivo para suscriptores|riservato agli abbonati|tu suscripción se está usando)\b|この記事は(?:有料)?会員限定|有料会員(?:になる|限定)",
    re.I,
)
# An appeal for money or membership: "Did you like this article? Then support us with a donation".
_DONATION = re.compile(
    r"\b(?:support (?:us|our (?:work|journalism))|unterstützen sie uns|soutenez-nous|apóyanos|sostienici)\b.*\b(?:donat\w*|spende\w*|don|donación|member\w*|mitglied\w*|abonn\w*|subscri\w*)\b",
    re.I,
)
_ALL_CAPS_MIN_WORDS = 8  # shorter all-caps lines are often subheads ("HOW TO USE A WATER BATH CANNER")

# Date lines: a date or time and little else (labels, weekday, an author name).
_DATE_TOKEN = re.compile(
    # Chinese/Japanese and Korean dates and clock times ("2025年1月14日 01時28分", "2024년 4월 24일 08:31")
    r"(?:\d{2,4}年)?\d{1,2}月\d{1,2}日|\d{1,2}時\d{1,2}分|(?:\d{4}년\s*)?\d{1,2}월\s*\d{1,2}일|(?<!\d)\d{1,2}:\d{2}(?!\d)|"
    r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b|\b\d{1,2}:\d{2}\b|\b\d{1,2}\s*(?:a\.?m\.?|p\.?m\.?)(?!\w)"
    r"|\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|"
    r"nov(?:ember)?|dec(?:ember)?|janeiro|fevereiro|março|abril|maio|junho|julho|agosto|setembro|outubro|novembro|"
    r"dezembro|enero|febrero|marzo|mayo|junio|julio|septiembre|octubre|noviembre|diciembre|janvier|février|mars|avril|"
    r"mai|juin|juillet|août|septembre|octobre|décembre|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|"
    r"ottobre|dicembre|januar|februar|märz|juni|juli|oktober|dezember)\b\.?\s+\d{1,2}\b"
    r"|\b\d{1,2}\.?\s+(?:de\s+)?(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|janeiro|fevereiro|março|abril|maio|junho|julho|agosto|"
    r"setembro|outubro|novembro|dezembro|enero|febrero|marzo|mayo|junio|julio|septiembre|octubre|noviembre|diciembre|"
    r"janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|décembre|gennaio|febbraio|aprile|maggio|"
    r"giugno|luglio|settembre|ottobre|dicembre|januar|februar|märz|juni|juli|oktober|dezember)\b",
    re.I,
)
# A publication label alone, its date gone to another line or element.
_BARE_DATE_LABEL = re.compile(
    r"^(?:updated(?: on| at)?|published(?: on| at)?|posted(?: on| at)?|last (?:updated|modified)(?: on)?|first published(?: on)?|"
    r"aktualisiert(?: am)?|veröffentlicht(?: am)?|erschienen am|stand|mis à jour(?: le)?|publié(?: le)?|actualizado(?: el)?|"
    r"publicado(?: el| em)?|atualizado(?: em)?|aggiornato(?: il)?|pubblicato(?: il)?|bijgewerkt(?: op)?|gepubliceerd(?: op)?|"
    r"opublikowano|zaktualizowano|publicerad|uppdaterad|oppdatert|publisert|opdateret)\s*:?$",
    re.I,
)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_CJK_SENTENCE = re.compile(r"[。，、！？]")
_DATE_FILLER = re.compile(
    r"\b(?:updated|published|posted|last|first|modified|date|on|at|am|pm|a\.m|p\.m|de|às|um|by|the|"
    r"[a-z]{1,3}t|utc|gmt|today|yesterday|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday|segunda|terça|quarta|quinta|sexta|sábado|domingo|feira|lunes|martes|miércoles|"
    r"jueves|viernes|lunedì|martedì|mercoledì|giovedì|venerdì|sabato|montag|dienstag|mittwoch|donnerstag|freitag|"
    r"samstag|sonntag|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\b|[^\W\d_]*입력|[^\W\d_]*수정",
    re.I,
)
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)|\b\d{1,2}[./-]\d{1,2}[./-]\d{2}\b")
_WEEKDAY = re.compile(
    r"\b(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)\.|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"segunda|terça|quarta|quinta|sexta|sábado|domingo|lunes|martes|miércoles|jueves|viernes|montag|dienstag|mittwoch|"
    r"donnerstag|freitag|samstag|sonntag|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\b",
    re.I,
)
_NUMERIC_DATE = re.compile(r"(?<![\d.])\d{1,4}[./-]\d{1,2}[./-]\d{1,4}(?![\d])")
_NUMBER_CHAIN = re.compile(r"\d+(?:[-–]\d+){3,}|\d+(?:\.\d+){3,}")
_FIELD_LABEL = re.compile(r"^\W*([^\W\d_][\w ]{0,20}?)\s*:\s")
# A calendar day: a numeric date, or a day number next to a month's name.
_CALENDAR_DAY = re.compile(
    _NUMERIC_DATE.pattern + r"|\d{1,2}(?:st|nd|rd|th)?\.?\s+(?:de\s+)?[^\W\d_]{3,}|[^\W\d_]{3,}\.?\s+\d{1,2}\b"
    r"|\d{4}年\d{1,2}月\d{1,2}日|\d{4}년\s*\d{1,2}월\s*\d{1,2}일"
)
_DATE_LABEL = re.compile(r"^\W*(?:updated|published|posted|last (?:updated|modified)|first published|기사입력|입력|수정)\b", re.I)


def _is_photo_credit(line: Line) -> bool:
    return bool(_PHOTO_CREDIT.match(line.stripped))


def _is_marked_caption(line: Line) -> bool:
    return bool(_CAPTION_MARK.search(line.stripped))


def _neighbours(lines: list[Line], i: int) -> tuple[Line | None, Line | None]:
    """Nearest non-blank lines before and after line i."""
    before = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].stripped), None)
    after = next((lines[j] for j in range(i + 1, len(lines)) if lines[j].stripped), None)
    return before, after


def _caption_next_to_credit(lines: list[Line], i: int) -> bool:
    """A short headline-like line sitting right against a photo credit line."""
    line = lines[i]
    if not line.stripped or line.words > 20 or line.stripped[-1] in ".!?\"”,;:–-" or not line.stripped[0].isupper():
        return False  # a caption starts a line of its own and does not break off mid-sentence
    before, after = _neighbours(lines, i)
    credit = next((n for n in (before, after) if n is not None and _is_photo_credit(n) and abs(n.index - i) == 1), None)
    if credit is None:
        return False
    # the text around the pair carries on in lower case: the line is the start of a sentence the credit interrupted
    around = [n for n in _neighbours(lines, max(i, credit.index)) if n is not None and n.index > max(i, credit.index)]
    return not (around and around[0].stripped[:1].islower())


def _standalone(lines: list[Line], i: int) -> bool:
    """Line i is a paragraph of its own: blank lines (or the text edge) on both sides."""
    prev_blank = i == 0 or not lines[i - 1].stripped
    next_blank = i == len(lines) - 1 or not lines[i + 1].stripped
    return prev_blank and next_blank


def _unmarked_wire_caption(lines: list[Line], i: int) -> bool:
    """A wire-photo caption with no marker: needs three pieces of evidence, not one.

    It describes a scene in the present tense, ends with a place and a date, stands alone
    between paragraphs, and carries no quotation or attribution that a news sentence would.
    """
    text = lines[i].stripped
    if not (8 <= lines[i].words <= 60) or not _standalone(lines, i):
        return False
    if any(q in text for q in ('"', "“", "”", " said", " says")):
        return False
    if not _TRAILING_DATE.search(text):
        return False
    head = " ".join(text.split()[:10])
    return bool(_PRESENT_SCENE_VERB.search(head))


def _article_tools(lines: list[Line], i: int) -> bool:
    """A line of the page's tool links ("Print this story | E-mail this story"), or a bare separator
    ("|") next to one."""
    if lines[i].words <= 16 and _ARTICLE_TOOLS.match(lines[i].stripped):
        return True
    return bool(_SEPARATOR_ONLY.match(lines[i].stripped)) and any(
        0 <= j < len(lines) and _ARTICLE_TOOLS.match(lines[j].stripped) for j in (i - 1, i + 1)
    )


def _duplicate_of_previous(lines: list[Line], i: int) -> bool:
    """The same line printed twice in a row (typically a caption)."""
    before, _ = _neighbours(lines, i)
    return before is not None and bool(lines[i].stripped) and before.stripped == lines[i].stripped and lines[i].words <= 40


def _alternate_address(lines: list[Line], i: int) -> bool:
    """An 'also accessed at the following alternate addresses' notice and its address lines."""
    text = lines[i].stripped
    if re.search(r"can (?:also )?be accessed at the following alternate address", text, re.I):
        return True
    if _DOMAIN_LINE.match(text):
        before, _ = _neighbours(lines, i)
        return before is not None and (_DOMAIN_LINE.match(before.stripped) is not None or "alternate address" in before.stripped)
    return False


def _newsletter_prompt(lines: list[Line], i: int) -> bool:
    """An invitation to subscribe or sign up: a short line, no quotation or attribution."""
    line = lines[i]
    return line.words <= 40 and bool(_NEWSLETTER.search(line.stripped)) and not _QUOTED_OR_SAID.search(line.stripped)


def _click_here_promo(lines: list[Line], i: int) -> bool:
    line = lines[i]
    return line.words <= 30 and bool(_CLICK_HERE.search(line.stripped)) and not _QUOTED_OR_SAID.search(line.stripped)


def _all_caps_teaser(lines: list[Line], i: int) -> bool:
    """A long line in capitals: a promoted link to another story, not a subhead."""
    text = lines[i].stripped
    if lines[i].words < _ALL_CAPS_MIN_WORDS or lines[i].words > 30 or "|" in text or text.endswith("?"):
        return False
    letters = sum(map(str.isalpha, text))
    return letters >= 20 and sum(map(str.isupper, text)) >= 0.9 * letters


def _contact_line(lines: list[Line], i: int) -> bool:
    """How to reach or follow the author or outlet: an e-mail address or a social handle."""
    line = lines[i]
    text = line.stripped
    if line.words > 80:
        return False
    if _FOLLOW_SOCIAL.match(text) and (
        not _NEEDS_A_NETWORK.match(text) or _SOCIAL_NETWORK.search(text) or _SOCIAL_HANDLE.search(text) or line.words <= 8
    ):
        return True  # "Follow @Deals on Twitter ...", often with disclaimers glued on; not "Like her father, ..."
    if line.words > 45:
        return False
    if _FOLLOW_SOCIAL.search(text) and _SOCIAL_HANDLE.search(text):
        return True  # an author bio ending "Follow him on Twitter @name."
    if _QUOTED_OR_SAID.search(text):
        return False
    if _EMAIL.search(text):
        return line.words == 1 or bool(_CONTACT_WORDS.search(text))
    return bool(_SOCIAL_HANDLE.search(text)) and bool(re.match(r"^(?:reach|contact|email|e-mail|write to)\b", text, re.I))


SHARE_RULE = _regex_rule(
    "share_prompt", "share",
    r"^(?:share this(?: article| story| post)?|share on (?:facebook|twitter|whatsapp)|follow us on \w+|"
    r"subscribe to our newsletter|sign up for our newsletter|click here to subscribe|share|tweet|email|print|"
    r"(?:like|enjoy)(?:d)? this (?:story|article)\?.*share.*)\W*$",
    re.I, max_words=12,
)

LINE_RULES: list[LineRule] = [
    LineRule("timestamp_line", "timestamp", lambda ls, i: bool(_TIMESTAMP_LINE.match(ls[i].stripped))),
    LineRule("metadata_bar", "metadata_bar", lambda ls, i: bool(_METADATA_BAR.match(ls[i].stripped))),
    _regex_rule("breadcrumb", "breadcrumb", r"^[\w&' -]{1,30}(?:\s+[/>»›]\s+[\w&' -]{1,30})+$", max_words=8),
    LineRule("photo_credit", "credit", lambda ls, i: ls[i].words <= 10 and _is_photo_credit(ls[i])),
    LineRule("marked_caption", "caption", lambda ls, i: ls[i].words <= 80 and _is_marked_caption(ls[i])),
    LineRule("caption_next_to_credit", "caption", _caption_next_to_credit),
    LineRule("unmarked_wire_caption", "caption", _unmarked_wire_caption),
    LineRule("repeated_line", "duplicate", _duplicate_of_previous),
    SHARE_RULE,
    LineRule("alternate_address", "alternate_address", _alternate_address),
    LineRule("comment_widget", "comment_widget", lambda ls, i: ls[i].words <= 16 and bool(_COMMENT_WIDGET.match(ls[i].stripped))),
    _regex_rule("contributed_credit", "credit", r"^[-–—•]?\s*[\w.,'’ &-]{2,200} contributed (?:to )?(?:this|the) (?:report|story|article)\.?$|^[\w.,'’ &-]{2,120} contributed reporting\b.{0,80}\.$", max_words=40),
    _regex_rule("reporting_credit", "credit", r"^[-–—•\s]*\(?(?:Reporting|Writing|Editing|Additional reporting|Compiled) (?:by|from)\b.*\)?$",
                re.I, max_words=40),
    LineRule("agency_credit", "credit", lambda ls, i: ls[i].words <= 10 and _agency_credit(ls[i].stripped)),
    LineRule("chinese_editor_credit", "credit", lambda ls, i: len(ls[i].stripped) <= 60 and bool(_CHINESE_EDITOR.match(ls[i].stripped))),
    LineRule("signature", "signature", lambda ls, i: ls[i].words <= 8 and bool(_SIGNATURE.match(ls[i].stripped))),
    LineRule("newsletter_prompt", "newsletter", _newsletter_prompt),
    LineRule("click_here_promo", "advertisement", _click_here_promo),
    LineRule("all_caps_teaser", "related", _all_caps_teaser),
    _regex_rule("membership_appeal", "advertisement", r"^if you (?:enjoyed|liked|value|appreciate(?:d)?) (?:this|our|reading)\b.*\b(?:join|subscribe|support|donate|become a member)\b", re.I, max_words=60),
    _regex_rule("related_link", "related", _RELATED_PREFIX.pattern, re.I, max_words=30),
    LineRule("teaser_header", "related", lambda ls, i: ls[i].words <= 8 and bool(_TEASER_HEADER.match(ls[i].stripped))),
    LineRule("contact_line", "contact", _contact_line),
    LineRule("profile_link", "link", lambda ls, i: ls[i].words == 1 and bool(_PROFILE_URL.match(ls[i].stripped))),
    LineRule("labelled_link", "link", lambda ls, i: ls[i].words <= 8 and bool(_LABELLED_LINK.match(ls[i].stripped))),
    LineRule("comment_moderation", "comment_widget", lambda ls, i: ls[i].words <= 40 and bool(_COMMENT_MODERATION.search(ls[i].stripped))),
    LineRule("reprints_notice", "footer", lambda ls, i: ls[i].words <= 60 and bool(_REPRINTS.search(ls[i].stripped))),
    LineRule("share_button", "share", lambda ls, i: ls[i].words <= 16 and bool(_SHARE_BUTTON.match(ls[i].stripped))),
    LineRule("article_tools", "share", _article_tools),
    LineRule("byline", "byline", lambda ls, i: ls[i].words <= 12 and bool(_BYLINE.match(ls[i].stripped))),
    LineRule("copyright", "footer", lambda ls, i: ls[i].words <= 40 and bool(_COPYRIGHT.search(ls[i].stripped))),
    LineRule("tags", "tags", lambda ls, i: ls[i].words <= 60 and bool(_TAGS.match(ls[i].stripped))),
    LineRule("source_line", "credit", lambda ls, i: ls[i].words <= 8 and bool(_SOURCE_LINE.match(ls[i].stripped))),
    LineRule("reading_time", "metadata_bar", lambda ls, i: ls[i].words <= 8 and bool(_READING_TIME.match(ls[i].stripped))),
    LineRule("shortcode_markup", "markup", lambda ls, i: bool(_SHORTCODE.match(ls[i].stripped))),
    LineRule("advertisement", "advertisement", lambda ls, i: ls[i].words <= 4 and bool(_ADVERTISEMENT.match(ls[i].stripped))),
    _regex_rule("developing_notice", "notice", _DEVELOPING.pattern, re.I, max_words=20),
    # a video player's label: what follows is the article again, so it opens no teaser list
    _regex_rule("video_label", "related", r"^(?:recommended|related|more|latest|featured) videos?\W*$", re.I, max_words=3),
    LineRule("paywall_notice", "advertisement", lambda ls, i: ls[i].words <= 45 and bool(_PAYWALL.search(ls[i].stripped)) and not _QUOTED_OR_SAID.search(ls[i].stripped)),
    LineRule("donation_appeal", "advertisement", lambda ls, i: ls[i].words <= 60 and bool(_DONATION.search(ls[i].stripped)) and not _QUOTED_OR_SAID.search(ls[i].stripped)),
]

# Partial-line rules: boilerplate glued onto an article sentence ("...continuum.Click To Tweet").
INLINE_RULES: list[tuple[str, str, re.Pattern[str]]] = [
    ("click_to_tweet", "share", re.compile(r"(?<=\S)[ \t]*Click To Tweet[ \t]*$", re.I | re.M)),
]


def is_date_line(text: str) -> bool:
    """A line that is only a date or time, with at most a label, weekday and a short name."""
    words = text.split()
    if not words or len(words) > 14 or len(text) > 100 or "@" in text or text.startswith(("—", "–")):
        return False
    if not _DATE_TOKEN.search(text) or len(_YEAR.findall(text)) > 1:
        return False  # two years: a date range ("29 November 2018 | 20 January 2019") is content
    if _NUMBER_CHAIN.search(text) or any(not _calendar_date(m.group(0)) for m in _NUMERIC_DATE.finditer(text)):
        return False  # figures, scores or codes ("2-0-20-0", "3-0-1"), not a date
    label = _FIELD_LABEL.match(text)
    if label and not _DATE_LABEL.match(text):
        return False  # a field of an event listing ("When: 8 p.m., Saturday"), not the page's stamp
    if not (_CALENDAR_DAY.search(text) or _DATE_LABEL.match(text)):
        return False  # a time and a weekday alone ("8 p.m. Saturday") are a schedule, not a stamp
    if not (_YEAR.search(text) or _DATE_LABEL.match(text) or _WEEKDAY.search(text)):
        return False  # "10 p.m." or "10 de março" alone are subheads or schedule rows
    rest = _DATE_TOKEN.sub(" ", text)
    rest = _DATE_FILLER.sub(" ", rest)
    leftover = [w for w in re.findall(r"[^\W\d_]+", rest)]
    # scripts written without spaces: a label ("更新", "기사입력") at most, never a sentence
    cjk = sum(len(_CJK.findall(w)) for w in leftover)
    return len(leftover) <= 3 and cjk <= 4 and not _CJK_SENTENCE.search(text)


def _calendar_date(token: str) -> bool:
    """A numeric token that reads as a date in some order: Y-M-D, D-M-Y or M-D-Y, a 2- or 4-digit year."""
    parts = re.split(r"[./-]", token)
    if len(parts) != 3:
        return False
    for y, m, d in ((0, 1, 2), (2, 1, 0), (2, 0, 1)):
        if len(parts[y]) in (2, 4) and 1 <= int(parts[m]) <= 12 and 1 <= int(parts[d]) <= 31:
            return True
    return False


def _is_teaser_item(line: Line, loose: bool) -> bool:
    """A line in a list of links to other stories."""
    text = line.stripped
    if _BULLET.match(text):
        return line.words <= 40
    if _TEASER_TAG.search(text):
        return True
    if not loose:
        return False
    return line.words <= 16 and len(text) <= 140 and text[-1] not in ".:;\"”»"


def _tail_after(trigger: str, lines: list[Line], removed: dict[int, str], furniture: Callable[[Line], bool]) -> list[int]:
    """The lines after the last line `trigger` removed, when every one of them is `furniture`."""
    marks = [i for i, rule in removed.items() if rule == trigger]
    if not marks:
        return []
    tail = [ln for ln in lines[max(marks) + 1 :] if ln.stripped and ln.index not in removed]
    return [ln.index for ln in tail] if all(furniture(ln) for ln in tail) else []


def _tail_after_share(lines: list[Line], removed: dict[int, str]) -> list[int]:
    """Short non-sentence lines that trail a share prompt at the very end of the text."""
    return _tail_after("share_prompt", lines, removed, lambda ln: ln.words <= 6 and ln.stripped[-1] not in ".!?\"”")


# A link's label in any script: a few words, or a few characters where words are not spaced.
TAIL_LINK_WORDS = 6
TAIL_LINK_CHARS = 24


def _tail_after_paywall(lines: list[Line], removed: dict[int, str]) -> list[int]:
    """The links that trail a paywall notice at the end of a text ("Log in", "Choose a plan", the
    site's footer): the article stops at the notice, so when every line after the last one is a
    link's label (short, whatever it ends with), they go."""
    return _tail_after("paywall_notice", lines, removed,
                       lambda ln: ln.words <= TAIL_LINK_WORDS or len(ln.stripped) <= TAIL_LINK_CHARS)


# The signature over or under a reader's comment: "Posted by: joe123 | March 3, 2008 3:15 PM",
# "Submitted by Mary on 3/3/08", "joe123 wrote on March 3, 2008:", "Mary says: 3 March 2008 at 16:20".
_COMMENT_SIGNATURE = re.compile(
    r"^(?:(?:posted|submitted|written|added|comment)(?: by)?\s*:?\s+\S.{0,60}|[\w.' -]{2,40}\s+(?:wrote|says|said)(?: on)?\s*:?.{0,40})$",
    re.I,
)
MIN_COMMENT_SIGNATURES = 2


def _trailing_comments(lines: list[Line], removed: dict[int, str]) -> list[int]:
    """Readers' comments that extraction kept: from a comment header in the second half of the text
    to the end, when at least two comment signatures with a date follow it."""
    headers = [i for i, rule in removed.items() if rule == "comment_widget" and i >= len(lines) // 2]
    for header in sorted(headers):
        after = [ln for ln in lines[header + 1 :] if ln.stripped]
        # other rules may have taken a signature already (a date line, a byline): it still counts
        signed = [ln for ln in after if ln.words <= 20 and _COMMENT_SIGNATURE.match(ln.stripped) and _DATE_TOKEN.search(ln.stripped)]
        if len(signed) >= MIN_COMMENT_SIGNATURES:
            return [ln.index for ln in after]
    return []


def _tag_list(lines: list[Line], header: int, removed: dict[int, str]) -> list[Line]:
    """The tags under a bare "Tags" header: one comma-separated line, or one short tag per line."""
    after = [ln for ln in lines[header + 1 : header + 1 + MAX_TEASER_ITEMS] if ln.stripped]
    if not after or after[0].index in removed:
        return []
    if after[0].stripped.count(",") >= 2 and after[0].stripped[-1] != ".":
        return after[:1]
    tags: list[Line] = []
    for line in after:
        if line.index in removed or line.words > 3 or line.stripped[-1] in ".!?:;\"”":
            break
        tags.append(line)
    return tags


def _trailing_teaser_list(lines: list[Line], removed: dict[int, str]) -> list[int]:
    """Bullet links to other stories closing the text, not introduced as a list (no colon)."""
    kept = [ln for ln in lines if ln.stripped and ln.index not in removed]
    items: list[Line] = []
    while kept and _DASH_BULLET.match(kept[-1].stripped):
        items.append(kept.pop())
    if len(items) < 2 or not kept or kept[-1].stripped[-1] in ":：":
        return []
    # headline-shaped items: a few words, no closing period (not "- 61 votes", not footnotes)
    if any(not 3 <= ln.words <= 20 or ln.stripped[-1] in ".;" for ln in items):
        return []
    return [ln.index for ln in items]


def _navigation_runs(lines: list[Line], removed: set[int]) -> list[int]:
    """Indexes of lines in long runs of short menu labels (no sentence punctuation, no bullets)."""
    out: list[int] = []
    run: list[int] = []
    for line in lines + [Line.of(len(lines), 0, 0, "End of text.")]:
        text = line.stripped
        if not text:
            continue
        label = (
            line.index not in removed and line.words <= NAVIGATION_LABEL_WORDS and len(text) <= 50
            and text[-1] not in ".!?:;,\"”" and not _BULLET.match(text)
        )
        if label and text[0].isdigit() and any(c.isalpha() for c in text):
            continue  # neither a menu label nor a break: a list of quantities ("2 cups flour") is content
        if label:
            run.append(line.index)
            continue
        if len(run) >= MIN_NAVIGATION_RUN:
            out.extend(run)
        run = []
    return out


def _title_variants(title: str) -> list[str]:
    """The title and its parts around site separators ("Story | Site", "Opinion | Story")."""
    parts = [p for p in re.split(r"\s+[|–—-]\s+|\s*\|\s*", title) if len(normalise(p)) >= 12]
    return [normalise(v) for v in [title, *parts] if normalise(v)]


def _title_parts(title: str) -> list[str]:
    """The parts of a <title> around its separators, a colon after the site's name included
    ("Valley Herald: Flood waters rise"), normalised."""
    parts = [normalise(p) for p in re.split(r"\s+[|–—-]\s+|\s*\|\s*|:\s+", title)]
    return [p for p in parts if len(p) >= 12 and p != normalise(title)]


def matches_title(text: str, title: str, fuzzy: bool) -> bool:
    """The line repeats the headline: the same words, a part of it, or (fuzzy) mostly its words."""
    line = normalise(text)
    if not line or _URL_LIKE.match(text.strip()):
        return False
    full = normalise(title)
    for variant in _title_variants(title):
        if line == variant:
            return True
        if len(line) >= 12 and line in full and len(line.split()) >= 2:
            return True
        if len(variant) >= 20 and variant in line and len(line) <= 1.5 * len(variant):
            return True
    if not fuzzy or re.search(r"[.!?]\s|[.!]$", text.strip()):
        return False  # a sentence, not a headline
    a, b = set(line.split()), set(full.split())
    shared = len(a & b)
    return shared >= 4 and shared >= 0.6 * min(len(a), len(b)) and len(a) <= 40


@dataclass(frozen=True, slots=True)
class Outlet:
    """An outlet's signatures in text and its date conventions."""

    outlet: str
    signatures: tuple[str, ...]
    date_order: str | None
    timezone: str | None


@lru_cache(maxsize=1)
def load_outlets(path: Path = OUTLETS_FILE) -> tuple[Outlet, ...]:
    """The outlet table from gazetteer/outlets.json, read once per process."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return tuple(
        Outlet(o["outlet"], tuple(o["signatures"]), o.get("date_order"), o.get("timezone")) for o in data["outlets"]
    )


def find_outlet(text: str, outlet_hint: str | None = None) -> Outlet | None:
    """The known outlet whose name matches the hint, or whose signature appears in the text."""
    outlets = load_outlets()
    if outlet_hint:
        for o in outlets:
            if o.outlet.lower() == outlet_hint.lower():
                return o
    if not text:
        return None
    for o in outlets:
        if any(sig in text for sig in o.signatures):
            return o
    return None


SENTENCE_CASE_HEADLINE_WORDS = 14  # a headline in sentence case is short ("Cypriot banks in politician loan scandal")


def looks_like_headline(line: Line) -> bool:
    """A title line: short, no sentence-final punctuation, not a dateline or a quotation; in title
    case, or in sentence case when short. A quoted word may end it ('... attacks EU "hypocrisy"')."""
    text = line.stripped
    if not text or line.words < 2 or line.words > 25 or len(text) > 200:
        return False
    if text.startswith(("“", '"', "(", "'", "‘")) or text.rstrip("\"”’'")[-1:] in (".", ",", ";", ":", "") or text[-1] in ",;:":
        return False
    if not (text[0].isupper() or text[0].isdigit()):
        return False
    return sum(1 for w in text.split() if w[:1].isupper()) >= 2 or line.words <= SENTENCE_CASE_HEADLINE_WORDS


def _whitespace_spans(raw: str, removed: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Raw-text spans of whitespace to drop so that the kept text has tidy paragraphs.

    Leading/trailing whitespace goes, trailing spaces on lines go, and any run of blank
    lines collapses to a single blank line. Computed over the kept text, mapped back to raw.
    """
    pieces: list[tuple[int, int]] = []  # kept raw intervals
    pos = 0
    for start, end in removed:
        if start > pos:
            pieces.append((pos, start))
        pos = max(pos, end)
    if pos < len(raw):
        pieces.append((pos, len(raw)))
    kept = "".join(raw[s:e] for s, e in pieces)
    offsets: list[tuple[int, int, int]] = []  # (kept_start, raw_start, length)
    k = 0
    for s, e in pieces:
        offsets.append((k, s, e - s))
        k += e - s

    drop: list[tuple[int, int]] = []
    lead = len(kept) - len(kept.lstrip())
    if lead:
        drop.append((0, lead))
    tail = len(kept.rstrip())
    if tail < len(kept) and tail >= lead:
        drop.append((tail, len(kept)))
    for m in re.finditer(r"[ \t\r\f\v]+(?=\n)", kept):
        drop.append((m.start(), m.end()))
    for m in re.finditer(r"\n(?:[ \t\r\f\v]*\n){2,}", kept):
        # keep "\n\n" (one blank line): drop what lies between the first and the last newline
        inner_start = m.start() + 1
        last_nl = m.end() - 1
        drop.append((inner_start, last_nl))
    raw_spans: list[tuple[int, int]] = []
    for ks, ke in drop:
        for k0, r0, length in offsets:
            lo, hi = max(ks, k0), min(ke, k0 + length)
            if lo < hi:
                raw_spans.append((r0 + lo - k0, r0 + hi - k0))
    return raw_spans


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def rebuild_raw_text(body: str, spans: list[BoilerplateSpan]) -> str:
    """Put removed spans back into the body: the inverse of cleaning, proving nothing is lost."""
    out: list[str] = []
    body_pos = raw_pos = 0
    for span in sorted(spans, key=lambda s: s.start_char):
        gap = span.start_char - raw_pos
        out.append(body[body_pos : body_pos + gap])
        body_pos += gap
        out.append(span.text)
        raw_pos = span.end_char
    out.append(body[body_pos:])
    return "".join(out)


Span = tuple[int, int, str, str]  # start, end, kind, rule


# Rules whose line may open a list of links: a teaser header takes short lines after it,
# the others only bullet lines ("Join our newsletter" above "- Story one", "- Story two").
_OPENS_A_LIST = ("teaser_header", "related_link", "newsletter_prompt", "click_here_promo", "membership_appeal")


def _line_spans(lines: list[Line]) -> tuple[list[Span], dict[int, str]]:
    """Whole-line rules, then the blocks they open (teaser lists) and navigation runs."""
    spans: list[Span] = []
    removed: dict[int, str] = {}  # line index -> rule
    for i, line in enumerate(lines):
        if not line.stripped:
            continue
        for rule in LINE_RULES:
            if rule.matches(lines, i):
                spans.append((line.start, line.end, rule.kind, rule.name))
                removed[i] = rule.name
                break
    # A teaser header opens a list of links; a "Related: ..." link may be followed by bullets.
    for i, rule_name in sorted(removed.items()):
        if rule_name not in _OPENS_A_LIST:
            continue
        taken = 0
        for j in range(i + 1, len(lines)):
            line = lines[j]
            if not line.stripped or j in removed:
                if j in removed and removed[j] not in (*_OPENS_A_LIST, "teaser_item"):
                    break
                continue
            if taken >= MAX_TEASER_ITEMS or not _is_teaser_item(line, loose=rule_name == "teaser_header"):
                break
            spans.append((line.start, line.end, "related", "teaser_item"))
            removed[j] = "teaser_item"
            taken += 1
    for i, rule_name in sorted(removed.items()):
        # a bare "Tags" header: the comma-separated list under it goes too
        if rule_name == "tags" and lines[i].words <= 3:
            for line in _tag_list(lines, i, removed):
                spans.append((line.start, line.end, "tags", "tag_list"))
                removed[line.index] = "tag_list"
    for j in _trailing_teaser_list(lines, removed):
        spans.append((lines[j].start, lines[j].end, "related", "trailing_teaser_list"))
        removed[j] = "trailing_teaser_list"
    if comments := _trailing_comments(lines, removed):
        # a commenter's signature is neither the article's byline nor its date: the whole tail is comments
        starts = {lines[j].start for j in comments}
        spans = [span for span in spans if span[0] not in starts]
        for j in comments:
            spans.append((lines[j].start, lines[j].end, "comment_widget", "trailing_comments"))
            removed[j] = "trailing_comments"
    for j in _tail_after_share(lines, removed):
        spans.append((lines[j].start, lines[j].end, "share", "tail_after_share"))
        removed[j] = "tail_after_share"
    for j in _tail_after_paywall(lines, removed):
        spans.append((lines[j].start, lines[j].end, "navigation", "tail_after_paywall"))
        removed[j] = "tail_after_paywall"
    for j in _navigation_runs(lines, set(removed)):
        spans.append((lines[j].start, lines[j].end, "navigation", "navigation_run"))
        removed[j] = "navigation_run"
    return spans, removed


def _edge_date_lines(lines: list[Line], removed: dict[int, str]) -> list[Span]:
    """Date lines near the top or bottom (or labelled "Updated"/"Published" anywhere)."""
    kept = [ln for ln in lines if ln.stripped and ln.index not in removed]
    spans: list[Span] = []
    for rank, line in enumerate(kept):
        near_edge = rank < EDGE_LINES or rank >= len(kept) - EDGE_LINES
        text = line.stripped.lstrip("-•* ")
        if (near_edge or _DATE_LABEL.match(text)) and is_date_line(text):
            spans.append((line.start, line.end, "timestamp", "date_line"))
            removed[line.index] = "date_line"
        elif near_edge and _BARE_DATE_LABEL.match(text):
            # the label of a date the layout set apart ("Aktualisiert am" over an emptied date field)
            spans.append((line.start, line.end, "timestamp", "date_label"))
            removed[line.index] = "date_label"
        elif near_edge and byline_bar_date(text) is not None:
            spans.append((line.start, line.end, "metadata_bar", "byline_bar"))
            removed[line.index] = "byline_bar"
    return spans


_BAR_SEPARATOR = re.compile(r"\s+[|·•]\s+")
_NAME_WORD = re.compile(r"^[^\W\d_][\w'’.-]*$")
_PARTICLES = frozenset({"de", "da", "del", "do", "dos", "di", "du", "van", "von", "der", "den", "la", "le", "al", "el", "y", "e"})


def byline_bar_date(text: str) -> str | None:
    """The date of a byline bar, "Patricio Candia | Palma de Mallorca | 08/01/2014": two to four
    parts split by "|" or "·", one of them a date line and the others short names (the author's,
    a place, the desk: up to four words, the first capitalised, no digits or sentence punctuation).
    None for any other line."""
    parts = _BAR_SEPARATOR.split(text)
    if not 2 <= len(parts) <= 4:
        return None
    dates = [p for p in parts if is_date_line(p)]
    if len(dates) != 1:
        return None
    for part in parts:
        if part is dates[0]:
            continue
        words = part.split()
        if not 1 <= len(words) <= 4 or not words[0][:1].isupper() or not all((_NAME_WORD.match(w) and not w.islower()) or w in _PARTICLES for w in words):
            return None
    return dates[0]


def _header_spans(article: Article, lines: list[Line], removed: dict[int, str]) -> tuple[list[Span], str | None]:
    """The headline repeated at the top and the labels above it.

    For text without a title, the first line becomes the title when it has a headline's shape.
    """
    title = article.title
    kept = [ln for ln in lines if ln.stripped and ln.index not in removed]
    spans: list[Span] = []
    if not kept:
        return spans, title
    if not title:
        first = kept[0]
        if article.media_type == "text/plain" and len(kept) > 1 and looks_like_headline(first):
            spans.append((first.start, first.end, "title", "first_line_headline"))
            removed[first.index] = "first_line_headline"
            return spans, first.stripped
        return spans, title
    head = None
    # a <title> that is "Headline - Site" (or "Site | Headline"): the part the text sets as its headline
    parts = _title_parts(title) if article.metadata_sources.get("title") == "html-title" else []
    for rank, line in enumerate(kept[:HEADER_LINES]):
        # beyond the first lines only an exact repeat counts (menus may survive above it)
        if matches_title(line.stripped, title, fuzzy=rank == 0) if rank < 4 else normalise(line.stripped) in (normalise(title), *parts):
            head = rank
            break
    if head is None:
        return spans, title
    # a section label or kicker above the headline ("Review", "immunology"); a date line there is
    # left to the date rule
    above = [line for line in kept[:head] if not is_date_line(line.stripped.lstrip("-•* "))]
    if any(line.words > 6 for line in above):
        return spans, title
    if normalise(kept[head].stripped) in parts:
        title = kept[head].stripped
    for line in above:
        spans.append((line.start, line.end, "breadcrumb", "kicker"))
        removed[line.index] = "kicker"
    line = kept[head]
    spans.append((line.start, line.end, "title", "repeated_headline"))
    removed[line.index] = "repeated_headline"
    # The standfirst (summary) under the headline stays in the body: publishers count it as part
    # of the article. Removing it cost fundus-dev 0.0004 F1 (6 pages hurt, 1 helped) for 0.0001 on
    # scrapinghub (`python -m benchmarks.extraction`, issue 12).
    return spans, title


def _self_links(article: Article, lines: list[Line], removed: dict[int, str]) -> list[Span]:
    """The page's own address printed as a line (a share widget's residue)."""
    if not article.url:
        return []
    own = _bare_url(article.url)
    spans: list[Span] = []
    for line in lines:
        text = line.stripped
        if text and line.index not in removed and " " not in text and _bare_url(text) == own:
            spans.append((line.start, line.end, "link", "self_link"))
            removed[line.index] = "self_link"
    return spans


def _bare_url(url: str) -> str:
    return re.sub(r"^https?://(?:www\.)?|[?#].*$|/$", "", url.strip()).lower()


def _inline_spans(raw: str, lines: list[Line], removed: dict[int, str]) -> list[Span]:
    """Partial-line rules, run over the whole text at once; matches in removed lines are dropped."""
    spans: list[Span] = []
    starts = [ln.start for ln in lines]
    for name, kind, pattern in INLINE_RULES:
        for m in pattern.finditer(raw):
            line = lines[bisect.bisect_right(starts, m.start()) - 1]
            if line.index not in removed:
                spans.append((m.start(), m.end(), kind, name))
    return spans


_AUTHOR_LINES = {"signature": _SIGNATURE, "byline": _BYLINE}


def _bare_byline(top: list[Line], author: str) -> Line | None:
    """A line at the top or the foot of the text that is the author's names and nothing else
    ("Mathatisi Sebusi/Mohalenyane Phakela" when the author is those two): a byline, not article text."""
    wanted = {re.sub(r"\W+", "", a).casefold() for a in author.split(";")}
    for line in top:
        parts = [n for chunk in re.split(r"\s*/\s*", line.stripped) for n in re.split(r"\s*(?:,|&|\band\b)\s*", chunk) if n]
        if line.words <= 12 and parts and {re.sub(r"\W+", "", n).casefold() for n in parts} == wanted:
            return line
    return None


def clean_article(article: Article) -> Article:
    """Body, boilerplate spans and text-derived metadata for one extracted article."""
    raw = article.raw_text
    lines = split_lines(raw)
    spans, removed = _line_spans(lines)
    spans += _self_links(article, lines, removed)
    header, title = _header_spans(article, lines, removed)
    spans += header
    spans += _edge_date_lines(lines, removed)
    spans += _inline_spans(raw, lines, removed)

    author = article.author
    outlet_hint = article.outlet
    sources = dict(article.metadata_sources)
    kept = [ln for ln in lines if ln.index not in removed and ln.stripped]
    if kept and (m := _SOURCE_PREFIX.match(kept[0].text)):
        outlet_hint = outlet_hint or m.group("outlet")
        spans.append((kept[0].start, kept[0].start + m.end(), "source_prefix", "source_prefix"))

    if author:
        # the byline's names alone, as a paragraph: under the headline, or signing off the text
        for edge in (kept[:3], kept[3:][-2:]):
            if (line := _bare_byline(edge, author)) is not None:
                spans.append((line.start, line.end, "byline", "bare_byline"))

    stamp_text: str | None = None
    for start, end, kind, rule in spans:
        line_text = raw[start:end].strip()
        if kind == "timestamp" and (m := _TIMESTAMP_LINE.match(line_text)):
            if stamp_text is None or m.group("label") in ("פרסום ראשון", "First published", "Published"):
                stamp_text = line_text
        elif rule == "date_line" and stamp_text is None:
            stamp_text = line_text
        elif rule == "byline_bar" and stamp_text is None:
            stamp_text = byline_bar_date(line_text)
        elif kind == "metadata_bar" and stamp_text is None and (m := re.match(r"^(?:Published|Posted|Date)\s*:\s*([^|]+)", line_text, re.I)):
            stamp_text = m.group(1).strip()
        elif author is None and kind in _AUTHOR_LINES and (m := _AUTHOR_LINES[kind].match(line_text)):
            names = clean_authors([m.group("name").strip()], (outlet_hint or "",))
            if names:
                author, sources["author"] = "; ".join(names), "text"

    merged = _merge([(s, e) for s, e, _k, _r in spans])
    body_preview = "".join(raw[s:e] for s, e in _complement(merged, len(raw)))
    language = detect_language(body_preview)
    # The outlet is the site that published the page; a wire agency's signature in the text
    # ("(AP) —") names who wrote the copy, kept apart in credited_source.
    signed = find_outlet(raw)
    named = find_outlet("", outlet_hint) if outlet_hint else None
    outlet = named if outlet_hint else signed
    credited = article.credited_source or wire_credit_in_text(body_preview)
    if credited is None and signed is not None:
        credited = wire_agency(signed.outlet)
    published_at = article.published_at
    published_at_text = article.published_at_text
    published_at_source = article.published_at_source
    precision = article.published_at_precision
    if (
        published_at_text and published_at_source and published_at_source.startswith("html-metadata:")
        and outlet and outlet.timezone
    ):
        # a local time without a zone: read it in the outlet's zone now that the outlet is known
        resolved_meta = resolve_metadata_date(published_at_text, outlet.timezone, precision)
        published_at, published_at_source = resolved_meta.published_at, resolved_meta.resolution
    if stamp_text and published_at is None:
        stamp_value = _TIMESTAMP_LINE.match(stamp_text)
        value = stamp_value.group("stamp") if stamp_value else stamp_text
        if stamp_precision(value) is None:  # a year or a month alone is not a publication date
            published_at_text, published_at_source = value, "text: no day given, left NULL"
        else:
            # a clock time the page writes is in the outlet's zone, else in its country's (a day alone stays UTC)
            zone = outlet.timezone if outlet else None
            if zone is None and stamp_precision(value) != "day" and article.url:
                zone = country_zone(urlsplit(article.url).hostname)
            resolved = resolve_timestamp(
                value, body_preview,
                date_order=outlet.date_order if outlet else date_order_for_language(language),
                convention="outlet" if outlet else f"language ({language})",
                tz=zone,
                fetched_at=article.fetched_at,
                language=language,
            )
            published_at, published_at_text, published_at_source = resolved.published_at, value, f"text: {resolved.resolution}"
            precision, sources["published_at"] = stamp_precision(value), "text"

    for s, e in _whitespace_spans(raw, merged):
        spans.append((s, e, "whitespace", "tidy_whitespace"))
    final = _dedupe_spans(spans)
    boilerplate = [BoilerplateSpan(article.article_id, kind, raw[s:e], s, e, rule) for s, e, kind, rule in final]
    body = "".join(raw[s:e] for s, e in _complement(_merge([(s, e) for s, e, _k, _r in final]), len(raw)))
    if not body.strip():
        rules = sorted({r for _s, _e, _k, r in final if r != "tidy_whitespace"})
        raise Refusal(f"empty body after cleaning: {len(raw)} characters all removed as boilerplate (rules: {', '.join(rules) or 'none'})")
    if title and title != article.title:
        sources["title"] = "text"

    article.body = body
    article.word_count = count_words(body)
    article.language = language
    article.boilerplate = boilerplate
    article.title = title
    article.author = author
    article.outlet = outlet.outlet if outlet else outlet_hint
    article.credited_source = credited
    article.published_at = published_at
    article.published_at_text = published_at_text
    article.published_at_source = published_at_source
    article.published_at_precision = precision if published_at is not None else None
    article.metadata_sources = {k: v for k, v in sources.items() if getattr(article, _SOURCE_FIELDS[k], None) is not None}
    return article


# metadata_sources keys -> the Article field they describe
_SOURCE_FIELDS = {"title": "title", "author": "author", "published_at": "published_at"}
_STAMP_TIME = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\b|\b\d{1,2}\s*(?:a\.?m\.?|p\.?m\.?)(?!\w)", re.I)
_STAMP_SECONDS = re.compile(r"\b\d{1,2}:\d{2}:\d{2}\b")
_STAMP_DAY = re.compile(r"\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b|\b\d{4}[./-]\d{1,2}[./-]\d{1,2}\b|\b\d{1,2}(?:st|nd|rd|th)?\b(?!\s*[:.]?\d)")


def stamp_precision(stamp: str) -> str | None:
    """How precise a written timestamp is: 'second', 'minute', 'day', or None for a year/month alone."""
    if re.search(r"\bago\b", stamp, re.I):
        return "day"  # relative to the fetch time: the hour is not to be trusted
    if _STAMP_SECONDS.search(stamp):
        return "second"
    if _STAMP_TIME.search(stamp):
        return "minute"
    without_years = _YEAR.sub(" ", stamp) if not re.search(r"\d{1,2}[./-]\d{1,2}[./-]\d{2}\b", stamp) else stamp
    return "day" if _STAMP_DAY.search(without_years) else None


def _complement(merged: list[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    pos = 0
    for s, e in merged:
        if s > pos:
            out.append((pos, s))
        pos = max(pos, e)
    if pos < length:
        out.append((pos, length))
    return out


def _dedupe_spans(spans: list[Span]) -> list[Span]:
    """Non-overlapping spans sorted by start; an earlier-listed span wins an overlap.

    A later span is trimmed to the part before the first taken span it overlaps (or after it,
    when it starts inside one); taken spans stay sorted, so each check is a bisection.
    """
    starts: list[int] = []
    taken: list[Span] = []
    for span in spans:
        s, e = span[0], span[1]
        j = max(bisect.bisect_right(starts, s) - 1, 0)
        while j < len(taken) and s < e:
            ts, te = taken[j][0], taken[j][1]
            if ts >= e:
                break
            if s < te:
                if s >= ts:
                    s = te
                else:
                    e = ts
            j += 1
        if s < e:
            k = bisect.bisect_left(starts, s)
            starts.insert(k, s)
            taken.insert(k, (s, e, span[2], span[3]))
    return taken


def clean_articles(articles: list[Article]) -> list[Article]:
    """Clean a batch."""
    return [clean_article(a) for a in articles]


def warm() -> None:
    """Read the outlets list, the language identifier and dateparser's languages once per process."""
    from tasks.common.language import warm as warm_language
    from tasks.common.timestamps import dateparser_languages

    load_outlets()
    warm_language()
    dateparser_languages()


SHARE_PROMPT_IN_BODY = r"(?im)^\s*(?:share this article|share on facebook|follow us on)\s*$"


def article_check_columns(articles: pd.DataFrame, boilerplate: pd.DataFrame) -> pd.DataFrame:
    """stg_articles rows with the articles suite's derived columns: check_raw_text_rebuilds,
    check_published_not_in_future, check_body_free_of_share_prompts."""
    spans: dict[str, list[BoilerplateSpan]] = {}
    for r in boilerplate.itertuples(index=False):
        spans.setdefault(r.article_id, []).append(BoilerplateSpan(r.article_id, r.kind, r.text, r.start_char, r.end_char, r.rule))
    out = articles.copy()
    out["check_raw_text_rebuilds"] = [
        rebuild_raw_text(body, spans.get(aid, [])) == raw
        for aid, body, raw in zip(out["article_id"], out["body"], out["raw_text"], strict=True)
    ]
    now = pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=1)
    out["check_published_not_in_future"] = out["published_at"].isna() | (out["published_at"] <= now)
    out["check_body_free_of_share_prompts"] = ~out["body"].str.contains(SHARE_PROMPT_IN_BODY, regex=True)
    return out


def boilerplate_check_columns(boilerplate: pd.DataFrame, articles: list[Article]) -> pd.DataFrame:
    """stg_boilerplate rows with check_text_matches_raw (the span is where it says in raw_text)."""
    raw = {a.article_id: a.raw_text for a in articles}
    out = boilerplate.copy()
    out["check_text_matches_raw"] = [
        raw.get(a, "")[s:e] == t for a, s, e, t in zip(out["article_id"], out["start_char"], out["end_char"], out["text"], strict=True)
    ]
    return out


@task(name="clean", cache_policy=NO_CACHE)
def clean(batch: Batch) -> Batch:
    """Clean each article (one that raises is quarantined), then check stg_articles and
    stg_boilerplate: an article failing a critical check is quarantined whole."""
    from tasks.runs import log_stage, monotonic  # the run's log line (issue 15)

    started, n_in = monotonic(), len(batch.articles)
    per_article(batch, "clean", clean_article, article_needs_it=True)
    articles = articles_frame(batch.articles, batch.run_id, datetime.now(UTC))
    boilerplate = boilerplate_frame(batch.articles)
    batch.tables["stg_articles"] = keep_checked(batch, "articles", article_check_columns(articles, boilerplate), article_level=True)
    batch.tables["stg_boilerplate"] = keep_checked(
        batch, "boilerplate", boilerplate_check_columns(boilerplate_frame(batch.articles), batch.articles), article_level=True)
    log_stage("clean", batch, n_in, started)
    return batch
