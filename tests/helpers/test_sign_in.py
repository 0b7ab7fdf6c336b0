"""helpers.emulator.sign_in against a live emulator: the viewer's user, app and OHIF config."""

from __future__ import annotations

import httpx
import pytest

from helpers.emulator.sign_in import add_spa, add_user, ohif_oidc_config
from tests.support.live_emulator import LiveEmulator
from tests.support.signin import Pkce, redeem, sign_in


def test_the_viewers_config_signs_a_user_in(live_emulator_auth: LiveEmulator) -> None:
    url = live_emulator_auth.url
    user = add_user(url, "helper@contoso.test", "Helper-Pa55!", "DICOM Data Reader")
    assert user["roles"] == ["DICOM Data Reader"]
    spa = add_spa(url, "helper-viewer", ["http://localhost:3000/callback"])
    config = ohif_oidc_config(url, spa, "http://localhost:3000")
    assert config["authority"] == f"{url}/{spa['tenant']}/v2.0"
    discovery = httpx.get(f"{config['authority']}/.well-known/openid-configuration").json()
    assert discovery["issuer"] == config["authority"]
    pkce = Pkce.new()
    with httpx.Client(base_url=url) as browser:
        code = sign_in(browser, spa["tenant"], config["client_id"], "helper@contoso.test",
                       "Helper-Pa55!", pkce)["code"]
        tokens = redeem(browser, spa["tenant"], config["client_id"], code, pkce.verifier)
    assert tokens.status_code == 200
    assert tokens.json()["scope"] == "https://dicom.healthcareapis.azure.com/Dicom.ReadWrite"


def test_a_redirect_uri_must_be_registered_first(live_emulator_auth: LiveEmulator) -> None:
    spa = add_spa(live_emulator_auth.url, "other-viewer", ["http://localhost:4000/callback"])
    with pytest.raises(ValueError, match="not a redirect URI"):
        ohif_oidc_config(live_emulator_auth.url, spa, "http://localhost:5000")
