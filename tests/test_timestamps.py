"""Timestamps: ambiguous day/month resolved from the outlet and the text, relative times, UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from tasks.clean import is_date_line
from tasks.common.timestamps import (
    latest_mentioned_date,
    parse_iso_date,
    resolve_numeric_date,
    resolve_timestamp,
)


def test_ynetnews_stamp_is_us_order_in_jerusalem_time():
    body = "Hezbollah on Saturday accused US-led forces of stranding a convoy."
    resolved = resolve_numeric_date("09.02.17, 18:39", body, date_order="MDY", tz="Asia/Jerusalem")
    assert resolved.published_at == datetime(2017, 9, 2, 15, 39, tzinfo=UTC)
    assert resolved.resolution.startswith("MDY") and "weekdays agree with MDY" in resolved.resolution


def test_weekdays_overrule_a_wrong_convention():
    # 2 September 2017 was a Saturday; 9 February 2017 a Thursday
    body = "The convoy left on Saturday and was stranded by evening."
    resolved = resolve_numeric_date("09.02.17", body, date_order="DMY", tz=None)
    assert resolved.published_at is not None and resolved.published_at.month == 9
    assert "weekdays favour MDY over outlet convention DMY" in resolved.resolution


def test_a_mentioned_date_rules_out_an_earlier_reading():
    body = "The deal took effect on August 27, 2017, officials said."
    resolved = resolve_numeric_date("09.02.17", body, date_order=None, tz=None)
    assert resolved.published_at is not None and resolved.published_at.month == 9
    assert "rules out" in resolved.resolution


def test_ambiguous_without_evidence_stays_unresolved():
    resolved = resolve_numeric_date("09.02.17", "No dates or weekdays here.", date_order=None, tz=None)
    assert resolved.published_at is None and "ambiguous" in resolved.resolution


def test_unambiguous_numeric_date_needs_no_convention():
    resolved = resolve_numeric_date("11/19/2019", "", date_order="DMY", tz="UTC")
    assert resolved.published_at == datetime(2019, 11, 19, tzinfo=UTC)


def test_relative_time_needs_the_fetch_time():
    assert resolve_timestamp("5 years ago", "").published_at is None
    fetched = datetime(2022, 9, 2, 12, 0, tzinfo=UTC)
    resolved = resolve_timestamp("5 years ago", "", fetched_at=fetched)
    assert resolved.published_at is not None and resolved.published_at.year == 2017
    assert "relative to fetch time" in resolved.resolution


def test_labelled_and_foreign_stamps_through_dateparser_in_outlet_zone():
    en = resolve_timestamp("UPDATED: Tue., Nov. 19, 2019", "", language="en")
    assert en.published_at == datetime(2019, 11, 19, tzinfo=UTC)
    pt = resolve_timestamp("segunda-feira, 22 de janeiro de 2018 às 0:13", "", tz="America/Sao_Paulo", language="pt")
    assert pt.published_at == datetime(2018, 1, 22, 2, 13, tzinfo=UTC)  # UTC-2 in Brazilian summer time


def test_iso_metadata_dates_become_utc():
    assert parse_iso_date("2019-11-19T13:23:59-05:00") == datetime(2019, 11, 19, 18, 23, 59, tzinfo=UTC)
    assert parse_iso_date("2019-11-19") == datetime(2019, 11, 19, tzinfo=UTC)
    assert parse_iso_date("2019-11-19", tz="Asia/Jerusalem") == datetime(2019, 11, 18, 22, 0, tzinfo=UTC)
    assert parse_iso_date("not a date") is None


def test_latest_mentioned_date_ignores_impossible_dates():
    assert latest_mentioned_date("On February 30, 2017 and on March 3, 2017.").isoformat() == "2017-03-03"


def test_date_line_shapes():
    for line in ["UPDATED: Tue., Nov. 19, 2019", "- Published 18 November 2019", "sexta-feira, 22 de outubro de 2010 às 20:13",
                 "기사입력 :[ 2018-09-28 17:32 ]", "5:45 AM PST 11/19/2019 by Patrick Shanley", "Updated at 1:23 p.m."]:
        assert is_date_line(line.lstrip("- ")), line
    for line in ["— Josh Apte (@joshapte) November 3, 2019", "29 November 2018 | 20 January 2019", "10 p.m.",
                 "The deal took effect on August 27, 2017, officials said in a statement on Monday."]:
        assert not is_date_line(line), line


def test_metadata_dates_keep_their_zone_or_say_what_was_assumed():
    from tasks.common.timestamps import resolve_metadata_date

    exact = resolve_metadata_date("2019-11-19T09:01:42+0530")
    assert exact.published_at == datetime(2019, 11, 19, 3, 31, 42, tzinfo=UTC) and exact.resolution == "html-metadata"
    local = resolve_metadata_date("2019-11-19T02:24:00", "America/New_York")
    assert local.published_at == datetime(2019, 11, 19, 7, 24, tzinfo=UTC) and "America/New_York assumed" in local.resolution
    day = resolve_metadata_date("2019-11-19T00:00:00")
    assert day.published_at == datetime(2019, 11, 19, tzinfo=UTC) and "date only" in day.resolution


def test_foreign_weekdays_and_language_convention_for_an_unknown_outlet():
    body = "Os pacientes agendados para o período da manhã desta sexta-feira estão sendo reagendados."
    # 5 October 2018 was a Friday (sexta-feira); 10 May 2018 a Thursday
    resolved = resolve_numeric_date("05/10/2018", body, date_order="DMY", tz=None, convention="language (pt)")
    assert resolved.published_at == datetime(2018, 10, 5, tzinfo=UTC)
    assert "weekdays agree with DMY" in resolved.resolution
    bare = resolve_numeric_date("05/10/2018", "", date_order="DMY", tz=None, convention="language (pt)")
    assert bare.published_at == datetime(2018, 10, 5, tzinfo=UTC) and "language (pt) convention DMY" in bare.resolution


def test_a_local_time_is_read_in_the_zone_of_the_domains_country():
    from tasks.common.timestamps import country_zone, resolve_metadata_date, zone_in_resolution

    summer, winter = datetime(2024, 7, 1, 12), datetime(2024, 1, 15, 12)
    assert country_zone("www.spiegel.de", summer) == "Europe/Berlin"  # Busingen keeps Berlin's offsets
    assert country_zone("www.bbc.co.uk", winter) == "Europe/London"  # .uk is GB in ISO 3166
    assert country_zone("www.asahi.com", summer) is None and country_zone("www.abc.net.au", summer) is None
    assert country_zone("www.elmundo.es", summer) is None  # the Canaries are an hour behind Madrid
    assert country_zone("www.people.cn", summer) is None  # Xinjiang time beside Beijing time
    assert country_zone("techcrunch.io") is None and country_zone("news.tv") is None  # ccTLDs used as generic names
    assert country_zone("localhost") is None and country_zone(None) is None and country_zone("de") is None
    assert country_zone("www.tokyo-np.co.jp") == "Asia/Tokyo"  # no time given: the zones agree all year

    naive = resolve_metadata_date("2024-04-25T14:07:00", host="www.rbb24.de")
    assert naive.published_at == datetime(2024, 4, 25, 12, 7, tzinfo=UTC)
    assert "Europe/Berlin assumed (the zone of the page's .de domain)" in naive.resolution
    assert str(zone_in_resolution(naive.resolution)) == "Europe/Berlin"
    # an offset the page writes wins; a day alone stays midnight UTC, so its date is the page's day
    assert resolve_metadata_date("2024-04-25T14:07:00+00:00", host="www.rbb24.de").published_at == datetime(2024, 4, 25, 14, 7, tzinfo=UTC)
    day = resolve_metadata_date("2024-04-25", precision="day", host="www.rbb24.de")
    assert day.published_at == datetime(2024, 4, 25, tzinfo=UTC) and zone_in_resolution(day.resolution) is None
    # the outlet's own zone, when the gazetteer knows it, comes first; no country, UTC as before
    assert "Asia/Jerusalem assumed" in resolve_metadata_date("2017-09-02T18:39:00", "Asia/Jerusalem", host="www.ynetnews.com").resolution
    assert resolve_metadata_date("2024-04-25T14:07:00", host="apnews.com").resolution == "html-metadata: no zone given, UTC assumed"
