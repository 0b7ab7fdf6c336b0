"""The DICOM service's CORS setting as data (pure: settings and the command line read it).

Learn, "Configure cross-origin resource sharing" (DICOM service): origins (``*`` for any),
headers (``*`` for any), methods, max age in seconds, allow credentials ("You can't
configure this setting if you already set Origins with an asterisk"). ``web.cors`` answers
requests with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit


class CorsSettingError(ValueError):
    """A CORS setting the service would refuse."""


def _origin(value: str) -> str:
    if value == "*":
        return value
    parts = urlsplit(value.strip().rstrip("/"))
    if not parts.scheme or not parts.netloc or parts.path or parts.query:
        raise CorsSettingError(f"'{value}' is not an origin (scheme://host[:port]).")
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


@dataclass(frozen=True)
class CorsPolicy:
    """The service's CORS setting; the default allows no origin."""

    origins: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "origins", tuple(_origin(o) for o in self.origins if o))
        if self.allow_credentials and "*" in self.origins:
            raise CorsSettingError("Allow credentials cannot be set when origins contain '*' "
                                   "(the service refuses this CORS setting).")
        if self.max_age is not None and self.max_age < 0:
            raise CorsSettingError("The CORS max age must be a number of seconds.")

    @classmethod
    def from_lists(cls, origins: Sequence[str] = (), headers: Sequence[str] = (),
                   methods: Sequence[str] = (), max_age: int | None = None,
                   allow_credentials: bool = False) -> CorsPolicy:
        """From lists whose items may themselves be comma- or space-separated."""
        def split(values: Sequence[str]) -> tuple[str, ...]:
            return tuple(v for value in values for v in value.replace(",", " ").split())
        return cls(split(origins), split(headers), tuple(m.upper() for m in split(methods)),
                   max_age, allow_credentials)
