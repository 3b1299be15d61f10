"""Message texts: GSM-7 segment counting, every shipped SMS in one segment in both languages, e-mail templates in
both languages, and nothing on a lock screen a stranger should not see."""

from __future__ import annotations

import pytest

from portal.services import gsm, message_templates
from portal.services.message_templates import REALISTIC_LINK

BRAND = "Testvarme A/S"


def test_the_gsm7_tables_hold_the_danish_letters():
    assert len(gsm.BASIC) == 128 and len(gsm.EXTENSION) == 10
    assert gsm.is_gsm7("Æblegrød på Østerbro, Åhus: æøå ÆØÅ é ü")
    assert not gsm.is_gsm7("Łódź") and gsm.non_gsm7("Łódź æ 😀") == ["Ł", "ó", "ź", "😀"]


@pytest.mark.parametrize(
    ("text", "length", "segments"),
    [
        ("", 0, 0),
        ("a" * 160, 160, 1),
        ("a" * 161, 161, 2),
        ("æ" * 306, 306, 2),
        ("ø" * 307, 307, 3),
        ("€" * 80, 160, 1),  # extension characters cost two septets
        ("€" * 81, 162, 2),
        ("[]{}" * 10, 80, 1),
        ("ł" * 70, 70, 1),  # one character outside GSM-7 makes the whole text UCS-2
        ("ł" * 71, 71, 2),
        ("😀" * 35, 70, 1),  # outside the BMP: two UTF-16 units each
        ("a" * 134 + "ł", 135, 3),
    ],
)
def test_sms_length_and_segments(text, length, segments):
    assert gsm.length(text) == length
    assert gsm.segments(text) == segments


def test_every_shipped_sms_fits_one_segment_in_both_languages_with_a_realistic_link():
    assert len(REALISTIC_LINK) == 80
    names = message_templates.shipped_names("sms")
    assert {"reminder_1", "reminder_1b", "reminder_2", "link"} <= set(names)
    for locale in message_templates.LOCALES:
        for name in names:
            source = message_templates.shipped("sms", locale, name)
            assert source is not None, (locale, name)
            text = message_templates.render(source, message_templates.context(brand=BRAND, link=REALISTIC_LINK)).text
            assert REALISTIC_LINK in text and gsm.is_gsm7(text), (locale, name, text)
            assert gsm.segments(text) == 1, (locale, name, gsm.length(text))
            assert message_templates.check(source, brand=BRAND).warnings == []


def test_danish_and_english_differ_and_are_in_their_language():
    da = message_templates.shipped("sms", "da", "reminder_1").text
    en = message_templates.shipped("sms", "en", "reminder_1").text
    assert da.startswith("Hej") and en.startswith("Hi") and da != en


@pytest.mark.parametrize("locale", ["da", "en"])
def test_every_shipped_email_exists_in_both_languages_with_subject_text_and_html(locale):
    names = message_templates.shipped_names("email")
    assert {"reminder", "link"} <= set(names)
    for name in names:
        source = message_templates.shipped("email", locale, name)
        values = message_templates.context(brand=BRAND, link=REALISTIC_LINK, greeting_name="Mette",
                                           phone="+4570112233", email="kunde@testvarme.example")  # fmt: skip
        rendered = message_templates.render(source, values, brand_color="#0b6e4f")
        assert BRAND in rendered.subject
        assert REALISTIC_LINK in rendered.text and f'href="{REALISTIC_LINK}"' in rendered.html
        assert f'<html lang="{locale}">' in rendered.html and "#0b6e4f" in rendered.html
        assert "+4570112233" in rendered.html


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_no_shipped_template_can_show_an_amount_or_the_debtors_details(channel):
    for locale in message_templates.LOCALES:
        for name in message_templates.shipped_names(channel):
            source = message_templates.shipped(channel, locale, name)
            raw = " ".join(filter(None, (source.text, source.subject, source.html)))
            variables = {part.split("}}")[0].strip() for part in raw.split("{{")[1:]}
            assert variables <= {"brand", "link", "greeting_name"}, (locale, name, variables)
            if channel == "sms":
                assert "greeting_name" not in variables  # a lock screen shows the SMS to anyone nearby


def test_html_in_the_brand_or_name_is_escaped_in_the_email():
    source = message_templates.shipped("email", "da", "reminder")
    values = message_templates.context(brand="<b>Evil</b>", link=REALISTIC_LINK, greeting_name="<script>")
    rendered = message_templates.render(source, values)
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    assert "<b>Evil</b>" not in rendered.html
