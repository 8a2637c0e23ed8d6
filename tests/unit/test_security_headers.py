"""services.api.middleware.add_security_headers: every answer gets the security headers; one the answer already
has is kept, except the request id and HSTS, which are ours; static files keep their own caching."""

from __future__ import annotations

from services.api.middleware import SECURITY_HEADERS, add_security_headers


async def _sent(headers: list[tuple[bytes, bytes]], **scope) -> dict[bytes, list[bytes]]:
    message = {"type": "http.response.start", "status": 200, "headers": headers}
    await add_security_headers(message, {"path": "/t/bieb/balie", "scheme": "http", **scope})  # type: ignore[arg-type]
    out: dict[bytes, list[bytes]] = {}
    for k, v in message["headers"]:
        out.setdefault(k, []).append(v)
    return out


async def test_every_security_header_once_and_what_the_answer_set_is_kept() -> None:
    sent = await _sent(
        [(b"content-type", b"text/html"), (b"x-frame-options", b"SAMEORIGIN"), (b"x-request-id", b"old")],
        ido_request_id="abc",
    )
    for name, value in SECURITY_HEADERS.items():
        assert len(sent[name.encode()]) == 1
        if name != "x-frame-options":
            assert sent[name.encode()] == [value.encode()]
    assert sent[b"x-frame-options"] == [b"SAMEORIGIN"]
    assert sent[b"x-request-id"] == [b"abc"]
    assert sent[b"cache-control"] == [b"no-store"]
    assert b"strict-transport-security" not in sent


async def test_https_gets_hsts_and_static_files_keep_their_caching() -> None:
    sent = await _sent([(b"cache-control", b"public, max-age=60")], scheme="https", path="/static/app.css")
    assert sent[b"strict-transport-security"] == [b"max-age=31536000; includeSubDomains"]
    assert sent[b"cache-control"] == [b"public, max-age=60"]
    assert b"cache-control" not in await _sent([], path="/static/app.css")


async def test_other_messages_pass_unchanged() -> None:
    body = {"type": "http.response.body", "body": b"x"}
    await add_security_headers(body, {"path": "/"})  # type: ignore[arg-type]
    assert body == {"type": "http.response.body", "body": b"x"}
