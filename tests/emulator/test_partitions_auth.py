"""Data partitions with auth on: the partitions filter answers before the data-action check.

``PopulateDataPartitionFilterAttribute`` is an action filter: it runs after authentication
and before the handler, whose access check (``CheckAccess``) gives 403. ``GET /partitions``
needs the ``read`` data action (``GetPartitionsHandler``); partitions need no role of their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from dicom_emulator import EmulatorSettings, create_app
from tests.support.datasets import make_instance
from tests.support.headers import ACCEPT_DICOM_JSON, STOW_SINGLE_PART
from tests.support.tokens import get_token, new_app

FORBIDDEN = "Authorization failed."


@pytest.fixture
def callers(auth_settings: EmulatorSettings) -> Iterator[tuple[TestClient, dict[str, dict]]]:
    settings = replace(auth_settings, data_partitions=True)
    with TestClient(create_app(settings), base_url="http://127.0.0.1",
                    client=("127.0.0.1", 50000)) as client:
        tokens = {role: get_token(client, new_app(client, f"app-{n}", role))
                  for n, role in enumerate(("DICOM Data Owner", "DICOM Data Reader", None))}
        yield client, {str(role): {"Authorization": f"Bearer {token}"}
                       for role, token in tokens.items()}


def test_a_reader_may_list_partitions_and_read_but_not_store(
        callers: tuple[TestClient, dict[str, dict]]) -> None:
    client, headers = callers
    owner, reader, nobody = (headers[k] for k in ("DICOM Data Owner", "DICOM Data Reader",
                                                   "None"))
    assert client.post("/v2/partitions/p1/studies", content=make_instance(),
                       headers=STOW_SINGLE_PART | owner).status_code == 200
    assert client.get("/v2/partitions", headers=reader).status_code == 200
    assert client.get("/v2/partitions/p1/studies",
                      headers=ACCEPT_DICOM_JSON | reader).status_code == 200
    stored = client.post("/v2/partitions/p1/studies", content=make_instance(),
                         headers=STOW_SINGLE_PART | reader)
    assert (stored.status_code, stored.text) == (403, FORBIDDEN)
    listed = client.get("/v2/partitions", headers=nobody)
    assert (listed.status_code, listed.text) == (403, FORBIDDEN)
    assert client.get("/v2/partitions").status_code == 401


def test_the_partition_answers_come_before_the_data_action_check(
        callers: tuple[TestClient, dict[str, dict]]) -> None:
    client, headers = callers
    nobody = headers["None"]
    unknown = client.get("/v2/partitions/nowhere/studies", headers=ACCEPT_DICOM_JSON | nobody)
    assert (unknown.status_code, unknown.text) == (400, "Specified PartitionName does not exist.")
    missing = client.get("/v2/studies", headers=ACCEPT_DICOM_JSON | nobody)
    assert missing.status_code == 400
    assert missing.text == "PartitionName value is missing in the route segment."
    # A store refused for its role has still added its partition: the filter's
    # GetOrAddPartitionAsync runs before the handler's access check, as in the service.
    refused = client.post("/v2/partitions/p9/studies", content=make_instance(),
                          headers=STOW_SINGLE_PART | nobody)
    assert refused.status_code == 403
    listed = client.get("/v2/partitions", headers=headers["DICOM Data Reader"]).json()
    assert [p["partitionName"] for p in listed] == ["Microsoft.Default", "p9"]
    # The change feed is not partitioned: the middleware's check as before.
    assert client.get("/v2/changefeed", headers=nobody).status_code == 403
