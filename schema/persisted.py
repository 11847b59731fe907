"""Documents a request names instead of sending them: Apollo's automatic
persisted queries (`extensions.persistedQuery.sha256Hash`, with the
`PersistedQueryNotFound` round trip), `documentId` (GraphQL over HTTP's
persisted documents), and trusted documents (GRAPHQL_TRUSTED_DOCUMENTS: the
manifest GraphQL Code Generator's client preset writes, hash → document; when
set, only its documents run, however they are sent).

Each hash names its text; the text is what the schema's document cache
(schema/extensions/documents.py) keys on, so a hash costs one parse and one
validation per process like any text.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from threading import Lock

from django.core.exceptions import ImproperlyConfigured

from users.errors import RequestErrorCode

# Hashes a process remembers for automatic persisted queries: bounded in number and in
# characters, since anyone may register new ones (the oldest is forgotten, and its
# client sends the text again).
REMEMBERED = 1024
REMEMBERED_CHARACTERS = 4 * 1024 * 1024
SHA256 = re.compile(r"(?:sha256:)?([0-9a-fA-F]{64})\Z")


class DocumentRefused(Exception):
    """A request whose document cannot be found, trusted or matched to its hash."""

    def __init__(self, message: str, status: int, code: RequestErrorCode) -> None:
        super().__init__(message)
        self.message, self.status, self.code = message, status, code


def not_found() -> DocumentRefused:
    # The message is the protocol: Apollo's link and urql's exchange look for it.
    return DocumentRefused("PersistedQueryNotFound", 200, RequestErrorCode.PERSISTED_QUERY_NOT_FOUND)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# The service's own pages' scripts: their documents are trusted whatever the manifest
# says, so that GRAPHQL_TRUSTED_DOCUMENTS never locks out the hosted login or account page.
OWN_SCRIPTS = (("users", "static/users"), ("provider", "static/provider"))
LITERAL = re.compile(r"`([^`]*)`|\"((?:[^\"\\\n]|\\.)*)\"")


def own_documents() -> list[str]:
    """Every GraphQL document the service's own scripts send: each is one whole string
    literal (no interpolation) that parses as an operation."""
    from importlib.resources import files

    from graphql import GraphQLSyntaxError, OperationDefinitionNode, parse

    found = []
    for package, folder in OWN_SCRIPTS:
        for script in sorted(files(package).joinpath(folder).iterdir(), key=lambda entry: entry.name):
            if not script.name.endswith(".js"):
                continue
            for backticked, quoted in LITERAL.findall(script.read_text(encoding="utf-8")):
                text = backticked or quoted
                if not text.lstrip().startswith(("query", "mutation", "{")) or "${" in text:
                    continue
                try:
                    document = parse(text)
                except GraphQLSyntaxError:
                    continue
                if any(isinstance(node, OperationDefinitionNode) for node in document.definitions):
                    found.append(text)
    return found


@dataclass(frozen=True)
class Manifest:
    by_hash: dict[str, str]
    texts: frozenset[str]


@lru_cache(maxsize=4)
def load_manifest(path: str) -> Manifest:
    """The manifest at `path`, read once: a JSON object of document hash → document."""
    try:
        manifest = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ImproperlyConfigured(
            f"GRAPHQL_TRUSTED_DOCUMENTS: {path} is not a readable JSON file ({error})."
        ) from None
    if not isinstance(manifest, dict) or not manifest:
        raise ImproperlyConfigured(f"GRAPHQL_TRUSTED_DOCUMENTS: {path} holds no object of hash → document.")
    for key, document in manifest.items():
        if not isinstance(document, str) or not key or not document.strip():
            raise ImproperlyConfigured(f"GRAPHQL_TRUSTED_DOCUMENTS: {path} maps {key!r} to no document.")
    # The client preset writes its keys as "sha256:<hex>": a hash is looked up without the prefix.
    by_hash = {normalised(key): document for key, document in manifest.items()}
    by_hash.update({sha256(text): text for text in own_documents()})
    return Manifest(by_hash=by_hash, texts=frozenset(by_hash.values()))


class Remembered:
    """Hash → text, for automatic persisted queries: least recently used goes first."""

    def __init__(self, size: int = REMEMBERED, characters: int = REMEMBERED_CHARACTERS) -> None:
        self.size, self.characters = size, characters
        self.texts: OrderedDict[str, str] = OrderedDict()
        self.held = 0  # characters of the texts kept
        self.lock = Lock()  # gthread workers share the process

    def get(self, digest: str) -> str | None:
        with self.lock:
            text = self.texts.get(digest)
            if text is not None:
                self.texts.move_to_end(digest)
            return text

    def put(self, digest: str, text: str) -> None:
        with self.lock:
            if digest not in self.texts:
                self.texts[digest] = text
                self.held += len(text)
            self.texts.move_to_end(digest)
            while len(self.texts) > self.size or self.held > self.characters:
                self.held -= len(self.texts.popitem(last=False)[1])


remembered = Remembered()


def normalised(digest: str) -> str:
    """A SHA-256 as this module keys it: lower-case hex, without a "sha256:" prefix."""
    found = SHA256.match(digest)
    return found.group(1).lower() if found else digest


def named_hash(raw: dict) -> str | None:
    """The hash a request names its document by, or None when it sends the text only."""
    document_id = raw.get("documentId")
    extensions = raw.get("extensions")
    persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
    if document_id is not None and persisted is not None:
        raise DocumentRefused(
            "Name the document once: documentId or extensions.persistedQuery.",
            400,
            RequestErrorCode.PERSISTED_QUERY_INVALID,
        )
    if document_id is not None:
        if not isinstance(document_id, str) or not document_id:
            raise DocumentRefused("documentId must be a string.", 400, RequestErrorCode.PERSISTED_QUERY_INVALID)
        return normalised(document_id)  # also GraphQL over HTTP's "sha256:<hex>"
    if persisted is None:
        return None
    digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
    if not isinstance(persisted, dict) or persisted.get("version") != 1 or not isinstance(digest, str):
        raise DocumentRefused(
            "extensions.persistedQuery needs version 1 and a sha256Hash.", 400, RequestErrorCode.PERSISTED_QUERY_INVALID
        )
    return normalised(digest)  # also "sha256:<hex>", as the client preset's documents carry it


def resolve(raw: dict, query: str | None, manifest_path: str) -> str | None:
    """The text to run for a request (`raw`, its JSON object or query string),
    or the refusal: one rule, whatever the method."""
    digest = named_hash(raw)
    manifest = load_manifest(manifest_path) if manifest_path else None
    if manifest is not None:
        return trusted(manifest, digest, query)
    if digest is None:
        return query
    if query is not None:
        if sha256(query) != digest:
            raise DocumentRefused(
                "The document's sha256 is not the hash sent with it.", 400, RequestErrorCode.PERSISTED_QUERY_INVALID
            )
        remembered.put(digest, query)
        return query
    text = remembered.get(digest)
    if text is None:
        raise not_found()
    return text


def trusted(manifest: Manifest, digest: str | None, query: str | None) -> str:
    """Only the manifest's documents: named by their hash, or sent whole."""
    if digest is not None:
        text = manifest.by_hash.get(digest)
        if text is None:
            raise not_found() if query is None else untrusted()
        if query is not None and query != text:
            raise DocumentRefused(
                "The document sent is not the one its hash names.", 400, RequestErrorCode.PERSISTED_QUERY_INVALID
            )
        return text
    if query is not None and query in manifest.texts:
        return query
    raise untrusted()


def untrusted() -> DocumentRefused:
    return DocumentRefused(
        "This service runs only the documents its applications were built with (GRAPHQL_TRUSTED_DOCUMENTS): "
        "send one of them, by its hash or whole.",
        400,
        RequestErrorCode.DOCUMENT_NOT_TRUSTED,
    )
