"""Spanish by default (the first generation's language), English when the browser or the user asks for it."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.web.servers import csrf_from, web_client

WEB = Path(__file__).resolve().parents[2] / "services" / "web"


def test_spanish_by_default(stack) -> None:
    with web_client(stack.web.url, language="") as client:
        page = client.get("/login", headers={"Accept-Language": ""}).text
    assert '<html lang="es">' in page
    assert "Iniciar sesión" in page
    assert "Correo electrónico" in page


def test_english_when_the_browser_prefers_it(stack) -> None:
    with web_client(stack.web.url, language="en-GB,en;q=0.9") as client:
        page = client.get("/login").text
    assert '<html lang="en">' in page
    assert "Sign in" in page


def test_language_switch_sticks_for_the_session(stack, client_for) -> None:
    client = client_for("exporter", language="es-EC,es;q=0.9")
    assert "Contratos" in client.get("/contracts").text
    token = csrf_from(client.get("/contracts").text)
    switched = client.post("/language", data={"locale": "en", "next": "/contracts", "csrf_token": token})
    assert switched.headers["location"] == "/contracts"
    page = client.get("/contracts").text
    assert '<html lang="en">' in page
    assert "New contract" in page


def test_numbers_follow_the_locale(stack) -> None:
    with (
        web_client(stack.web.url, language="es") as spanish,
        web_client(stack.web.url, language="en") as english,
    ):
        assert "3.250,00 USD/MT" in spanish.get("/").text
        assert "3,250.00 USD/MT" in english.get("/").text


def test_every_interface_string_has_a_spanish_translation() -> None:
    catalog = read_po((WEB / "triboka_web/translations/es/LC_MESSAGES/messages.po").open("rb"))
    method_map = [("triboka_web/**.py", "python"), ("triboka_web/templates/**.html", "jinja2")]
    options = {"triboka_web/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    missing = []
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(WEB), method_map, options_map=options, keywords=keywords
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(msgid)
        translated = entry.string if entry else None
        if not (translated[0] if isinstance(translated, tuple) else translated):
            missing.append(msgid)
    assert missing == []
