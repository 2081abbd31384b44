"""Bad input never crashes the app: every route of the URL map, fed garbage, answers below 500.

The routes are taken from the URL map, so a new route is fuzzed without touching this file.
Each route is called as every kind of caller it accepts (anonymous, a paired kiosk, a paired
counter tablet, an officer signed in at a counter, a supervisor, an administrator), first
with each known-bad value in every field, then with cases that hypothesis generates.
"""

import io
import json
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect
from werkzeug.routing import AnyConverter, IntegerConverter

from dossiers.models import Dossier
from feedback.models import Complaint
from onestop.demo import DEMO_PASSWORD
from onestop.extensions import db
from onestop.models import Office
from queues import devices, tickets
from queues.models import Counter as QueueCounter
from queues.models import Device, Ticket
from tests.test_kiosk_screens import pair_as_kiosk

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("onestop", "queues", "dossiers", "feedback", "kiosk", "reports")
# Hypothesis cases per route and method, after the fixed ones; raise it to search longer.
GENERATED_CASES = int(os.environ.get("FUZZ_CASES", "12"))
DEEP = 20_000

# Values that crashed the app or could: NUL, a lone surrogate, control characters, ids past
# INTEGER and BIGINT, numbers in other scripts, very long text, odd whitespace.
BAD_TEXT = [
    "\x00",
    "a\x00b",
    "\ud800",
    "\x1b[31m\x07",
    "\r",
    "",
    " ",
    "0",
    str(2**31),
    str(2**63),
    "9" * 40,
    "1e309",
    "²",
    "１２",
    "x" * 20_000,
    "<script>alert(1)</script>",
]
BAD_JSON_VALUES = BAD_TEXT + [
    2**31,
    2**63,
    2**70,
    -1,
    0,
    1.5,
    True,
    None,
    [],
    {},
    [1, 2],
    {"a": {"b": "\x00"}},
]
RAW_BODIES = [
    ("application/json", "[" * DEEP + "]" * DEEP),
    ("application/json", '{"a":' * DEEP + "1" + "}" * DEEP),
    ("application/json", "{"),
    ("application/json", ""),
    ("application/json", '"\\ud800"'),
    ("application/json", '{"x": "\\u0000"}'),
    ("application/json", '{"x": NaN}'),
    ("application/json", "[" + "1," * 100_000 + "1]"),
    ("application/json", b"\xff\xfe{\x00}"),
    ("text/plain", '{"service": "dat-dai"}'),
    ("application/x-www-form-urlencoded", "a=%00&b=%ED%A0%80&c=" + "9" * 30),
    ("multipart/form-data; boundary=xyz", "--xyz\r\nbroken"),
    ("application/octet-stream", b"\x00" * 100),
]
# Uploads for the importers: a CR in the header, NUL, other encodings, deep or odd JSON.
UPLOADS = [
    ("a.csv", b"code,na\rme,field,processing_days,offices\n1,2,3,4,5\n"),
    ("a.csv", b"MaHoSo\r,MaTTHC\rChuHoSo\n1,2,3\n"),
    ("a.csv", "\ufeffcode,name,field,processing_days,offices\nX,Tên,Đất,1,VY\n".encode()),
    ("a.csv", "code,name,field,processing_days,offices\nX,Tên,Đất,1,VY\n".encode("utf-16")),
    ("a.csv", b"code,name,field,processing_days,offices\nX,T\xean,\xd0\xe2t,1,VY\n"),
    ("a.csv", b"code,name,field,processing_days,offices\nX\x00,\x00,a,1,VY\n"),
    ("a.csv", b'code,name,field,processing_days,offices\n"X,""\n'),
    ("a.csv", b"code,name,field,processing_days,offices\n" + b"1," * 10_000 + b"\n"),
    ("a.csv", b"\r\r\r"),
    ("a.csv", b""),
    ("a.json", b"[" * DEEP + b"]" * DEEP),
    (
        "a.json",
        b'[{"MaHoSo": "\\ud800", "MaTTHC": "\\u0000", "ChuHoSo": ' + b"[" * 50 + b"]" * 50 + b"}]",
    ),
    ("a.json", b'[{"MaHoSo": 1e999, "SoDienThoai": 99999999999999999999999}]'),
    ("a.json", b'{"a": 1}'),
]
# Headers a client controls: tokens, cache validators, cookies, htmx's own.
HEADERS = [
    {"Authorization": "Bearer \x00"},
    {"Authorization": "Bearer " + "x" * 10_000},
    {"If-None-Match": '"\x00", W/"' + "9" * 40 + '"'},
    {"Cookie": "session=\x00; onestop_device=" + "A" * 5000},
    {"HX-Request": "true", "HX-Current-URL": "javascript:\x00", "HX-Target": "\x1b"},
    {"Accept-Language": "\x00;q=2, en;q=NaN", "Origin": "null", "Referer": "\x00"},
]
# Known values of URL segments, so that a case reaches past the lookup of its object.
URL_WORDS = {
    "kind": ["receipt", "supplement", "apology", "\x00"],
    "name": ["waits", "late", "\x00"],
    "table": ["kpi", "offices", "services", "counters", "officers", "\x00"],
    "action": ["recall", "no-show", "requeue", "start", "finish", "transfer", "call"],
}


