from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from actions import HTTPError, NetworkError, RequestClient
from actions._request import encode_form, response_data
from actions.runtime import HttpSession


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


def _capture(
    status: int = 200, body: bytes = b"{}", headers: dict[str, str] | None = None
) -> tuple[list[httpx.Request], httpx.MockTransport]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, content=body, headers=headers or {"content-type": "application/json"})

    return seen, httpx.MockTransport(handler)


def test_json_body_uses_javascript_formatting_and_json_content_type() -> None:
    seen, transport = _capture()

    async def go() -> None:
        async with HttpSession(transport=transport) as session:
            await RequestClient(session)(
                "https://api.example.com/x", method="post", json={"n": 2.0, "s": "é"}
            )

    _run(go())
    assert seen[0].method == "POST"
    assert seen[0].content == '{"n":2,"s":"é"}'.encode()
    assert seen[0].headers["content-type"] == "application/json"
    assert seen[0].headers["user-agent"] == "Segment (Actions)"


def test_form_body_is_encoded_like_url_search_params_and_omits_none() -> None:
    assert encode_form({"a b": "x*y~z", "skip": None, "n": 3, "j": '{"k":1}'}) == (
        "a+b=x*y%7Ez&n=3&j=%7B%22k%22%3A1%7D"
    )
    seen, transport = _capture()

    async def go() -> None:
        async with HttpSession(transport=transport) as session:
            await RequestClient(session)("https://e.x/identify", method="POST", form={"api_key": "k"})

    _run(go())
    assert seen[0].headers["content-type"] == "application/x-www-form-urlencoded;charset=UTF-8"
    assert seen[0].content == b"api_key=k"


def test_basic_auth_headers_and_params_from_destination_defaults() -> None:
    seen, transport = _capture()

    async def go() -> None:
        async with HttpSession(transport=transport) as session:
            client = RequestClient(
                session, {"auth": ("user", "pw"), "headers": {"X-Team": "a"}, "params": {"q": 1}}
            )
            await client("https://e.x/search?old=1", headers={"x-team": "b"})

    _run(go())
    request = seen[0]
    assert request.headers["authorization"] == "Basic dXNlcjpwdw=="
    assert request.headers["x-team"] == "b"
    assert str(request.url) == "https://e.x/search?q=1"


def test_base_url_replaces_scheme_host_and_port_but_keeps_path_and_query() -> None:
    seen, transport = _capture()

    async def go() -> None:
        async with HttpSession(transport=transport, base_url="http://127.0.0.1:8080/proxy") as session:
            await RequestClient(session)("https://api2.amplitude.com/2/httpapi?x=1", method="POST", json={})

    _run(go())
    assert str(seen[0].url) == "http://127.0.0.1:8080/proxy/2/httpapi?x=1"


def test_non_2xx_raises_http_error_unless_told_not_to() -> None:
    _, transport = _capture(status=503, body=b"down", headers={"retry-after": "2"})

    async def go(throw: bool) -> httpx.Response:
        async with HttpSession(transport=transport) as session:
            return await RequestClient(session)("https://e.x/", throw_http_errors=throw)

    with pytest.raises(HTTPError) as info:
        _run(go(True))
    assert (info.value.status, str(info.value), info.value.retry_after) == (503, "Service Unavailable", 2.0)
    assert _run(go(False)).status_code == 503


def test_transport_failures_become_retryable_network_errors() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    def reset(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("Server disconnected", request=request)

    async def go(handler: Any) -> None:
        async with HttpSession(transport=httpx.MockTransport(handler), timeout=1.5) as session:
            await RequestClient(session)("https://e.x/")

    with pytest.raises(NetworkError, match="Request timed out after 1500ms") as info:
        _run(go(timeout))
    assert info.value.retryable
    with pytest.raises(NetworkError, match="Server disconnected") as info2:
        _run(go(reset))
    assert info2.value.code == "ECONNRESET"


def test_every_exchange_is_reported_including_failures() -> None:
    exchanges: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/boom":
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"ok": True})

    async def go() -> None:
        async with HttpSession(
            transport=httpx.MockTransport(handler), on_exchange=exchanges.append
        ) as session:
            client = RequestClient(session)
            response = await client("https://e.x/fine")
            assert response_data(response) == {"ok": True}
            with pytest.raises(NetworkError):
                await client("https://e.x/boom")

    _run(go())
    assert [e.request.url.path for e in exchanges] == ["/fine", "/boom"]
    assert exchanges[0].response.status_code == 200
    assert exchanges[1].response is None and isinstance(exchanges[1].error, NetworkError)


