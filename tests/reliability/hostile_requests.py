"""Hostile requests for every route of the route table: values in the path, the query
and the body that a careless or malicious client sends.

Values are SQL fragments, NUL and control characters, 100 KB strings, unicode, huge and
edge integers and dates, path traversal in UIDs and tag paths (``..``, ``%2e%2e``,
``%2f``, backslashes, NUL); query strings repeat parameters or carry 10,000 includefield
values; bodies are deeply nested or large JSON, broken UTF-8, or the wrong media type.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

from tests.reliability.route_table import VERSION_PREFIXES, RouteInfo

HOSTILE_VALUES = [
    "' OR 1=1 --", "1'; DROP TABLE instance; --", "\" OR \"\"=\"", "1) UNION SELECT * FROM "
    "sqlite_master --", "%", "_", "*", "?", "\0", "a\0b", "\r\nX-Injected: 1", "\x7f\x01",
    "a" * 100_000, "Ωmega^Ünïcode", "\U0001F600", "\u202e", "‮", "9" * 5000, "-1", "0",
    "-0", "2147483648", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
    "1e400", "NaN", "Infinity", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00",
    "99991231", "00000000", "20240230", "1.2.3", "1.2.3" + ".4" * 40, "", " ", "true",
    "[]", "{}", "null", "\\", "..", "../..", "..\\..", "/etc/passwd",
]
# Path values, percent-encoded as a client would put them on the wire.
TRAVERSALS = ["..", "%2e%2e", "%2E%2E", "..%2f..%2fetc%2fpasswd", "%2fetc%2fpasswd",
              "..%5c..%5cwindows", "%5c", "1.2%00.3", "%00", "1.2.3%2f..%2f..", "%252e%252e",
              "%c0%ae%c0%ae", "....//", "1.2.3/../../../index.sqlite"]
QUERY_NAMES = ["limit", "offset", "includefield", "fuzzymatching", "PatientName", "StudyDate",
               "StudyInstanceUID", "00100020", "Modality", "startTime", "endTime",
               "includeMetadata", "quality", "ModalitiesInStudy", "PatientBirthDate",
               "StudyTime", "x", "LIMIT", "assignee", "role", "Limit", "ReferringPhysicianName"]
CONTENT_TYPES = ["application/json", "application/dicom+json", "application/dicom",
                 'multipart/related; type="application/dicom"; boundary=x', "text/plain",
                 "application/x-www-form-urlencoded", "", "application/json; charset=utf-16",
                 "a" * 8000]
ACCEPTS = ["application/dicom+json", "*/*", "application/json", "image/png",
           'multipart/related; type="application/dicom"; transfer-syntax=*',
           'multipart/related; type="application/octet-stream"', "", "a/b; q=2, */*; q=x",
           "application/dicom; transfer-syntax=" + "1." * 3000]


@dataclass(frozen=True)
class Request:
    kind: str
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes | None
    detail: str  # what was hostile in it, to reproduce a finding


def _deep_json(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def _bodies(rng: random.Random) -> tuple[str, bytes]:
    kind = rng.choice(["deep array", "deep object", "wide array", "huge string", "bad utf-8",
                       "not json", "json scalars", "tag entries", "empty"])
    if kind == "deep array":
        return kind, _deep_json(rng.choice([65, 1000, 100_000]))
    if kind == "deep object":
        depth = rng.choice([65, 5000])
        return kind, b'{"a":' * depth + b"1" + b"}" * depth
    if kind == "wide array":
        return kind, json.dumps([{"Path": "00100010", "VR": "PN", "Level": "Study"}]
                                * rng.choice([129, 10_000])).encode()
    if kind == "huge string":
        return kind, json.dumps({"displayName": "x" * 2_000_000}).encode()
    if kind == "bad utf-8":
        return kind, b'{"a": "\xff\xfe\xc0\xaf"}'
    if kind == "not json":
        return kind, rng.choice([b"{", b"[1,", b"\0\0\0", b"<xml/>", b"--x\r\n"])
    if kind == "json scalars":
        return kind, rng.choice([b"1e999999", b"-0", b"null", b'"\\ud800"', b"9" * 5000])
    if kind == "tag entries":
        entry = {"Path": rng.choice(HOSTILE_VALUES[:20] + ["00101010", "0009" + "1" * 4]),
                 "VR": rng.choice(["LO", "SQ", "XX", "", None]), "Level": "Study"}
        return kind, json.dumps([entry]).encode()
    return kind, b""


def _path_value(rng: random.Random, name: str, known: dict[str, str]) -> tuple[str, str]:
    roll = rng.random()
    if roll < 0.3 and name in known:
        return "valid", known[name]
    if roll < 0.65:
        return "traversal", rng.choice(TRAVERSALS)
    # Under the 64 KB an HTTP client sends as a URL (the query may be longer).
    return "hostile", quote(rng.choice(HOSTILE_VALUES)[:20_000], safe="")


Query = list[tuple[str, str]]


def _query(rng: random.Random) -> tuple[str, Query]:
    """Unencoded pairs (the client encodes them, as any client would)."""
    roll = rng.random()
    if roll < 0.1:
        return "10,000 includefields", [("includefield", f"0010{i:04X}") for i in range(10_000)]
    if roll < 0.2:
        name = rng.choice(QUERY_NAMES)
        return "repeated parameter", [(name, rng.choice(HOSTILE_VALUES[:30]))
                                      for _ in range(rng.choice([2, 50]))]
    if roll < 0.3:
        return "one includefield list", [("includefield", ",".join(
            rng.choice(["PatientName", "00100020", "all", f"0009{i:04X}", ""])
            for i in range(200)))]
    return "hostile query", [(rng.choice(QUERY_NAMES), rng.choice(HOSTILE_VALUES))
                             for _ in range(rng.randint(1, 4))]


def requests_for(routes: list[RouteInfo], known: dict[str, str], seed: int,
                 count: int) -> Iterator[Request]:
    """``count`` hostile requests over ``routes``, round robin, the same for one ``seed``."""
    rng = random.Random(seed)
    for number in range(count):
        route = routes[number % len(routes)]
        kinds, values = [], {}
        for name in route.parameters:
            kind, values[name] = _path_value(rng, name, known)
            kinds.append(kind)
        path = route.fill(values)
        if route.versioned:
            path = rng.choice(VERSION_PREFIXES) + path
        headers = {"Accept": rng.choice(ACCEPTS)}
        query_kind, query = _query(rng) if rng.random() < 0.6 else ("no query", [])
        body = None
        body_kind = "no body"
        if route.method in ("POST", "PUT", "PATCH") or rng.random() < 0.05:
            body_kind, body = _bodies(rng)
            headers["Content-Type"] = rng.choice(CONTENT_TYPES)
        yield Request(f"{route.method} {route.template}", route.method, path, query, headers,
                      body,
                      f"path {kinds}, {query_kind}, {body_kind}")
