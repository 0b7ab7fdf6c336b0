"""The viewer's routes in-process: OHIF's files at the origin's root, its client routes,
the generated app-config, and the service's own answers left as they were.

A small stand-in for OHIF's ``dist/`` (an index.html and a bundle) is enough here; the
real OHIF in a real browser is ``tests/viewer/``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from dicom_emulator import EmulatorSettings, create_app
from dicom_emulator.viewer.files import ViewerNotInstalledError

INDEX = "<!doctype html><title>OHIF Viewer</title>"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    folder = tmp_path / "dist"
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text(INDEX)
    (folder / "app.bundle.0f61.js").write_text("console.log('ohif')")
    (folder / "assets" / "icon.wasm").write_bytes(b"\0asm")
    return folder


@pytest.fixture
def viewer_http(settings: EmulatorSettings, dist: Path) -> Iterator[TestClient]:
    app = create_app(replace(settings, viewer_dist=dist))
    with TestClient(app, base_url="http://127.0.0.1:8080") as client:
        yield client


def _config(client: TestClient) -> dict[str, object]:
    response = client.get("/app-config.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    match = re.fullmatch(r"window\.config = (.*);\n", response.text, re.DOTALL)
    assert match is not None
    config = json.loads(match.group(1))
    assert isinstance(config, dict)
    return config


@pytest.mark.parametrize("path", ["/", "/viewer?StudyInstanceUIDs=1.2.3",
                                  "/viewer/dicomweb?StudyInstanceUIDs=1.2.3", "/callback",
                                  "/segmentation?StudyInstanceUIDs=1.2.3"])
def test_ohif_client_routes_get_its_index_page(viewer_http: TestClient, path: str) -> None:
    response = viewer_http.get(path)
    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["content-type"].startswith("text/html")


def test_ohif_files_are_served_with_their_media_types(viewer_http: TestClient) -> None:
    bundle = viewer_http.get("/app.bundle.0f61.js")
    assert (bundle.status_code, bundle.text) == (200, "console.log('ohif')")
    wasm = viewer_http.get("/assets/icon.wasm")
    assert (wasm.status_code, wasm.headers["content-type"]) == (200, "application/wasm")


@pytest.mark.parametrize("path", ["/nothing-here.js", "/studies", "/assets",
                                  "/assets/../../etc/passwd", "/vfoo/studies"])
def test_a_path_that_is_neither_file_nor_client_route_keeps_the_status_only_404(
        viewer_http: TestClient, path: str) -> None:
    response = viewer_http.get(path)
    assert response.status_code == 404
    assert response.content == b""
    assert "content-type" not in response.headers


def test_the_service_still_answers_its_own_routes(viewer_http: TestClient) -> None:
    assert viewer_http.get("/health/check").text == "Healthy"
    assert viewer_http.get("/v2/studies",
                           headers={"Accept": "application/dicom+json"}).status_code == 204
    unsupported = viewer_http.get("/v3/studies")
    assert unsupported.status_code == 400
    assert unsupported.json()["error"]["code"] == "UnsupportedApiVersion"


def test_the_app_config_points_ohif_at_this_emulators_v2(viewer_http: TestClient) -> None:
    source = _config(viewer_http)["dataSources"][0]["configuration"]  # type: ignore[index]
    for root in ("qidoRoot", "wadoRoot", "wadoUriRoot"):
        assert source[root] == "http://127.0.0.1:8080/v2"
    # The service matches * literally and has no /bulkdata route.
    assert source["supportsWildcard"] is False
    assert source["bulkDataURI"] == {"enabled": False}


def test_with_auth_off_the_app_config_has_no_sign_in(viewer_http: TestClient) -> None:
    config = _config(viewer_http)
    assert "oidc" not in config
    assert config["useSharedArrayBuffer"] == "FALSE"


def test_without_the_viewer_its_paths_are_404(http: TestClient) -> None:
    assert http.get("/").status_code == 404
    assert http.get("/app-config.js").status_code == 404


def test_a_viewer_folder_without_ohif_says_how_to_install_it(
        settings: EmulatorSettings, tmp_path: Path) -> None:
    with pytest.raises(ViewerNotInstalledError, match=r"make viewer"):
        create_app(replace(settings, viewer_dist=tmp_path / "empty"))


def test_with_auth_on_ohif_signs_in_as_a_spa_registered_for_its_callback(
        auth_settings: EmulatorSettings, dist: Path) -> None:
    app = create_app(replace(auth_settings, viewer_dist=dist))
    with TestClient(app, base_url="http://127.0.0.1:8080") as client:
        oidc = _config(client)["oidc"][0]  # type: ignore[index]
        identity = app.state.components.identity
        assert oidc["authority"] == f"http://127.0.0.1:8080/{identity.tenant_id}/v2.0"
        assert (oidc["response_type"], oidc["redirect_uri"]) == ("code", "/callback")
        assert oidc["scope"].split() == [
            "openid", "profile", "offline_access",
            "https://dicom.healthcareapis.azure.com/Dicom.ReadWrite"]
        assert identity.accounts.spa_redirect_uris(oidc["client_id"]) == [
            "http://127.0.0.1:8080/callback"]
        again = _config(client)["oidc"][0]  # type: ignore[index]
        assert again["client_id"] == oidc["client_id"]  # one app, not one per page load
        # The API stays protected: OHIF's files are open, /v2 needs the token.
        assert client.get("/v2/studies", headers={"Accept": "application/dicom+json"}
                          ).status_code == 401
