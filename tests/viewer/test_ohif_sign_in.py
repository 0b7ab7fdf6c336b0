"""OHIF with auth on, in Chromium: the user signs in on the emulator's sign-in page (an
SPA, authorization code with PKCE), sees the study with a Reader's role, and what a
Reader may not do is refused with the token OHIF holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest

from helpers import samples
from helpers.viewer import study_url
from tests.viewer.browser import NetworkLog, pixels, save_screenshot
from tests.viewer.conftest import READER, SignInEmulator

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.slow, pytest.mark.live]
LOAD = 60_000


def _sign_in(page: Page, login: str, password: str) -> None:
    page.locator("#login").wait_for(timeout=LOAD)
    save_screenshot(page.screenshot(), "ohif-sign-in-page.png")
    page.fill("#login", login)
    page.fill("#passwd", password)
    page.click("#idSIButton9")


def test_a_reader_signs_in_and_views_the_study(
        ohif_auth_emulator: SignInEmulator, page: Page, network: NetworkLog) -> None:
    uids = samples.XA_MULTIFRAME
    page.goto(study_url(ohif_auth_emulator.url, uids.study_instance_uid))
    _sign_in(page, *READER)  # OHIF sends the browser to the sign-in page first
    page.get_by_text(f"(1/{samples.XA_FRAMES})").wait_for(timeout=LOAD)
    page.wait_for_load_state("networkidle")
    viewport = pixels(page.locator("canvas.cornerstone-canvas").first.screenshot())
    assert viewport.std() > 10 and (viewport < 0.5 * np.median(viewport)).mean() > 0.002
    save_screenshot(page.screenshot(), "ohif-signed-in-xa.png")
    dicomweb = network.dicomweb()
    assert dicomweb and network.failed() == []
    assert all(path in network.authorized for _, path, _ in dicomweb)  # every one had a token
    token_calls = [e for e in network.entries if e[1].endswith("/oauth2/v2.0/token")]
    assert [(m, s) for m, _, s in token_calls] == [("POST", 200)]

    # The token OHIF holds is the Reader's: storing and deleting are refused (403).
    refused = page.evaluate("""async (study) => {
        const key = Object.keys(sessionStorage).find(k => k.startsWith('oidc.user:'));
        const token = JSON.parse(sessionStorage.getItem(key)).access_token;
        const auth = {Authorization: 'Bearer ' + token};
        const stow = await fetch('/v2/studies', {method: 'POST', headers: {...auth,
            'Content-Type': 'application/dicom', Accept: 'application/dicom+json'},
            body: new Uint8Array(132)});
        const del = await fetch('/v2/studies/' + study, {method: 'DELETE', headers: auth});
        const get = await fetch('/v2/studies?StudyInstanceUID=' + study,
                                {headers: {...auth, Accept: 'application/dicom+json'}});
        return [stow.status, del.status, get.status];
    }""", uids.study_instance_uid)
    assert refused == [403, 403, 200]


def test_a_wrong_password_stays_on_the_sign_in_page(
        ohif_auth_emulator: SignInEmulator, page: Page, network: NetworkLog) -> None:
    page.goto(f"{ohif_auth_emulator.url}/")
    _sign_in(page, READER[0], "not-the-password")
    page.locator("p.error").wait_for(timeout=LOAD)
    assert page.locator("#login").count() == 1
    assert network.dicomweb() == []  # OHIF never got a token, so it never called the API
