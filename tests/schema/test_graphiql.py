"""The explorer's files are the service's own: the published builds, unchanged
(schema/static/graphiql/VENDORED.md), and a page that names no other host."""

import base64
import hashlib
import re
from pathlib import Path

import pytest

VENDORED = Path(__file__).resolve().parents[2] / "schema" / "static" / "graphiql"
SHA384 = {
    "react.production.min.js": "tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8",
    "react-dom.production.min.js": "bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh",
    "graphiql.min.js": "HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie",
    "graphiql.min.css": "Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
    "plugin-explorer.umd.js": "2oonKe47vfHIZnmB6ZZ10vl7T0Y+qrHQF2cmNTaFDuPshpKqpUMGMc9jgj9MLDZ9",
    "plugin-explorer.css": "5DFJlDPW2tSATRbM8kzoP1j194jexLswuNmClWoRr2Q0x7R68JIQzPHZ02Faktwi",
}


@pytest.mark.parametrize("name", SHA384)
def test_the_vendored_builds_are_the_published_bytes(name):
    """The same Subresource Integrity hashes strawberry pins for these files on the CDN."""
    digest = base64.b64encode(hashlib.sha384((VENDORED / name).read_bytes()).digest()).decode()
    assert digest == SHA384[name]
    assert SHA384[name] in (VENDORED / "VENDORED.md").read_text()


def test_the_explorer_page_loads_only_this_services_files(client, settings):
    response = client.get("/graphql/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    page = response.content.decode()
    assert re.findall(r'(?:src|href)="([^"]+)"', page) and all(
        url.startswith("/static/graphiql/") for url in re.findall(r'(?:src|href)="([^"]+)"', page)
    )
    assert "<script>" not in page  # no inline script
    csp = response["Content-Security-Policy"]
    assert "script-src 'self';" in csp + ";" and "unsafe" not in csp and "http" not in csp