def test_response_data_parses_json_only_for_json_content() -> None:
    assert response_data(httpx.Response(200, json={"a": 1})) == {"a": 1}
    assert response_data(httpx.Response(200, text="plain")) == "plain"
    assert (
        response_data(httpx.Response(200, content=b"{bad", headers={"content-type": "application/json"}))
        is None
    )
    assert json.loads(b"{}") == {}


def test_lone_surrogates_become_replacement_characters_in_forms_and_credentials() -> None:
    assert encode_form({"api_key": "k\ud800y"}) == "api_key=k%EF%BF%BDy"
    seen, transport = _capture()

    async def go() -> None:
        async with HttpSession(transport=transport) as session:
            await RequestClient(session, {"auth": ("k\ud800", "s")})("https://e.x/")

    _run(go())
    assert seen[0].headers["authorization"] == "Basic a++/vTpz"


def test_a_read_response_is_freed_without_the_cyclic_collector() -> None:
    """An httpx response and its stream refer to each other, and through the stream to the request
    and its body: left alone, each request body (up to megabytes) stays in memory until the cyclic
    collector runs. The session ends that cycle once the body is read."""
    import gc
    import sys
    import weakref
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent / "delivery"))
    from http_fakes import local_server

    async def go(url: str) -> tuple[weakref.ref[httpx.Response], weakref.ref[httpx.Request], bytes]:
        async with HttpSession() as session:
            request = httpx.Request("POST", url, content=b"x" * 600_000)
            response = await session.send(request)
            body = response.content
            refs = weakref.ref(response), weakref.ref(request)
            del request, response
            return refs[0], refs[1], body

    gc.collect()
    gc.disable()
    try:
        with local_server() as server:
            response_ref, request_ref, body = _run(go(server.url))
        assert body is not None
        assert response_ref() is None and request_ref() is None
    finally:
        gc.enable()


def _local_server() -> Any:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent / "delivery"))
    from http_fakes import local_server

    return local_server()


def _network_session(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    """The environment httpx reads when a session without a transport is built: only ``env``."""
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy",
                 "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def test_ca_certificates_the_environment_names_are_loaded_when_the_session_is_built(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """Only the bundle httpx ships with waits for the first request: a file named here may fail."""
    _network_session(monkeypatch, SSL_CERT_FILE=str(tmp_path / "missing.pem"))
    with pytest.raises(FileNotFoundError):
        HttpSession()


def test_a_session_built_without_a_transport_sends_over_the_network_at_its_first_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _network_session(monkeypatch)

    async def go(url: str) -> list[int]:
        async with HttpSession() as session:
            sent = [await session.send(httpx.Request("POST", url, json={"n": n})) for n in (1, 2)]
            return [response.status_code for response in sent]

    with _local_server() as server:
        assert _run(go(server.url + "/track")) == [200, 200]
        assert server.bodies() == [{"n": 1}, {"n": 2}]


def test_proxies_from_the_environment_still_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    """The network transport waits for the first request; the proxies httpx reads do not change."""
    with _local_server() as proxy:
        _network_session(monkeypatch, HTTP_PROXY=proxy.url)

        async def go() -> int:
            async with HttpSession() as session:
                response = await session.send(httpx.Request("POST", "http://vendor.invalid/track", json={}))
                return response.status_code

        assert _run(go()) == 200
        assert [request.path for request in proxy.received] == ["http://vendor.invalid/track"]
