"""Settings precedence (env > .env > defaults), validation messages and secret masking."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.config import PROJECT_ROOT, Secret, Settings, load_settings, mask


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    path = tmp_path / ".env"
    path.write_text(
        "DICOM_SERVICE_URL=https://ws-dicom.dicom.azurehealthcareapis.com/\n"
        "DICOM_API_VERSION=1\n"
        "DICOM_EMULATOR_PORT=9100\n"
        "AZURE_CLIENT_SECRET=from-the-env-file-secret\n"
        "AZURE_TENANT_ID=tenant-from-file\n"
        "AZURE_CLIENT_ID=client-from-file\n"
    )
    return path


def test_defaults_mean_the_local_emulator(tmp_path: Path) -> None:
    empty = tmp_path / "empty.env"
    empty.write_text("")
    settings = load_settings(env_file=empty, environ={})
    assert settings.is_local and settings.service_url is None
    assert settings.api_version == "2"
    assert settings.auth_mode == "emulator"
    assert settings.emulator_port == 8080
    assert settings.emulator_data_dir == PROJECT_ROOT / ".dicom-emulator"
    assert "local emulator" in settings.describe()
    assert settings.describe().startswith(
        f"DICOM service: local emulator at http://127.0.0.1:8080 (data dir {PROJECT_ROOT}")
    azure = Settings(service_url="https://ws-dicom.dicom.azurehealthcareapis.com")
    assert azure.describe().startswith(
        "DICOM service: https://ws-dicom.dicom.azurehealthcareapis.com (Azure) · API v2")


def test_env_file_is_read_and_the_environment_wins(env_file: Path) -> None:
    from_file = load_settings(env_file=env_file, environ={})
    assert from_file.service_url == "https://ws-dicom.dicom.azurehealthcareapis.com"
    assert from_file.api_version == "1" and from_file.emulator_port == 9100
    assert from_file.auth_mode == "client-secret"

    both = load_settings(env_file=env_file, environ={"DICOM_API_VERSION": "2",
                                                     "DICOM_EMULATOR_PORT": "9200"})
    assert both.api_version == "2" and both.emulator_port == 9200
    assert both.service_url == from_file.service_url


def test_empty_values_count_as_unset(env_file: Path) -> None:
    settings = load_settings(env_file=env_file, environ={"DICOM_SERVICE_URL": " "})
    # The blank environment value does not hide the .env file's value.
    assert settings.service_url == "https://ws-dicom.dicom.azurehealthcareapis.com"


def test_nearest_env_file_is_found_from_a_subfolder(tmp_path: Path, env_file: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    sub = tmp_path / "notebooks"
    sub.mkdir()
    monkeypatch.chdir(sub)
    settings = load_settings(environ={})
    assert settings.env_file == env_file
    assert settings.emulator_port == 9100


def test_relative_data_dir_is_taken_from_the_repository(tmp_path: Path) -> None:
    relative = load_settings(env_file=_empty(tmp_path),
                             environ={"DICOM_EMULATOR_DATA_DIR": "state/here"})
    assert relative.emulator_data_dir == PROJECT_ROOT / "state" / "here"
    absolute = load_settings(env_file=_empty(tmp_path),
                             environ={"DICOM_EMULATOR_DATA_DIR": str(tmp_path / "x")})
    assert absolute.emulator_data_dir == tmp_path / "x"


@pytest.mark.parametrize(("environ", "names"), [
    ({"DICOM_API_VERSION": "3"}, "DICOM_API_VERSION"),
    ({"DICOM_AUTH": "password"}, "DICOM_AUTH"),
    ({"DICOM_EMULATOR_PORT": "http"}, "DICOM_EMULATOR_PORT"),
    ({"DICOM_EMULATOR_PORT": "70000"}, "DICOM_EMULATOR_PORT"),
    ({"DICOM_SERVICE_URL": "ws-dicom.dicom.azurehealthcareapis.com"}, "DICOM_SERVICE_URL"),
    ({"DICOM_SERVICE_URL": "https://x.dicom.azurehealthcareapis.com/v2"}, "DICOM_API_VERSION"),
    ({"DICOM_SERVICE_URL": "https://x", "DICOM_AUTH": "client-secret",
      "AZURE_CLIENT_ID": "c"}, "AZURE_TENANT_ID, AZURE_CLIENT_SECRET"),
])
def test_invalid_values_name_the_variable(tmp_path: Path, environ: dict[str, str],
                                          names: str) -> None:
    with pytest.raises(ValueError, match=names):
        load_settings(env_file=_empty(tmp_path), environ=environ)


def test_version_prefix_is_tolerated(tmp_path: Path) -> None:
    assert load_settings(env_file=_empty(tmp_path),
                         environ={"DICOM_API_VERSION": "v1"}).api_version == "1"


def test_missing_explicit_env_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope.env"):
        load_settings(env_file=tmp_path / "nope.env", environ={})


def test_auto_auth_for_azure_without_secret_is_default_credential(tmp_path: Path) -> None:
    settings = load_settings(env_file=_empty(tmp_path),
                             environ={"DICOM_SERVICE_URL": "https://x.example"})
    assert settings.auth_mode == "default"


def test_secrets_are_never_shown(env_file: Path) -> None:
    settings = load_settings(env_file=env_file, environ={})
    assert isinstance(settings.client_secret, Secret)
    assert settings.client_secret.reveal() == "from-the-env-file-secret"
    for text in (repr(settings), str(settings), settings.describe(), f"{settings.client_secret}"):
        assert "from-the-env-file-secret" not in text
    assert mask("from-the-env-file-secret") == "from…(24 chars)"
    assert mask("short") == "…(5 chars)"


def test_settings_are_immutable() -> None:
    settings = Settings()
    with pytest.raises(AttributeError):
        settings.api_version = "1"  # type: ignore[misc]


def _empty(tmp_path: Path) -> Path:
    path = tmp_path / "empty.env"
    path.write_text("")
    return path
