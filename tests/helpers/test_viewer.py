"""helpers.viewer: a study's OHIF URL, the Azure app-config, and the viewer's root."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers import viewer
from helpers.config import Settings

SERVICE = "https://ws-dicom.dicom.azurehealthcareapis.com"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT = "0b5c1c9e-4f3a-4d0b-9a1e-2f6d7c8b9a01"


def test_a_studys_url_is_ohifs_viewer_route() -> None:
    assert viewer.study_url("http://127.0.0.1:8080/", "1.2.840.1") == (
        "http://127.0.0.1:8080/viewer?StudyInstanceUIDs=1.2.840.1")


def test_the_azure_config_points_at_the_service_and_signs_in_with_entra() -> None:
    config = viewer.azure_app_config(SERVICE + "/", TENANT, CLIENT)
    source = config["dataSources"][0]["configuration"]
    assert {source[k] for k in ("qidoRoot", "wadoRoot", "wadoUriRoot")} == {SERVICE + "/v2"}
    assert source["supportsWildcard"] is False and source["supportsFuzzyMatching"] is True
    oidc = config["oidc"][0]
    assert oidc["authority"] == f"https://login.microsoftonline.com/{TENANT}/v2.0"
    assert oidc["client_id"] == CLIENT
    assert oidc["scope"] == "openid https://dicom.healthcareapis.azure.com/Dicom.ReadWrite"
    assert (oidc["response_type"], oidc["redirect_uri"]) == ("code", "/callback")


@pytest.mark.parametrize(("args", "message"), [
    (("http://ws.example", TENANT, CLIENT), "service_url must be the service's https:// URL"),
    ((SERVICE, " ", CLIENT), "tenant_id must not be empty"),
    ((SERVICE, TENANT, ""), "client_id must not be empty"),
])
def test_bad_azure_settings_are_named(args: tuple[str, str, str], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        viewer.azure_app_config(*args)


def test_the_command_line_writes_the_script(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "app-config.js"
    assert viewer.main(["azure-config", "--service-url", SERVICE, "--tenant-id", TENANT,
                        "--client-id", CLIENT, "--out", str(out)]) == 0
    text = out.read_text()
    assert text.startswith("window.config = ") and text.endswith(";\n")
    config = json.loads(text.removeprefix("window.config = ").removesuffix(";\n"))
    assert config["oidc"][0]["client_id"] == CLIENT
    assert f"wrote {out}" in capsys.readouterr().out


def test_on_azure_the_viewer_root_needs_its_setting() -> None:
    with pytest.raises(ValueError, match="DICOM_VIEWER_URL is not set"):
        viewer.viewer_root(Settings(service_url=SERVICE, auth="azure-cli"))
    hosted = Settings(service_url=SERVICE, auth="azure-cli", viewer_url="https://ohif.example")
    assert viewer.viewer_root(hosted) == "https://ohif.example"


def test_locally_without_ohif_the_error_says_how_to_install_it(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(viewer, "OHIF_DIST", tmp_path / "dist")  # a checkout without npm
    with pytest.raises(viewer.ViewerNotInstalledError, match=r"make viewer"):
        viewer.viewer_root(Settings())
