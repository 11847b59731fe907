"""What a mail says of the browser that did something: "Firefox 128 on Windows".

The User-Agent header is whatever the client chose to send, so a notice that
quoted it would let an intruder write his own sentence into the owner's alarm
("this change was made by our security team"). It is parsed with ua-parser
(uap-core's regexes) and only the browser's and system's names and major
versions are shown, from a short list of characters and bounded in length.
"""

from __future__ import annotations

import re

import ua_parser

UNKNOWN = "an unknown browser"
# Names in uap-core are words, digits and a few marks; anything else is dropped.
UNSAFE = re.compile(r"[^A-Za-z0-9 ._-]")
NAME_MAX = 32


def clean(value: str | None) -> str:
    return UNSAFE.sub("", value or "").strip()[:NAME_MAX]


def describe(user_agent: str) -> str:
    parsed = ua_parser.parse(user_agent[:512])
    if parsed.user_agent is None:
        return UNKNOWN
    browser = " ".join(filter(None, [clean(parsed.user_agent.family), clean(parsed.user_agent.major)]))
    system = clean(parsed.os.family) if parsed.os is not None else ""
    if not browser:
        return UNKNOWN
    return f"{browser} on {system}" if system and system != "Other" else browser
