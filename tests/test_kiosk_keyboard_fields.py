"""Which screens carry the on-screen keyboard, and which layout each typed field asks for."""

import html as markup
import json
import re

import pytest

KEYBOARD_JS = "/static/js/keyboard.js"


def keyboard_of(html: str, name: str) -> str | None:
    """The data-keyboard layout of the field called ``name``, or None when it has none."""
    tag = re.search(rf'<(?:input|textarea)\b[^>]*\bname="{name}"[^>]*>', html)
    assert tag, f"no field {name}"
    layout = re.search(r'data-keyboard="([a-z]+)"', tag.group(0))
    return layout.group(1) if layout else None


@pytest.fixture
def office(make_office):
    return make_office()


def test_the_kiosk_layout_loads_the_keyboard_with_its_vietnamese_labels(client, office):
    html = client.get(f"/kiosk/{office.code}").get_data(as_text=True)
    assert KEYBOARD_JS in html
    assert "/static/css/keyboard.css" in html
    labels = json.loads(markup.unescape(re.search(r"data-labels='([^']*)'", html).group(1)))
    assert labels["done"] == "Xong"
    assert labels["tone_f"] == "huyền"


@pytest.mark.parametrize(
    ("url", "fields"),
    [
        ("/lookup?office={code}&kiosk=1", {"code": "code", "phone_last4": "numeric"}),
        ("/procedures?office={code}&kiosk=1", {"q": "vi"}),
        (
            "/complaints/new?office={code}&kiosk=1",
            {"subject": "vi", "text": "vi", "contact": "numeric"},
        ),
        ("/kiosk/{code}/lookup", {"scan": "code", "code": "code", "phone_last4": "numeric"}),
        ("/kiosk/{code}/procedures", {"q": "vi"}),
        ("/kiosk/{code}/complaint", {"subject": "vi", "text": "vi", "contact": "numeric"}),
    ],
)
def test_kiosk_screens_ask_for_the_layout_each_field_needs(client, office, url, fields):
    html = client.get(url.format(code=office.code)).get_data(as_text=True)
    assert KEYBOARD_JS in html
    assert {name: keyboard_of(html, name) for name in fields} == fields


@pytest.mark.parametrize("url", ["/lookup", "/procedures", "/complaints/new"])
def test_phones_and_desktops_keep_their_own_keyboard(client, office, url):
    html = client.get(url).get_data(as_text=True)
    assert KEYBOARD_JS not in html
