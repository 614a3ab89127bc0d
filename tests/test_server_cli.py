"""``kg serve`` refuses unsafe or impossible settings before it starts."""

from __future__ import annotations

import socket


def test_update_needs_a_token(run_kg, monkeypatch):
    monkeypatch.delenv("KG_UPDATE_TOKEN", raising=False)
    result = run_kg("serve", "--allow-update", "--port", "0")
    assert result.exit_code == 2 and "--allow-update needs a token" in result.stderr


def test_allow_service_needs_an_http_prefix(run_kg):
    result = run_kg("serve", "--allow-service", "file:///etc", "--port", "0")
    assert result.exit_code == 2 and "expects an http(s) IRI prefix" in result.stderr


def test_port_in_use(run_kg):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run_kg("serve", "--port", str(port))
    assert result.exit_code == 2 and f"cannot listen on 127.0.0.1:{port}" in result.stderr
