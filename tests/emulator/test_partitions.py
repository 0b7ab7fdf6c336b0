"""Data partitions: the routes, the service's 400s, isolation, the listing, the setting.

The service's words are spelled out here (``DicomCoreResource.resx`` at microsoft/dicom-server
eeefbe4), so the emulator's copies are checked against them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pydicom.uid import generate_uid
from starlette.routing import Route
from starlette.testclient import TestClient

from dicom_emulator import EmulatorSettings, create_app
from dicom_emulator.features.partitions.service import FeatureCannotBeDisabledError
from dicom_emulator.routes import PARTITIONED_FAMILIES, dicom_routes, partition_routes
from tests.support.datasets import make_instance
from tests.support.headers import ACCEPT_DICOM_JSON, STOW_SINGLE_PART
from tests.support.partitions import in_partition, partitions_http, partitions_settings

__all__ = ["in_partition", "partitions_http"]

MISSING = "PartitionName value is missing in the route segment."
NOT_FOUND = "Specified PartitionName does not exist."
INVALID = "The specified PartitionName is invalid. "
DISABLED = "Data partitions feature is disabled."
CANNOT_BE_DISABLED = ("Data partitions feature cannot be disabled while existing data has "
                      "already been partitioned.")
PATH_VALUES = {"study": "1.2.3", "series": "1.2.3.4", "instance": "1.2.3.4.5", "frames": "1"}


def _concrete(template: str, **values: str) -> str:
    route = Route(template, endpoint=lambda request: None)
    return route.path_format.format(**{name: values.get(name, PATH_VALUES.get(name, "1"))
                                       for name in route.param_convertors})


def _endpoints(routes: list[Route]) -> list[tuple[str, str]]:
    return [(method, route.path) for route in routes
            for method in sorted(route.methods or ()) if method != "HEAD"]


PARTITIONED = _endpoints([r for r in partition_routes() if r.path != "/partitions"])
UNPARTITIONED = _endpoints([r for r in dicom_routes()
                            if r.path.startswith(PARTITIONED_FAMILIES)])
CREATING = {("POST", "/partitions/{partitionName}/studies"),
            ("POST", "/partitions/{partitionName}/studies/{study}"),
            ("PUT", "/partitions/{partitionName}/studies"),
            ("PUT", "/partitions/{partitionName}/studies/{study}")}


def store(http: TestClient, partition: str, data: bytes) -> dict:
    response = http.post(f"/v2/partitions/{partition}/studies", content=data,
                         headers=STOW_SINGLE_PART)
    assert response.status_code == 200, response.text
    return response.json()


def instance_path(partition: str, study: str, series: str, sop: str) -> str:
    return f"/v2/partitions/{partition}/studies/{study}/series/{series}/instances/{sop}"


# -- the routes ------------------------------------------------------------------------


def test_every_dicomweb_route_is_also_below_a_partition() -> None:
    below = {(m, p.removeprefix("/partitions/{partitionName}")) for m, p in PARTITIONED}
    assert below == set(UNPARTITIONED)
    # ExportController has a VersionedPartitionRoute too.
    assert {p.split("/")[1] for _, p in UNPARTITIONED} == {"studies", "series", "instances",
                                                          "export"}


@pytest.mark.parametrize(("method", "template"), UNPARTITIONED,
                         ids=[f"{m} {p}" for m, p in UNPARTITIONED])
def test_with_partitions_a_route_without_one_is_400(partitions_http: TestClient, method: str,
                                                    template: str) -> None:
    response = partitions_http.request(method, "/v2" + _concrete(template))
    assert (response.status_code, response.text) == (400, MISSING)


@pytest.mark.parametrize(("method", "template"), PARTITIONED,
                         ids=[f"{m} {p}" for m, p in PARTITIONED])
def test_an_unknown_partition_is_400_except_where_a_store_creates_it(
        partitions_http: TestClient, method: str, template: str) -> None:
    response = partitions_http.request(method, "/v2" + _concrete(template, partitionName="new"))
    if (method, template) in CREATING:
        # Created, then the store's own answer: this body is no DICOM (406: no Accept).
        assert response.status_code != 400 or response.text != NOT_FOUND
        listed = partitions_http.get("/v2/partitions").json()
        assert [p["partitionName"] for p in listed] == ["Microsoft.Default", "new"]
    else:
        assert (response.status_code, response.text) == (400, NOT_FOUND)
        assert len(partitions_http.get("/v2/partitions").json()) == 1


@pytest.mark.parametrize("name", ["a b", "x" * 65, "bad!name", "p+1", "ü"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_invalid_partition_name_is_400(partitions_http: TestClient, name: str,
                                          method: str) -> None:
    response = partitions_http.request(method, f"/v2/partitions/{name}/studies",
                                       content=make_instance(), headers=STOW_SINGLE_PART)
    assert (response.status_code, response.text) == (400, INVALID)
    assert len(partitions_http.get("/v2/partitions").json()) == 1  # nothing was created


def test_a_name_of_64_letters_digits_dots_dashes_and_underscores_is_valid(
        partitions_http: TestClient) -> None:
    name = ("Ab0.-_" * 11)[:64]
    store(partitions_http, name, make_instance())
    assert partitions_http.get(f"/v2/partitions/{name}/studies").status_code == 200


def test_partition_routes_are_400_while_the_feature_is_off(http: TestClient) -> None:
    for method, template in PARTITIONED:
        response = http.request(method, "/v2" + _concrete(template, partitionName="p1"))
        assert (response.status_code, response.text) == (400, DISABLED), (method, template)


# -- GET /partitions -------------------------------------------------------------------


def test_the_listing_has_the_default_partition_and_each_one_a_store_made(
        partitions_http: TestClient) -> None:
    first = partitions_http.get("/v2/partitions")
    assert first.status_code == 200
    assert first.headers["content-type"] == "application/json; charset=utf-8"
    (default,) = first.json()
    assert list(default) == ["partitionKey", "partitionName", "createdDate"]
    assert default["partitionKey"] == 1 and default["partitionName"] == "Microsoft.Default"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?\+00:00",
                        default["createdDate"])
    data = make_instance()
    store(partitions_http, "p1", data)
    store(partitions_http, "p2", make_instance())
    listed = partitions_http.get("/v1/partitions").json()
    assert [(p["partitionKey"], p["partitionName"]) for p in listed] == [
        (1, "Microsoft.Default"), (2, "p1"), (3, "p2")]


# -- isolation -------------------------------------------------------------------------


@pytest.fixture
def twice(partitions_http: TestClient) -> dict[str, str]:
    """The same instance stored in partitions p1 and p2."""
    uids = {"study": generate_uid(), "series": generate_uid(), "sop": generate_uid()}
    data = make_instance(uids["study"], uids["series"], uids["sop"])
    for partition in ("p1", "p2"):
        body = store(partitions_http, partition, data)
        (item,) = body["00081199"]["Value"]
        assert item["00081190"]["Value"] == ["http://testserver" + instance_path(
            partition, uids["study"], uids["series"], uids["sop"])]
    return uids


def test_the_same_uids_in_two_partitions_are_two_instances(partitions_http: TestClient,
                                                            twice: dict[str, str]) -> None:
    for partition in ("p1", "p2"):
        found = partitions_http.get(f"/v2/partitions/{partition}/studies/{twice['study']}"
                                    "/instances", headers=ACCEPT_DICOM_JSON)
        assert found.status_code == 200 and len(found.json()) == 1
        url = instance_path(partition, twice["study"], twice["series"], twice["sop"])
        assert partitions_http.get(url, headers={"Accept": "application/dicom"}).status_code == 200
    assert len(list(partitions_http.app.state.components.blobs.root.rglob("*.dcm"))) == 2
    # The default partition has none of them.
    default = partitions_http.get("/v2/partitions/Microsoft.Default/studies",
                                  headers=ACCEPT_DICOM_JSON)
    assert default.status_code == 204


def test_a_second_store_in_the_same_partition_is_45070(partitions_http: TestClient,
                                                       twice: dict[str, str]) -> None:
    data = make_instance(twice["study"], twice["series"], twice["sop"])
    again = partitions_http.post("/v2/partitions/p1/studies", content=data,
                                 headers=STOW_SINGLE_PART)
    assert again.status_code == 409
    (failed,) = again.json()["00081198"]["Value"]
    assert failed["00081197"]["Value"] == [45070]


def test_a_delete_in_one_partition_leaves_the_other(partitions_http: TestClient,
                                                    twice: dict[str, str]) -> None:
    study = f"/v2/partitions/p1/studies/{twice['study']}"
    assert partitions_http.delete(study).status_code == 204
    gone = partitions_http.get(study + "/metadata", headers=ACCEPT_DICOM_JSON)
    assert (gone.status_code, gone.text) == (404, "The specified study cannot be found.")
    kept = partitions_http.get(f"/v2/partitions/p2/studies/{twice['study']}/metadata",
                               headers=ACCEPT_DICOM_JSON)
    assert kept.status_code == 200
    (metadata,) = kept.json()
    assert metadata["00080018"]["Value"] == [twice["sop"]]
    assert partitions_http.delete(study).status_code == 404


def test_searches_never_cross_partitions(partitions_http: TestClient) -> None:
    store(partitions_http, "p1", make_instance(PatientID="ONLY-P1"))
    store(partitions_http, "p2", make_instance(PatientID="ONLY-P2"))
    for level in ("studies", "series", "instances"):
        found = partitions_http.get(f"/v2/partitions/p1/{level}", headers=ACCEPT_DICOM_JSON)
        assert len(found.json()) == 1, level
        other = partitions_http.get(f"/v2/partitions/p1/{level}?PatientID=ONLY-P2",
                                    headers=ACCEPT_DICOM_JSON)
        assert other.status_code == 204, level


def test_the_change_feed_names_each_entry_s_partition(partitions_http: TestClient,
                                                      twice: dict[str, str]) -> None:
    partitions_http.delete(f"/v2/partitions/p1/studies/{twice['study']}")
    feed = partitions_http.get("/v2/changefeed").json()
    assert [(e["partitionName"], e["action"], e["state"]) for e in feed] == [
        ("p1", "Create", "Deleted"), ("p2", "Create", "Current"), ("p1", "Delete", "Deleted")]
    latest = partitions_http.get("/v1/changefeed/latest").json()
    assert latest["partitionName"] == "p1" and latest["action"] == "Delete"


def test_an_upsert_replaces_only_in_its_partition(partitions_http: TestClient,
                                                  twice: dict[str, str]) -> None:
    data = make_instance(twice["study"], twice["series"], twice["sop"], PatientID="NEW")
    response = partitions_http.put("/v2/partitions/p1/studies", content=data,
                                   headers=STOW_SINGLE_PART)
    assert response.status_code == 200
    ids = {p: partitions_http.get(f"/v2/partitions/{p}/studies", headers=ACCEPT_DICOM_JSON)
           .json()[0]["00100020"]["Value"] for p in ("p1", "p2")}
    assert ids == {"p1": ["NEW"], "p2": ["PID-1"]}


def test_a_study_s_retrieve_url_has_its_partition(partitions_http: TestClient) -> None:
    study = generate_uid()
    response = partitions_http.post(f"/v2/partitions/p1/studies/{study}",
                                    content=make_instance(study), headers=STOW_SINGLE_PART)
    assert response.json()["00081190"]["Value"] == [
        f"http://testserver/v2/partitions/p1/studies/{study}"]


def test_a_forwarded_prefix_replaces_the_version_and_partition(
        partitions_http: TestClient) -> None:
    response = partitions_http.post(
        "/v2/partitions/p1/studies", content=make_instance(),
        headers=STOW_SINGLE_PART | {"X-Forwarded-Host": "dicom.example.com",
                                    "X-Forwarded-Prefix": "/images"})
    (item,) = response.json()["00081199"]["Value"]
    assert item["00081190"]["Value"][0].startswith("http://dicom.example.com/images/studies/")


# -- the setting -----------------------------------------------------------------------


def test_the_setting_is_recorded_in_the_data_dir(tmp_path: Path) -> None:
    with TestClient(create_app(partitions_settings(tmp_path))) as client:
        store(client, "p1", make_instance())
    # Started again without the setting: the data dir's.
    with TestClient(create_app(EmulatorSettings(data_dir=tmp_path, auth=False))) as client:
        assert [p["partitionName"] for p in client.get("/v2/partitions").json()] == [
            "Microsoft.Default", "p1"]


def test_it_cannot_be_turned_off_once_a_partition_exists(tmp_path: Path) -> None:
    with TestClient(create_app(partitions_settings(tmp_path))) as client:
        store(client, "p1", make_instance())
    with pytest.raises(FeatureCannotBeDisabledError) as error:
        create_app(EmulatorSettings(data_dir=tmp_path, auth=False, data_partitions=False))
    assert str(error.value) == CANNOT_BE_DISABLED


def test_with_only_the_default_partition_it_can_be_turned_off(tmp_path: Path) -> None:
    with TestClient(create_app(partitions_settings(tmp_path))) as client:
        assert client.get("/v2/partitions").status_code == 200
    settings = EmulatorSettings(data_dir=tmp_path, auth=False, data_partitions=False)
    with TestClient(create_app(settings)) as client:
        response = client.get("/v2/partitions")
        assert (response.status_code, response.text) == (400, DISABLED)
        assert client.post("/v2/studies", content=make_instance(),
                           headers=STOW_SINGLE_PART).status_code == 200


def test_data_stored_before_partitions_is_in_the_default_partition(tmp_path: Path) -> None:
    study = generate_uid()
    with TestClient(create_app(EmulatorSettings(data_dir=tmp_path, auth=False))) as client:
        assert client.post("/v2/studies", content=make_instance(study),
                           headers=STOW_SINGLE_PART).status_code == 200
    with TestClient(create_app(partitions_settings(tmp_path))) as client:
        found = client.get(f"/v2/partitions/Microsoft.Default/studies/{study}/metadata",
                           headers=ACCEPT_DICOM_JSON)
        assert found.status_code == 200
        assert json.loads(found.text)[0]["0020000D"]["Value"] == [study]


def test_the_partition_client_works_in_partition_p1(in_partition: TestClient) -> None:
    """The client the tests of ``tests/emulator/partitioned`` run on."""
    assert in_partition.post("/v2/studies", content=make_instance(),
                             headers=STOW_SINGLE_PART).status_code == 200
    assert [p["partitionName"] for p in in_partition.get("/v2/partitions").json()] == [
        "Microsoft.Default", "p1"]
    default = in_partition.get("/v2/partitions/Microsoft.Default/studies",
                               headers=ACCEPT_DICOM_JSON)
    assert default.status_code == 204
