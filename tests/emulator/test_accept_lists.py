"""The Accept filter of STOW, QIDO and metadata reads the header list strictly, as the
service's ``AcceptContentFilterAttribute`` does (``MediaTypeHeaderValue.ParseStrictList``,
whose ``FormatException`` leaves an empty list): one value outside the grammar voids the
whole list, so a list that names ``application/dicom+json`` can still be a 406. OHIF
issue 3726 / dicom-server issue 3287 is this header:
``application/dicom+json, multipart/related; type=application/octet-stream``.
"""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from dicom_emulator.web.media import parse_accept_strict

UNQUOTED_LIST = "application/dicom+json, multipart/related; type=application/octet-stream"
QUOTED_LIST = 'application/dicom+json, multipart/related; type="application/octet-stream"'


@pytest.mark.parametrize(("header", "types"), [
    ("application/dicom+json", ["application/dicom+json"]),
    (QUOTED_LIST, ["application/dicom+json", "multipart/related"]),
    ("application/dicom+json;q=0.9, */*;q=0.1", ["application/dicom+json", "*/*"]),
    ('multipart/related; type="application/octet-stream"; transfer-syntax=*',
     ["multipart/related"]),
    (UNQUOTED_LIST, []),                       # "/" is no token character
    ("application/dicom+json, dicom", []),     # no subtype
    ("application/dicom+json; q", []),         # a parameter without a value
])
def test_one_value_outside_the_grammar_voids_the_list(header: str, types: list[str]) -> None:
    assert [m.type for m in parse_accept_strict([header])] == types


def test_the_values_of_repeated_accept_lines_are_read_together() -> None:
    found = parse_accept_strict(["application/json", "application/dicom+json"])
    assert [m.type for m in found] == ["application/json", "application/dicom+json"]


@pytest.mark.parametrize(("header", "status"), [
    (UNQUOTED_LIST, 406), (QUOTED_LIST, 204), ("application/dicom+json", 204),
])
def test_qido_with_ohifs_mixed_accept_list(http: TestClient, header: str, status: int) -> None:
    response = http.get("/v2/studies/1.2.3/series", headers={"Accept": header})
    assert response.status_code == status
    if status == 406:  # the filter's StatusCodeResult: no body, no Content-Type
        assert response.content == b""
        assert "content-type" not in response.headers


def test_metadata_with_the_unquoted_list_is_406_before_the_404(http: TestClient) -> None:
    path = "/v2/studies/1.2.3/series/1.2.4/metadata"
    assert http.get(path, headers={"Accept": UNQUOTED_LIST}).status_code == 406
    assert http.get(path, headers={"Accept": QUOTED_LIST}).status_code == 404


def test_stow_with_the_unquoted_list_is_406(http: TestClient) -> None:
    response = http.post("/v2/studies", content=b"",
                         headers={"Accept": UNQUOTED_LIST, "Content-Type": "application/dicom"})
    assert response.status_code == 406
