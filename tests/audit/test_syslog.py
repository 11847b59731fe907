"""Security events to a log collector (AUDIT_SYSLOG_URL): RFC 5424 messages over
UDP, TCP and TLS, through a queue, so no collector can hold up a request."""

from __future__ import annotations

import datetime
import ipaddress
import logging
import socket
import ssl
import threading
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from audit.syslog import CollectorHandler, QueuedCollectorHandler
from tests.test_settings import run

LINE = '{"event":"LOGIN","id":7,"user_id":1}'


class Collector:
    """A syslog collector on 127.0.0.1: keeps the octet-counted frames (TCP,
    TLS) or datagrams (UDP) it receives."""

    def __init__(self, kind: str = "tcp", tls: ssl.SSLContext | None = None) -> None:
        self.messages: list[str] = []
        self.kind = kind
        self.sock = socket.socket(type=socket.SOCK_DGRAM if kind == "udp" else socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.tls = tls
        if kind != "udp":
            self.sock.listen()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        if self.kind == "udp":
            while True:
                data, _ = self.sock.recvfrom(65536)
                self.messages.append(data.decode())
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            if self.tls is not None:
                try:
                    connection = self.tls.wrap_socket(connection, server_side=True)
                except ssl.SSLError:
                    continue  # a client that did not trust it
            threading.Thread(target=self.read, args=(connection,), daemon=True).start()

    def read(self, connection) -> None:
        buffer = b""
        while chunk := connection.recv(65536):
            buffer += chunk
            while b" " in buffer:
                length, rest = buffer.split(b" ", 1)
                if len(rest) < int(length):
                    break
                self.messages.append(rest[: int(length)].decode())
                buffer = rest[int(length) :]

    def wait(self, count: int = 1, seconds: float = 10) -> list[str]:
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages

    def close(self) -> None:
        self.sock.close()


def record(message: str = LINE) -> logging.LogRecord:
    return logging.LogRecord("gql_auth.audit", logging.INFO, __file__, 1, message, None, None)


def fields(message: str) -> list[str]:
    """RFC 5424: PRI+VERSION, TIMESTAMP, HOSTNAME, APP-NAME, PROCID, MSGID, SD, MSG."""
    return message.split(" ", 7)


def test_the_service_sends_its_audit_lines_as_rfc_5424_over_tcp():
    collector = Collector()
    probe = f"import logging; logging.getLogger('gql_auth.audit').info({LINE!r})"
    done = run({"DEBUG": "1", "AUDIT_SYSLOG_URL": f"tcp://127.0.0.1:{collector.port}"}, probe)
    assert done.returncode == 0, done.stderr
    (message,) = collector.wait()
    version, stamp, host, app, pid, msgid, data, line = fields(message)
    assert version == "<86>1"  # authpriv (10) * 8 + informational (6)
    assert datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")).tzinfo is not None
    assert (app, msgid, data, line) == ("gql-auth", "LOGIN", "-", LINE) and pid.isdigit() and host


@pytest.mark.parametrize("url", ["syslog://127.0.0.1:514", "tcp://", "tcp://127.0.0.1:99999", "tcp://h:514/x"])
def test_a_malformed_collector_address_stops_start_up_with_a_clear_message(url):
    done = run({"DEBUG": "1", "AUDIT_SYSLOG_URL": url}, "")
    assert done.returncode != 0 and "AUDIT_SYSLOG_URL" in done.stderr


def test_udp_sends_one_datagram_per_line():
    collector = Collector("udp")
    handler = CollectorHandler(f"udp://127.0.0.1:{collector.port}")
    handler.emit(record())
    (message,) = collector.wait()
    assert fields(message)[7] == LINE
    handler.close()


def self_signed() -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "collector")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )
    pem_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return certificate.public_bytes(serialization.Encoding.PEM), pem_key


def test_tls_checks_the_collectors_certificate(tmp_path):
    certificate, key = self_signed()
    (tmp_path / "c.pem").write_bytes(certificate)
    (tmp_path / "k.pem").write_bytes(key)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(tmp_path / "c.pem", tmp_path / "k.pem")
    collector = Collector(tls=server)
    trusting = CollectorHandler(f"tls://127.0.0.1:{collector.port}", ca_file=str(tmp_path / "c.pem"))
    trusting.emit(record())
    assert fields(collector.wait()[0])[7] == LINE
    trusting.close()
    untrusting = CollectorHandler(f"tls://127.0.0.1:{collector.port}")  # the system's CAs: not this one
    untrusting.emit(record('{"event":"SECRET_NOT_SENT"}'))
    time.sleep(0.3)
    assert len(collector.messages) == 1 and untrusting.reported


def test_a_collector_that_starts_late_or_restarts_gets_the_next_lines(capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = CollectorHandler(f"tcp://127.0.0.1:{port}")  # nothing listens: no error at start
    handler.emit(record('{"event":"LOST"}'))
    handler.emit(record('{"event":"LOST"}'))
    assert capsys.readouterr().err.count("not delivered") == 1  # once per outage
    collector = Collector()
    handler.address = ("127.0.0.1", collector.port)
    handler.emit(record())
    assert [fields(m)[7] for m in collector.wait()] == [LINE]
    assert "answers again" in capsys.readouterr().err
    handler.close()


def test_a_full_queue_drops_lines_instead_of_waiting():
    handler = QueuedCollectorHandler("tcp://127.0.0.1:9", size=2)
    handler.stop()  # a collector that takes nothing
    for _ in range(3):
        handler.handle(record())  # returns at once, every time
    assert handler.dropped == 1
    handler.collector.close()