@dataclass
class Caller:
    """A test client acting as one kind of user, and how to make it so again."""

    name: str
    client: object
    restore: object = None
    device_id: int | None = None


@dataclass
class World:
    app: Flask
    callers: dict[str, Caller]
    ids: dict[str, list[int]]
    words: dict[str, list[str]]
    fields: dict[str, list[str]]
    sent: Counter = field(default_factory=Counter)
    crashes: list = field(default_factory=list)


def _source(module_name: str) -> str:
    path = ROOT / Path(*module_name.split(".")).with_suffix(".py")
    return path.read_text() if path.exists() else ""


def _module_source(world: World, rule) -> str:
    return _source(world.app.view_functions[rule.endpoint].__module__)


def _source_keys(module_name: str) -> set[str]:
    """Field names that a module reads from a form, query or JSON body."""
    source = _source(module_name)
    keys = set(re.findall(r"""\.get\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']""", source))
    keys |= set(
        re.findall(r"""(?:form|args|body|data|payload)\[["']([A-Za-z_]\w*)["']\]""", source)
    )
    return keys


def _all_source_keys() -> set[str]:
    keys = set()
    for package in PACKAGES:
        for path in (ROOT / package).glob("*.py"):
            keys |= _source_keys(f"{package}.{path.stem}")
    return keys


def _ids_by_table() -> dict[str, list[int]]:
    """A few real ids of every table, by table name."""
    ids = {}
    for mapper in db.Model.registry.mappers:
        model = mapper.class_
        primary = sa_inspect(model).primary_key
        if len(primary) != 1:
            continue
        column = primary[0]
        ids[model.__tablename__] = list(
            db.session.scalars(select(column).order_by(column.desc()).limit(3))
        )
    return ids


def _log_in(client, username: str) -> None:
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 303, username


