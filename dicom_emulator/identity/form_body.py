"""The urlencoded bodies Entra ID's endpoints read (token requests, the sign-in form)."""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.requests import Request

from dicom_emulator.identity.errors import EntraError

MAX_FORM_BYTES = 64 * 1024


async def read_form(request: Request) -> dict[str, str]:
    """The urlencoded body (anything else reads as empty, as Entra ID treats it)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise EntraError(400, "invalid_request", 900144, "The request body is too large.")
    if content_type != "application/x-www-form-urlencoded":
        return {}
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=50)
    except (UnicodeDecodeError, ValueError) as error:
        raise EntraError(400, "invalid_request", 900144,
                         "The request body is not valid form data.") from error
    return {name: values[0] for name, values in fields.items()}
