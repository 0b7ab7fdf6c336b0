"""Show the wire: one printed line per HTTP request a client or a session sends.

dicomweb-client turns ``search_filters=``, ``fields=`` and ``media_types=`` into URLs and
headers that a learner never sees. :func:`show_wire` installs a ``requests`` response
hook that prints, for every request, what went out and what came back::

    GET /v2/studies?PatientID=ID1  Accept: application/dicom+json  → 200 application/dicom+json

that is: the method, the path with its query string, the ``Accept`` and ``Content-Type``
request headers (the latter with its boundary for a STOW body), then the status and
the response's ``Content-Type`` (with its boundary for a multipart answer). The
``Authorization`` header, and so the token, is never printed. Bodies are not read, so
streamed responses stay streamed.

Use it around one call, or for good::

    with show_wire(client):
        client.search_for_studies(search_filters={"PatientID": "ID1"})

    make_client(settings, trace=True)   # every request of this client, from now on
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any, TextIO

import dicomweb_client
import requests

__all__ = ["SHOWN_REQUEST_HEADERS", "WireTrace", "describe_exchange", "show_wire"]

# What says how a DICOMweb request is negotiated. Deliberately not Authorization.
SHOWN_REQUEST_HEADERS = ("Accept", "Content-Type")


def describe_exchange(response: requests.Response) -> str:
    """One line for a request and its response (see the module docstring)."""
    request = response.request
    parts = [f"{request.method} {request.path_url}"]
    parts += [f"{name}: {request.headers[name]}" for name in SHOWN_REQUEST_HEADERS
              if request.headers.get(name)]
    answer = f"→ {response.status_code}"
    if response.headers.get("Content-Type"):
        answer += f" {response.headers['Content-Type']}"
    return "  ".join([*parts, answer])


class WireTrace:
    """A response hook that prints :func:`describe_exchange` for each response.

    Made by :func:`show_wire`. As a context manager it removes itself on exit; or call
    :meth:`stop`.

    Parameters
    ----------
    session : requests.Session
        The session whose requests are shown.
    file : text stream, optional
        Where to print; ``sys.stdout`` at the time of each request by default (so
        notebooks and pytest's capture see it).
    """

    def __init__(self, session: requests.Session, file: TextIO | None = None) -> None:
        self.session = session
        self.file = file
        self.installed = False

    def __repr__(self) -> str:
        return f"WireTrace(installed={self.installed})"

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        print(describe_exchange(response), file=self.file or sys.stdout, flush=True)

    def start(self) -> WireTrace:
        """Install the hook, unless the session already shows its wire."""
        hooks = self.session.hooks.setdefault("response", [])
        if not any(isinstance(hook, WireTrace) for hook in hooks):
            hooks.append(self)
            self.installed = True
        return self

    def stop(self) -> None:
        """Remove the hook this trace installed (a trace that was already there stays)."""
        if self.installed:
            self.session.hooks["response"].remove(self)
            self.installed = False

    def __enter__(self) -> WireTrace:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()


def show_wire(target: dicomweb_client.DICOMwebClient | requests.Session, *,
              file: TextIO | None = None) -> WireTrace:
    """Print every request ``target`` sends from now on (or inside a ``with`` block).

    Parameters
    ----------
    target : DICOMwebClient or requests.Session
        A dicomweb-client client (the kit's or the library's own), or a session such as
        :func:`helpers.make_session` returns.
    file : text stream, optional
        Where to print (default: standard output).

    Returns
    -------
    WireTrace
        Already installed; use it as a context manager, or call ``stop()``.

    Raises
    ------
    TypeError
        ``target`` is neither a client nor a session.

    Examples
    --------
    >>> with show_wire(client):                                      # doctest: +SKIP
    ...     client.search_for_studies(search_filters={"PatientID": "ID1"})
    GET /v2/studies?PatientID=ID1  Accept: application/dicom+json  → 200 application/dicom+json
    """
    if isinstance(target, requests.Session):
        session = target
    elif isinstance(target, dicomweb_client.DICOMwebClient):
        # dicomweb-client keeps the session it was given here and offers no accessor.
        session = target._session
    else:
        raise TypeError(f"show_wire needs a DICOMwebClient or a requests.Session, "
                        f"not {type(target).__name__}")
    return WireTrace(session, file).start()
