"""Malformed numbers never answer 5xx (issue 11, item 11).

`str.isdigit()` accepts "²" that `int()` refuses, and an id of 2^63 overflows SQLite:
both were HTTP 500. One walk over the whole URL map sends exotic values in every
path parameter, in the query string of every GET and in the form of every POST,
as anonymous, as a member holding every role of a collectivité, and as the operator.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from flask import url_for
from sqlalchemy import select

from change_portal.core.params import MAX_ID, parse_int
from change_portal.extensions import db
from courses import importer
from courses.models import Question
from tests import factories
from tests.access import all_objects, all_rules
from tests.courses.factories import create_module, module_files

HOSTILE = ("²", "9999999999999999999999", "-1", str(2**63), "٣")
QUERY_NAMES = ("page", "citer", "version", "service", "projet", "a", "de", "statut", "depuis")
FORM_NAMES = ("project_id", "version", "edit_version", "position", "participants",
              "service_id", "module_id", "lead_id", "axis_id", "owner_id", "category_id")
MEMBER_ROLES = ["admin", "agent", "trainer", "project_lead", "elected"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12", 12), ("0", 0), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None), ("²", None),
     ("٣", None), ("-1", None), (" 1", None), ("1 ", None), ("", None), (None, None),
     (["1"], None), ("1" * 5000, None), ("0x10", None), ("1_000", None)],
)
def test_parse_int_accepts_ascii_digits_within_bounds_only(raw, expected):
    assert parse_int(raw) == expected


def test_parse_int_bounds():
    assert parse_int("0", minimum=1) is None
    assert parse_int("101", maximum=100) is None
    assert parse_int("100", maximum=100) == 100


def _rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def _url(app, rule, values) -> str:
    with app.test_request_context():
        return url_for(rule.endpoint, **{a: values[a] for a in rule.arguments})


def _hostile_paths(rule, values) -> list[str]:
    """The rule's path with each parameter in turn replaced by each hostile value
    (built by hand: url_for would refuse them)."""
    urls = []
    for arg in sorted(rule.arguments):
        for bad in HOSTILE:
            path = rule.rule
            for name in rule.arguments:
                value = bad if name == arg else str(values[name])
                path = path.replace(f"<{_converter_text(rule, name)}{name}>", value)
            urls.append(path)
    return urls


def _converter_text(rule, name: str) -> str:
    """'int:' or 'path:' or '' as written in the rule for parameter `name`."""
    for prefix in ("int:", "path:", "string:", ""):
        if f"<{prefix}{name}>" in rule.rule:
            return prefix
    raise AssertionError(f"{rule.rule}: cannot find <{name}>")


def test_no_route_answers_5xx_on_malformed_numbers(app, client, org):
    member = factories.create_user(org, MEMBER_ROLES, service=factories.create_service(org))
    operator = factories.create_user(None, ["operator"])
    values = all_objects(org, {"admin": member})
    question_ids = list(db.session.scalars(select(Question.id)))
    rules = all_rules()
    query = "&".join(f"{n}={bad}" for n in QUERY_NAMES for bad in HOSTILE[:1]) + "&page=" + (
        HOSTILE[1])
    form = {name: HOSTILE[0] for name in FORM_NAMES}
    form.update({f"q{qid}": ["²", "9999999999999999999999"] for qid in question_ids})
    failures, sent = [], 0
    for actor in ("anonymous", member, operator):
        for rule in _rules(app):
            methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
            if actor != "anonymous":
                factories.log_in(client, actor)  # a POST may have logged us out
            urls = _hostile_paths(rule, values) if rule.arguments else []
            for url in urls:
                for method in methods:
                    sent += 1
                    status = client.open(url, method=method).status_code
                    if status >= 500:
                        failures.append(f"{method} {url}: {status}")
            valid = _url(app, rule, values)
            for method in methods:
                sent += 1
                if method == "GET":
                    resp = client.get(f"{valid}?{query}")
                else:
                    data = {**rules[rule.endpoint].form, **form}
                    resp = client.open(valid, method=method, data=data)
                if resp.status_code >= 500:
                    failures.append(f"{method} {valid} (hostile query/form): {resp.status_code}")
    assert not failures, f"{len(failures)} of {sent} requests answered 5xx:\n" + "\n".join(
        failures[:40])
    assert sent > 500  # the walk really covered the map


def test_huge_and_exotic_ids_in_urls_are_404(client, login_as):
    login_as("admin")
    for bad in ("9999999999999999999999", str(2**63), str(MAX_ID + 1), "²", "٣"):
        assert client.get(f"/forums/sujets/{bad}").status_code == 404
        assert client.get(f"/admin/utilisateurs/{bad}").status_code == 404


def test_quiz_answers_with_exotic_digits_are_refused_not_500(client, login_as, org):
    login_as("agent")
    module = create_module(lessons=1)
    qids = list(db.session.scalars(select(Question.id)))
    data = {f"q{q}": ["²", "٣", "99999999999999999999"] for q in qids}
    resp = client.post(f"/modules/{module.id}/lecons/lecon-1/quiz/0", data=data)
    assert resp.status_code == 422
    assert "Répondez à toutes les questions" in resp.get_data(as_text=True)


def _zip_with_bad_crc() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in module_files(lessons=1).items():
            archive.writestr(f"crc-casse/{name}", content)
    data = bytearray(buffer.getvalue())
    # Flip one byte of the first member's compressed data: its CRC no longer matches.
    header_len = 30 + len("crc-casse/module.md")
    data[header_len + 5] ^= 0xFF
    return bytes(data)


def test_zip_with_bad_crc_is_a_clear_error(org):
    report = importer.sync_zip(_zip_with_bad_crc(), org.id)
    assert not report.ok
    assert any("fichier illisible dans l'archive" in e for e in report.errors), report.errors


def test_zip_with_bad_crc_uploaded_is_a_page_not_500(client, login_as):
    login_as("trainer")
    resp = client.post("/modules/gestion/importer", data={
        "zip-archive": (io.BytesIO(_zip_with_bad_crc()), "modules.zip")},
        content_type="multipart/form-data")
    assert resp.status_code == 200
    assert "fichier illisible dans l" in resp.get_data(as_text=True)
