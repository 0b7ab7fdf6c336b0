"""The Postman collection (the workshop's basic path): its files, and a newman run against
a fresh emulator with auth on, twice in a row (the collection cleans up after itself)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from helpers import samples
from tests.support.paths import REPO
from tests.workshop.conftest import WorkshopEmulator

POSTMAN = REPO / "postman"
COLLECTION = POSTMAN / "azure-dicom-workshop.postman_collection.json"
ENVIRONMENTS = {"local": POSTMAN / "local-emulator.postman_environment.json",
                "azure": POSTMAN / "azure.postman_environment.json"}
NEWMAN = POSTMAN / "node_modules" / ".bin" / "newman"


def _requests(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The collection's requests in run order (folders flattened)."""
    flat = []
    for item in items:
        flat.extend(_requests(item["item"]) if "item" in item else [item])
    return flat


def _script(item: dict[str, Any], listen: str) -> str:
    return "\n".join(line for event in item.get("event", []) if event["listen"] == listen
                     for line in event["script"]["exec"])


@pytest.fixture(scope="module")
def collection() -> dict[str, Any]:
    return json.loads(COLLECTION.read_text())


def test_collection_is_v21_and_every_request_has_tests(collection: dict[str, Any]) -> None:
    assert collection["info"]["schema"].endswith("/v2.1.0/collection.json")
    requests = _requests(collection["item"])
    names = [item["name"] for item in requests]
    assert len(names) == len(set(names)), "setNextRequest needs unique request names"
    for item in requests:
        assert "pm.test(" in _script(item, "test"), f"{item['name']!r} asserts nothing"
    # What the issue asks the collection to cover, in a top-to-bottom order.
    methods = [(item["request"]["method"], item["request"]["url"]) for item in requests]
    first = {kind: next(i for i, (method, url) in enumerate(methods) if match(method, url))
             for kind, match in {
                 "token": lambda m, u: "/oauth2/" in u,
                 "store": lambda m, u: m == "POST" and u.endswith("/studies"),
                 "retrieve": lambda m, u: m == "GET" and "/instances/{{instanceUid}}" in u,
                 "search": lambda m, u: m == "GET" and "/studies?" in u,
                 "changefeed": lambda m, u: "/changefeed" in u,
                 "add tag": lambda m, u: m == "POST" and u.endswith("/extendedquerytags"),
                 "operation": lambda m, u: "/operations/" in u,
                 "tag errors": lambda m, u: u.endswith("/errors"),
                 "update tag": lambda m, u: m == "PATCH",
                 "delete": lambda m, u: m == "DELETE" and "/instances/" in u,
             }.items()}
    assert list(first) == sorted(first, key=first.__getitem__)


def test_operation_polling_is_bounded(collection: dict[str, Any]) -> None:
    poll = next(item for item in _requests(collection["item"])
                if "/operations/" in item["request"]["url"])
    script = _script(poll, "test")
    assert "pm.execution.setNextRequest(pm.info.requestName)" in script
    assert re.search(r"polls < \d+", script), "the loop needs a bound"


def test_collection_uses_the_kits_sample_uids_and_files(collection: dict[str, Any]) -> None:
    variables = {v["key"]: v["value"] for v in collection["variable"]}
    shapes = samples.AZURE_SHAPES
    assert variables["studyUid"] == samples.AZURE_STUDY_UID
    assert variables["instanceUid"] == shapes["red-triangle"].sop_instance_uid
    assert variables["instance2Uid"] == shapes["green-square"].sop_instance_uid
    assert variables["instance3Uid"] == shapes["blue-circle"].sop_instance_uid
    assert variables["seriesUid"] == shapes["red-triangle"].series_instance_uid
    assert variables["series2Uid"] == shapes["blue-circle"].series_instance_uid
    generated = samples.azure_shapes()
    sources = [item["request"]["body"]["file"]["src"] for item in _requests(collection["item"])
               if item["request"].get("body", {}).get("mode") == "file"]
    assert sources
    for src in sources:
        # Relative to the repository (newman --working-dir), and the kit's own files.
        assert (REPO / src).resolve() in {path.resolve() for path in generated.values()}


@pytest.mark.parametrize("name", sorted(ENVIRONMENTS))
def test_environments_name_every_variable_and_hold_no_secret(name: str) -> None:
    environment = json.loads(ENVIRONMENTS[name].read_text())
    values = {v["key"]: v for v in environment["values"]}
    assert set(values) >= {"baseUrl", "authorityUrl", "tenantId", "clientId", "clientSecret",
                           "resource", "token"}
    assert values["baseUrl"]["value"].endswith("/v2")
    assert values["resource"]["value"] == "https://dicom.healthcareapis.azure.com"
    for secret in ("clientSecret", "token"):
        assert values[secret]["value"] == "" and values[secret]["type"] == "secret"


@pytest.fixture(scope="module")
def newman() -> Path:
    """newman as ``make test`` installs it (``npm ci --prefix postman``): never installed here.

    Without it the newman test is skipped, except in CI (``CI=true``), where it must run.
    Module scope and first in the test's arguments, so that it is checked before the
    emulator starts.
    """
    if NEWMAN.exists():
        return NEWMAN
    missing = (f"newman is not installed ({NEWMAN.relative_to(REPO)}), so the Postman collection "
               "cannot be run: install Node.js 18+, then `make test` (or "
               "`npm ci --prefix postman`) installs it")
    if os.environ.get("CI") == "true":
        pytest.fail(f"{missing}; CI must run the collection")
    pytest.skip(missing)


def _run_newman(newman: Path, emulator: WorkshopEmulator,
                report: Path) -> subprocess.CompletedProcess[str]:
    overrides = {"baseUrl": f"{emulator.url}/v2", "authorityUrl": emulator.url,
                 "tenantId": emulator.tenant_id, "clientId": emulator.client_id,
                 "clientSecret": emulator.client_secret}
    command = [str(newman), "run", str(COLLECTION), "-e", str(ENVIRONMENTS["local"]),
               "--working-dir", str(REPO), "--reporters", "cli,json",
               "--reporter-json-export", str(report), "--color", "off", "--disable-unicode",
               "--timeout-request", "60000"]
    for key, value in overrides.items():
        command += ["--env-var", f"{key}={value}"]
    return subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=240)


@pytest.mark.slow
def test_newman_runs_the_collection_green_twice(newman: Path,
                                                workshop_emulator: WorkshopEmulator,
                                                collection: dict[str, Any],
                                                tmp_path: Path) -> None:
    samples.azure_shapes()  # the single-part stores upload these files
    names = [item["name"] for item in _requests(collection["item"])]
    for attempt in (1, 2):
        report = tmp_path / f"newman-{attempt}.json"
        result = _run_newman(newman, workshop_emulator, report)
        assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
        run = json.loads(report.read_text())["run"]
        assert run["failures"] == []
        assert run["stats"]["assertions"]["failed"] == 0
        assert run["stats"]["assertions"]["total"] >= len(names)
        executed = [execution["item"]["name"] for execution in run["executions"]]
        # Every request ran, in order (the operation poll may repeat itself).
        assert list(dict.fromkeys(executed)) == names
        for execution in run["executions"]:
            assertions = execution.get("assertions", [])
            assert assertions, f"{execution['item']['name']!r} ran no assertion"
            assert not [a for a in assertions if a.get("error")]
