"""The HTML the sign-in flow shows: the sign-in form, Entra's error page, the signed-out page.

Every value put in a page goes through ``html.escape`` (``_e``), including the ones the
emulator made itself. Pages forbid framing (no clickjacking of the password form), run
no script, and are never cached. (No CSP ``form-action``: Chromium holds the 302 that
follows the sign-in post to it as well, and that redirect goes to the app.)
"""

from __future__ import annotations

import html

from starlette.responses import HTMLResponse

_HEADERS = {
    "Cache-Control": "no-store, no-cache",
    "Pragma": "no-cache",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Not no-referrer: with it the browser posts the form with "Origin: null", which the
    # same-origin check refuses. same-origin still sends no referrer to the app.
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": ("default-src 'none'; style-src 'unsafe-inline'; "
                                "frame-ancestors 'none'; base-uri 'none'"),
}

_STYLE = """
body{font-family:"Segoe UI",system-ui,sans-serif;background:#f2f2f2;margin:0}
main{max-width:440px;margin:8vh auto;background:#fff;padding:44px;box-shadow:0 2px 6px #0003}
h1{font-size:24px;font-weight:600;margin:0 0 16px}
label{display:block;margin:12px 0 4px}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:6px 0;
border:0;border-bottom:1px solid #666;font-size:15px}
button{margin-top:24px;background:#0067b8;color:#fff;border:0;padding:8px 32px;font-size:15px}
.error{color:#e81123;margin:8px 0}
.note{color:#555;font-size:13px;margin-top:24px}
code{font-size:13px}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _page(title: str, body: str, status: int = 200,
          headers: dict[str, str] | None = None) -> HTMLResponse:
    document = (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                f"<title>{_e(title)}</title><style>{_STYLE}</style></head>"
                f"<body><main>{body}</main></body></html>")
    return HTMLResponse(document, status_code=status, headers={**_HEADERS, **(headers or {})})


def sign_in_page(action: str, flow_token: str, canary: str, app_name: str, login: str = "",
                 error: str | None = None) -> HTMLResponse:
    """The sign-in form; ``error`` (an ``AADSTS…`` line) is shown above it when given."""
    problem = f'<p class="error" role="alert">{_e(error)}</p>' if error else ""
    body = (
        f"<h1>Sign in</h1><p>to continue to {_e(app_name)}</p>{problem}"
        f'<form method="post" action="{_e(action)}">'
        f'<input type="hidden" name="flowToken" value="{_e(flow_token)}">'
        f'<input type="hidden" name="canary" value="{_e(canary)}">'
        f'<label for="login">Email or user name</label>'
        f'<input type="text" id="login" name="login" value="{_e(login)}" '
        f'autocomplete="username" required autofocus>'
        f'<label for="passwd">Password</label>'
        f'<input type="password" id="passwd" name="passwd" autocomplete="current-password" '
        f'required>'
        f'<button type="submit" id="idSIButton9">Sign in</button></form>'
        f'<p class="note">Local identity service of the DICOM service emulator: users are '
        f"registered with <code>python -m dicom_emulator identity add-user</code>.</p>")
    return _page("Sign in to your account", body)


def error_page(code: int, message: str, status: int = 400) -> HTMLResponse:
    """Entra's "trouble signing you in" page, for errors it cannot send to the app."""
    body = (f"<h1>Sorry, but we're having trouble signing you in.</h1>"
            f'<p class="error" role="alert">AADSTS{_e(code)}: {_e(message)}</p>')
    return _page("Sign in to your account", body, status=status)


def signed_out_page() -> HTMLResponse:
    body = ("<h1>You signed out of your account</h1>"
            "<p>It's a good idea to close all browser windows.</p>")
    return _page("Sign out", body)
