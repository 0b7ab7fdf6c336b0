"""Where OHIF's built files are, and what a request path names among them (pure)."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

# `make viewer` (npm ci --prefix viewer) puts the pinned @ohif/app here.
VIEWER_FOLDER = Path(__file__).resolve().parents[2] / "viewer"
DEFAULT_DIST = VIEWER_FOLDER / "node_modules" / "@ohif" / "app" / "dist"
# OHIF's configuration for the service, URLs left blank (shared with helpers.viewer).
APP_CONFIG_TEMPLATE = VIEWER_FOLDER / "app-config.json"
INSTALL_HINT = ("OHIF is not installed: run `make viewer` (or `npm ci --prefix viewer "
                "--ignore-scripts`; needs Node.js and npm)")

# First path segments of OHIF's client-side routes (the study list at /, each mode's
# routeName, the OpenID Connect callbacks): a browser may load any of them directly.
CLIENT_ROUTES = frozenset({
    "", "viewer", "basic", "segmentation", "tmtv", "microscopy", "dynamic-volume",
    "usAnnotation", "local", "localbasic", "callback", "logout-redirect",
    "notfoundserver", "notfoundstudy",
})


class ViewerNotInstalledError(RuntimeError):
    """``serve --viewer`` without OHIF's files: the message says how to get them."""


def checked_dist(dist: Path) -> Path:
    """``dist`` when it holds OHIF's ``index.html``; else the install hint as an error."""
    if not (dist / "index.html").is_file():
        raise ViewerNotInstalledError(f"{INSTALL_HINT} ({dist} has no index.html)")
    return dist


def file_for(dist: Path, path: str) -> Path | None:
    """The file of ``dist`` that the URL path ``path`` names; None when there is none.

    Client routes give ``index.html`` (the single-page app routes itself). A path that
    climbs out of ``dist`` (``..``) or names a folder names nothing.
    """
    parts = PurePosixPath("/" + path).parts[1:]
    if any(part in ("..", ".") or "\\" in part for part in parts):
        return None
    if not parts or parts[0] in CLIENT_ROUTES:
        return dist / "index.html"
    candidate = dist.joinpath(*parts)
    return candidate if candidate.is_file() else None
