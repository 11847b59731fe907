"""A body refused for its size is read and dropped (within a cap), so the
keep-alive connection it came on serves the next request, under the production
server (schema/responses.py::body_too_large)."""

from __future__ import annotations

import socket

import pytest

from tests.servers import Server, server_env

SMALL = b'{"query": "{ __typename }"}'


def post(path: bytes, body: bytes, content_type: bytes = b"application/json") -> bytes:
    return (
        b"POST "
        + path
        + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
        + content_type
        + b"\r\nContent-Length: %d\r\n\r\n" % len(body)
        + body
    )


def answer(sock: socket.socket) -> bytes:
    """The head of one whole HTTP answer, its body (sized or chunked) read off the socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += receive(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    headers = {line.split(b":")[0].lower(): line.split(b":", 1)[1].strip() for line in head.split(b"\r\n")[1:]}
    if b"content-length" in headers:
        while len(body) < int(headers[b"content-length"]):
            body += receive(sock)
    else:
        while not body.endswith(b"0\r\n\r\n"):
            body += receive(sock)
    return head


def receive(sock: socket.socket) -> bytes:
    chunk = sock.recv(65536)
    if not chunk:
        raise ConnectionError("the server closed the connection")
    return chunk


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bodies")
    started = Server(server_env(f"sqlite:///{tmp / 'db.sqlite3'}"), tmp / "server.log")
    started.wait_ready()
    yield started
    started.stop()


@pytest.mark.parametrize(
    ("path", "body", "content_type"),
    [
        (b"/graphql/", b'{"query": "' + b"x" * 200_000 + b'"}', b"application/json"),
        (
            b"/identity/o/api/token",
            b"grant_type=client_credentials&junk=" + b"x" * 200_000,
            b"application/x-www-form-urlencoded",
        ),
    ],
)
def test_the_connection_serves_the_next_request_after_a_refused_body(server, path, body, content_type):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(post(path, body, content_type))
        assert answer(sock).startswith(b"HTTP/1.1 413")
        for _ in range(3):
            sock.sendall(post(b"/graphql/", SMALL))
            assert answer(sock).startswith(b"HTTP/1.1 200")