def _build_world(app: Flask) -> World:
    for name, seeder in app.extensions["onestop.seeders"]:
        if name != "reports":  # a year of history: slow, and no route needs it
            seeder()
    office = db.session.scalar(select(Office).where(Office.code == "VY"))
    for code in ("dat-dai", "tu-phap", "dat-dai"):
        tickets.issue(office, code)
    counter = db.session.scalar(
        select(QueueCounter).where(QueueCounter.office_id == office.id).order_by(QueueCounter.id)
    )
    counter_id = counter.id
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def staff(username: str, at_counter: bool = False):
        def restore(caller):
            client = caller.client
            if client.get("/dossiers").status_code in (302, 303, 401):
                _log_in(client, username)
            if at_counter:
                client.post("/counter/sign-in", data={"counter": str(counter_id)})

        return restore

    def device(kind: str):
        def restore(caller):
            client = caller.client
            device_id = caller.device_id
            alive = device_id and db.session.get(Device, device_id).revoked_at is None
            if not alive:
                if kind == "kiosk":
                    pair_as_kiosk(client, db.session.get(Office, office.id))
                else:
                    _device, code = devices.create_pairing(
                        db.session.get(Office, office.id),
                        "counter_tablet",
                        "Máy tính bảng",
                        db.session.get(QueueCounter, counter_id),
                    )
                    assert client.post("/kiosk/pair", data={"code": code}).status_code == 303
                caller.device_id = db.session.scalar(
                    select(Device.id).order_by(Device.id.desc()).limit(1)
                )

        return restore

    callers = {
        "anonymous": Caller("anonymous", app.test_client()),
        "kiosk": Caller("kiosk", app.test_client(), device("kiosk")),
        "tablet": Caller("tablet", app.test_client(), device("counter_tablet")),
        "officer": Caller("officer", app.test_client(), staff("officer1", at_counter=True)),
        "supervisor": Caller("supervisor", app.test_client(), staff("supervisor")),
        "admin": Caller("admin", app.test_client(), staff("admin")),
    }
    for caller in callers.values():
        if caller.restore:
            caller.restore(caller)

    words = {
        "office": list(db.session.scalars(select(Office.code).limit(3))),
        "token": list(db.session.scalars(select(Ticket.token).limit(3)))
        + list(db.session.scalars(select(Dossier.token).limit(2))),
        "code": list(db.session.scalars(select(Dossier.code).limit(3)))
        + list(db.session.scalars(select(Complaint.code).limit(3))),
    }
    words["office_code"] = words["office"]
    words.update(URL_WORDS)
    return World(app, callers, _ids_by_table(), words, {})


def _routes(app: Flask) -> list[tuple]:
    """Every (rule, method) of the app but static files."""
    return [
        (rule, method)
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
        if rule.endpoint != "static"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]


def _table_of(world: World, argument: str) -> list[int]:
    base = argument.removesuffix("_id")
    for table, ids in world.ids.items():
        if table == base or table.startswith(base + "_"):
            return ids
    return [1]


def _real_path_values(world: World, rule) -> dict:
    values = {}
    for argument, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[argument] = str((_table_of(world, argument) or [1])[0])
        elif isinstance(converter, AnyConverter):
            values[argument] = sorted(converter.items)[0]
        else:
            values[argument] = (world.words.get(argument) or ["x"])[0]
    return values


def _path_choices(world: World, rule, argument: str) -> list[str]:
    converter = rule._converters[argument]
    if isinstance(converter, IntegerConverter):
        real = [str(i) for i in _table_of(world, argument)]
        return real + ["0", str(2**31), str(2**31 - 1), str(2**63), "9" * 40]
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)
    return (world.words.get(argument) or ["x"]) + [t for t in BAD_TEXT if t and "/" not in t]


def _url(rule, values: dict) -> str:
    from urllib.parse import quote

    url = rule.rule
    for argument, value in values.items():
        url = re.sub(rf"<(?:[^:<>]+:)?{argument}>", quote(_wire(str(value)), safe=""), url)
    return url


def _fields_for(world: World, rule) -> list[str]:
    """Names a route reads: from its module's source and the forms its pages show."""
    if rule.endpoint not in world.fields:
        view = world.app.view_functions[rule.endpoint]
        keys = _source_keys(view.__module__)
        if not keys:
            keys = _all_source_keys()
        world.fields[rule.endpoint] = sorted(keys | {"file", "next", "csrf_token"})
    return world.fields[rule.endpoint]


def _send(world: World, caller: Caller, method: str, url: str, label: str, kind: str, body):
    # Every other case as htmx: errors then answer a fragment instead of a page.
    request = {"headers": {"HX-Request": "true"} if world.sent[label] % 2 else {}}
    request.update(_body_kwargs(kind, body))
    response = caller.client.open(url, method=method, **request)
    world.sent[label] += 1
    if response.status_code >= 500:
        world.crashes.append((label, caller.name, url[:120], kind, repr(body)[:200]))


def _accepting_callers(world: World, rule, method: str) -> list[Caller]:
    """The callers a route does not turn away: it answers them neither 401/403 nor a login page."""
    url = _url(rule, _real_path_values(world, rule))
    accepted = []
    for caller in world.callers.values():
        response = caller.client.open(url, method=method, headers={"HX-Request": "true"})
        refused = response.status_code in (401, 403) or "/login" in response.headers.get(
            "Location", ""
        )
        if response.status_code >= 500:
            world.crashes.append((rule.endpoint, caller.name, url, "probe", response.status_code))
        if not refused:
            accepted.append(caller)
    return accepted or [world.callers["anonymous"]]


