"""The local Function URL events, read the way the handlers' library reads real ones: powertools'
Function URL model (every field AWS fills) and its event class (what a resolver route sees)."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs

from aws_lambda_powertools.utilities.data_classes import LambdaFunctionUrlEvent
from aws_lambda_powertools.utilities.parser.models import LambdaFunctionUrlModel

from og.local.function_url import http_response, request_event

BROWSER = [
    ("Host", "localhost:8765"),
    ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/120"),
    ("Accept", "text/html"),
    ("Accept", "application/xhtml+xml"),
    ("Cookie", "a=1; b=2"),
    ("Content-Type", "application/x-www-form-urlencoded"),
]


def test_a_browser_form_post_arrives_as_a_function_url_delivers_it() -> None:
    event = request_event(
        "POST", "/done", "t=abc.def&x=1&x=2", BROWSER, b"t=abc.def", source_ip="127.0.0.9"
    )

    model = LambdaFunctionUrlModel.model_validate(event)
    assert model.requestContext.http.method == "POST"
    assert str(model.requestContext.http.sourceIp) == "127.0.0.9/32"
    assert model.requestContext.accountId == "anonymous"
    assert model.cookies == ["a=1", "b=2"]
    assert model.queryStringParameters == {"t": "abc.def", "x": "1,2"}

    seen = LambdaFunctionUrlEvent(event)
    assert seen.path == "/done" and seen.http_method == "POST"
    assert seen.headers["accept"] == "text/html,application/xhtml+xml"
    assert seen.headers["user-agent"].startswith("Mozilla/5.0")
    assert seen.is_base64_encoded  # a form is not text to a Function URL
    assert parse_qs(seen.decoded_body) == {"t": ["abc.def"]}


def test_json_and_text_bodies_arrive_as_text_and_a_get_has_no_body() -> None:
    signup = request_event("POST", "/", "", [("Content-Type", "application/json")], b'{"a": 1}')
    assert (signup["body"], signup["isBase64Encoded"]) == ('{"a": 1}', False)
    click = request_event("GET", "/done", "", BROWSER[:3], b"")
    assert "body" not in click and "queryStringParameters" not in click
    LambdaFunctionUrlModel.model_validate(click)


def test_the_functions_answer_becomes_the_http_reply() -> None:
    png = b"\x89PNG\r\n"
    answer = http_response(
        {
            "statusCode": 201,
            "headers": {"Content-Type": "image/png"},
            "cookies": ["s=1; HttpOnly", "t=2"],
            "body": base64.b64encode(png).decode(),
            "isBase64Encoded": True,
        }
    )
    assert answer.status == 201 and answer.body == png
    assert answer.headers == [
        ("Content-Type", "image/png"),
        ("set-cookie", "s=1; HttpOnly"),
        ("set-cookie", "t=2"),
    ]
    bare = http_response({"ok": True})  # no statusCode: a 200 with the value as JSON
    assert (bare.status, bare.body) == (200, b'{"ok": true}')
