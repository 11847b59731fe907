"""schema.graphql, the served schema as SDL, is kept in the repository so that a
change of the public contract shows in review: `make schema` writes it."""

import re
from pathlib import Path

from schema.schema import schema

SDL_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_schema_graphql_is_the_served_schema():
    assert SDL_FILE.read_text().strip() == schema.as_str().strip(), "run `make schema` and review the change"


def test_the_public_sdl_prints_no_permission_directives():
    sdl = schema.as_str()
    assert "directive @" not in sdl
    # As in `email: String @isOwnerOrHasPerm`; the spec's own @specifiedBy (on JSON) is not one.
    assert not re.search(r"[)\]!\w] @(?!specifiedBy\()[a-zA-Z]", sdl)