def _wire(value: str) -> bytes:
    # A lone surrogate has no UTF-8 form: send the bytes a careless client would.
    return value.encode("utf-8", "surrogatepass")


def _body_kwargs(kind: str, body) -> dict:
    if kind == "json":
        return {"data": json.dumps(body), "content_type": "application/json"}
    if kind == "form":
        return {"data": {k: _wire(v) for k, v in body.items()}}
    if kind == "query":
        return {"query_string": {k: _wire(v) for k, v in body.items()}}
    if kind == "headers":
        return {"headers": body}
    if kind == "upload":
        name, content = body
        return {"data": {"file": (io.BytesIO(content), name)}}
    content_type, raw = body
    return {"data": raw, "content_type": content_type}


def _fixed_cases(world: World, rule, method: str, fields: list[str]):
    """Each known-bad value in every field and URL segment, as form, query and JSON."""
    for value in BAD_TEXT:
        path = {a: v for a, v in _real_path_values(world, rule).items()}
        for argument in rule._converters:
            choices = _path_choices(world, rule, argument)
            if value in choices and not isinstance(rule._converters[argument], AnyConverter):
                path[argument] = value
        every = dict.fromkeys(fields, value)
        yield path, "query", every
        if method != "GET":
            yield path, "form", every
            yield path, "json", every
    if method != "GET":
        real = _real_path_values(world, rule)
        for value in BAD_JSON_VALUES[len(BAD_TEXT) :]:
            yield real, "json", dict.fromkeys(fields, value)
        for raw in RAW_BODIES:
            yield real, "raw", raw
        # Every upload to the routes that read files, two to the others.
        reads_files = "request.files" in _module_source(world, rule)
        for upload in UPLOADS if reads_files else UPLOADS[:2]:
            yield real, "upload", upload
    for argument in rule._converters:
        for value in _path_choices(world, rule, argument):
            yield {**_real_path_values(world, rule), argument: value}, "query", {}
    for headers in HEADERS:
        yield _real_path_values(world, rule), "headers", headers


def _case_strategy(world: World, rule, method: str, fields: list[str]):
    path = st.fixed_dictionaries(
        {a: st.sampled_from(_path_choices(world, rule, a)) for a in rule._converters}
    )
    text = st.one_of(st.sampled_from(BAD_TEXT), st.text(max_size=40))
    json_value = st.one_of(
        st.sampled_from(BAD_JSON_VALUES),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=40),
        st.lists(st.integers(), max_size=3),
    )
    names = st.sampled_from(fields)
    query = st.dictionaries(names, text, max_size=4)
    kinds = [st.tuples(st.just("query"), query)]
    if method != "GET":
        kinds += [
            st.tuples(st.just("form"), st.dictionaries(names, text, max_size=6)),
            st.tuples(st.just("json"), st.dictionaries(names, json_value, max_size=6)),
            st.tuples(st.just("json"), json_value),
            st.tuples(st.just("raw"), st.sampled_from(RAW_BODIES)),
        ]
    return st.tuples(path, st.one_of(kinds))


def _fuzz_route(world: World, rule, method: str) -> None:
    label = f"{method} {rule.rule}"
    fields = _fields_for(world, rule)
    callers = _accepting_callers(world, rule, method)
    for caller in callers:
        if caller.restore:
            caller.restore(caller)
    for number, (path, kind, body) in enumerate(_fixed_cases(world, rule, method, fields)):
        caller = callers[number % len(callers)]
        _send(world, caller, method, _url(rule, path), label, kind, body)

    @settings(
        max_examples=GENERATED_CASES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_case_strategy(world, rule, method, fields), who=st.sampled_from(callers))
    def generated(case, who):
        path, (kind, body) = case
        _send(world, who, method, _url(rule, path), label, kind, body)

    generated()
    for caller in callers:
        if caller.restore:
            caller.restore(caller)


