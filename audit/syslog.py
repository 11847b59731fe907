"""Security events to a log collector too (a SIEM's syslog input): the JSON
audit lines as RFC 5424 messages, over UDP, TCP or TLS (RFC 5425), from the
standard library's SysLogHandler, set by AUDIT_SYSLOG_URL
(`udp://host:514`, `tcp://host:514`, `tls://host:6514`; AUDIT_SYSLOG_CA_FILE
for a private CA).

The lines go through a bounded queue and a listener thread (the standard
library's QueueHandler and QueueListener), so a slow, hanging or absent
collector never holds up a request: the line is dropped when the queue is
full, and said so on stderr. The table (audit.models.SecurityEvent) keeps
every event whatever the collector does. A connection the collector closed
is opened again at the next line.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import queue
import socket
import ssl
import sys
from datetime import UTC, datetime
from logging.handlers import QueueHandler, QueueListener, SysLogHandler
from urllib.parse import urlsplit

SCHEMES = {"udp": socket.SOCK_DGRAM, "tcp": socket.SOCK_STREAM, "tls": socket.SOCK_STREAM}
APP_NAME = "gql-auth"
QUEUE_SIZE = 10_000
TIMEOUT = 5  # seconds


def parse_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of AUDIT_SYSLOG_URL, or ValueError saying what is wrong."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname or parts.path not in ("", "/"):
        raise ValueError(f"AUDIT_SYSLOG_URL {url!r} must be udp://, tcp:// or tls://host:port, with nothing after.")
    try:
        port = parts.port or (6514 if parts.scheme == "tls" else 514)
    except ValueError:
        raise ValueError(f"AUDIT_SYSLOG_URL {url!r} has no valid port.") from None
    return parts.scheme, parts.hostname, port


class CollectorHandler(SysLogHandler):
    """SysLogHandler writing RFC 5424 (its own messages are BSD syslog's), with
    TLS, octet-counted frames on a stream (RFC 6587 3.4.1, as RFC 5425 asks),
    and a stream opened again when the collector closed it."""

    def __init__(self, url: str, ca_file: str | None = None) -> None:
        self.scheme, host, port = parse_url(url)
        self.tls = ssl.create_default_context(cafile=ca_file) if self.scheme == "tls" else None
        self.reported = False
        super().__init__(address=(host, port), facility=SysLogHandler.LOG_AUTHPRIV, socktype=SCHEMES[self.scheme])

    def createSocket(self) -> None:  # noqa: N802 (the standard library's name)
        # Never raised (at start-up the collector may not listen yet): kept, and
        # tried again at the next line.
        self.connect_error = None
        try:
            super().createSocket()
            # A collector that accepts but never answers (its handshake, its reads)
            # stops the listener thread this long, never longer.
            self.socket.settimeout(TIMEOUT)
            if self.tls is not None:
                self.socket = self.tls.wrap_socket(self.socket, server_hostname=self.address[0])
        except OSError as error:  # ssl.SSLError among them: a certificate no trusted CA signed
            if getattr(self, "socket", None) is not None:
                self.socket.close()
            self.socket, self.connect_error = None, error

    def message(self, record: logging.LogRecord) -> bytes:
        line = self.format(record)
        try:
            event = json.loads(line).get("event") or "-"
        except (ValueError, AttributeError):
            event = "-"
        stamp = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        priority = self.encodePriority(self.facility, self.mapPriority(record.levelname))
        host = socket.gethostname() or "-"
        return f"<{priority}>1 {stamp} {host} {APP_NAME} {os.getpid()} {event[:32]} - {line}".encode()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = self.message(record)
            for attempt in (1, 2):
                if self.socket is None:
                    self.createSocket()
                if self.socket is None:
                    raise self.connect_error
                try:
                    if self.socktype == socket.SOCK_DGRAM:
                        self.socket.sendto(message, self.address)
                    else:
                        self.socket.sendall(b"%d %s" % (len(message), message))
                    break
                except OSError:
                    self.socket.close()
                    self.socket = None
                    if attempt == 2:
                        raise
            if self.reported:
                sys.stderr.write("Audit syslog: the collector answers again.\n")
                self.reported = False
        except Exception as error:
            if not self.reported:  # once per outage, not a traceback per line
                sys.stderr.write(f"Audit syslog: lines not delivered ({type(error).__name__}: {error}).\n")
                self.reported = True


class QueuedCollectorHandler(QueueHandler):
    """The handler the logging settings name: a bounded queue in front of a
    CollectorHandler that a listener thread feeds."""

    def __init__(self, url: str, ca_file: str | None = None, size: int = QUEUE_SIZE) -> None:
        super().__init__(queue.Queue(maxsize=size))
        self.collector = CollectorHandler(url, ca_file)
        self.collector.setFormatter(logging.Formatter("%(message)s"))
        self.listener = QueueListener(self.queue, self.collector)
        self.listener.start()
        self.listening = True
        atexit.register(self.stop)  # what is queued is sent before the process ends
        self.dropped = 0

    def stop(self) -> None:
        if self.listening:
            self.listening = False
            try:
                self.listener.stop()
            except queue.Full:
                pass  # a collector that took nothing: its lines go with the process

    def enqueue(self, record: logging.LogRecord) -> None:
        try:
            self.queue.put_nowait(record)
        except queue.Full:
            self.dropped += 1
            if self.dropped == 1:
                sys.stderr.write("Audit syslog: the queue is full (the collector is slow); lines dropped.\n")

    def close(self) -> None:
        self.stop()
        self.collector.close()
        super().close()