def test_no_input_makes_any_route_answer_5xx(app, fixed_clock, capsys, caplog):
    world = _build_world(app)
    routes = _routes(app)
    with caplog.at_level("WARNING", logger="onestop.errors"):
        for rule, method in routes:
            _fuzz_route(world, rule, method)
    # A 400 that the database gave, not the checks, means a route lacks its check.
    refused_by_database = [r.getMessage() for r in caplog.records if "database refused" in r.msg]
    with capsys.disabled():
        backend = app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0]
        print(f"\nfuzz on {backend}: {len(routes)} routes, {sum(world.sent.values())} cases")
        for label, count in sorted(world.sent.items()):
            print(f"  {count:5d}  {label}")
        print(f"  5xx answers: {len(world.crashes)}")
        print(f"  refused by the database, not the checks: {len(refused_by_database)}")
    # Every route was fuzzed, the new ones included: nothing is left to a list kept by hand.
    assert {f"{m} {r.rule}" for r, m in routes} == set(world.sent)
    assert all(count >= len(BAD_TEXT) for count in world.sent.values())
    assert world.crashes == [], "\n".join(map(str, world.crashes[:40]))
    assert refused_by_database == [], "\n".join(refused_by_database[:40])


def _complaints() -> int:
    return db.session.scalar(select(func.count(Complaint.id)))


@pytest.mark.parametrize("value", ["\x00", "\ud800", "a\x1fb", "\x85"])
def test_json_text_that_cannot_be_stored_is_a_400_and_stores_nothing(client, make_office, value):
    make_office()
    body = {"office": "VY", "subject": "Chờ lâu", "text": value}
    answer = client.post("/api/v1/complaints", json=body)
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "bad_text"
    assert "ký tự" in answer.get_json()["error"]["message"]
    client.post("/lang/en")
    english = client.post("/api/v1/complaints", json={**body, "subject": value})
    assert english.get_json()["error"]["code"] == "bad_text"
    assert "control character" in english.get_json()["error"]["message"]
    assert _complaints() == 0


@pytest.mark.parametrize("value", ["\x00", "a\x1fb"])
def test_form_and_query_text_that_cannot_be_stored_is_a_400_page(client, make_office, value):
    make_office()
    page = client.post("/login", data={"username": value, "password": "x"})
    assert page.status_code == 400 and "ký tự" in page.get_data(as_text=True)
    form = client.post("/complaints/new", data={"office": "VY", "subject": "A", "text": value})
    assert form.status_code == 400
    assert client.get("/procedures", query_string={"q": value}).status_code == 400
    assert client.get(f"/d/{value}").status_code == 400
    assert _complaints() == 0


def test_tab_newlines_and_decomposed_vietnamese_are_accepted(client, make_office):
    make_office()
    text = "Dòng một\r\n\tDòng hai"
    answer = client.post(
        "/api/v1/complaints",
        json={"office": "VY", "subject": unicodedata.normalize("NFD", "Thủ tục"), "text": text},
    )
    assert answer.status_code == 201
    complaint = db.session.scalar(select(Complaint))
    assert complaint.subject == "Thủ tục" and "\tDòng hai" in complaint.text


@pytest.mark.parametrize(
    "url", [f"/rate/counter/{2**31}", f"/rate/counter/{2**63}", "/rate/counter/" + "9" * 5000]
)
def test_an_id_past_what_the_database_holds_is_a_404(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "body, status, code",
    [
        ("[" * 10_000 + "]" * 10_000, 400, "too_deep"),
        ('{"a":' * 25 + "1" + "}" * 25, 400, "too_deep"),
        ('{"text": "' + "x" * (300 * 1024) + '"}', 413, "too_large"),
        # Not JSON at all: the view answers as for any malformed body.
        ('{"score": NaN}', 400, "bad_request"),
        ('{"score": 1e999}', 400, "bad_json"),
        ('{"score": ' + str(2**64) + "}", 400, "bad_json"),
    ],
)
def test_json_past_the_limits_is_refused_with_a_code(client, make_office, body, status, code):
    make_office()
    answer = client.post("/api/v1/complaints", data=body, content_type="application/json")
    assert answer.status_code == status
    assert answer.get_json()["error"]["code"] == code
    assert _complaints() == 0
