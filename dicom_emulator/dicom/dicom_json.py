"""DICOM JSON (PS3.18 F.2) as the service returns it: pydicom's encoder, minus bulk data.

The Azure service omits OB, OD, OF, OL, OV, OW and UN elements from metadata and
offers no BulkDataURIs, so they are dropped before encoding. :mod:`.json_encoder` gives
the same JSON from the raw elements, several times faster (STOW encodes every instance);
pydicom's path is the reference, and decides whenever the fast one is not sure.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from typing import Any

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from dicom_emulator.dicom import json_encoder
from dicom_emulator.dicom.reading import json_dict_without_invalid
from dicom_emulator.dicom.tags import tag_hex
from dicom_emulator.dicom.vr import BULK_DATA_VRS

__all__ = ["DicomJson", "element", "pydicom_metadata", "subset", "to_metadata"]

DicomJson = dict[str, Any]

log = logging.getLogger(__name__)


def _without_bulk(ds: Dataset, drop: frozenset[int]) -> Dataset:
    out = Dataset()
    for elem in ds:
        if elem.tag in drop or elem.VR in BULK_DATA_VRS:
            continue
        if elem.VR == "SQ":
            out.add_new(elem.tag, "SQ", Sequence(_without_bulk(item, frozenset())
                                                  for item in elem.value))
        else:
            out.add(elem)
    return out


def to_metadata(ds: Dataset, drop: Iterable[int] = ()) -> DicomJson:
    """The instance's DICOM JSON without bulk data and without the ``drop`` tags.

    Raises what pydicom raises converting an element (the dataset is invalid).
    """
    dropped = frozenset(drop)
    if json_encoder.can_encode():
        try:
            return json_encoder.metadata(ds, dropped)
        except Exception:  # pydicom's path says what this dataset gives, or raises
            log.debug("the fast DICOM JSON encoder gave up", exc_info=True)
    return pydicom_metadata(ds, dropped)


def pydicom_metadata(ds: Dataset, drop: frozenset[int]) -> DicomJson:
    """:func:`to_metadata` by pydicom alone (the reference the fast encoder matches)."""
    return json_dict_without_invalid(_without_bulk(ds, drop))


def subset(metadata: DicomJson, keywords: Iterable[str]) -> DicomJson:
    """Only the given attributes of a DICOM JSON dataset (those present)."""
    return {key: metadata[key] for key in _keys(tuple(keywords)) if key in metadata}


@functools.cache
def _keys(keywords: tuple[str, ...]) -> tuple[str, ...]:
    # Each store asks for the same three lists; looking their keywords up was most of it.
    return tuple(tag_hex(keyword) for keyword in keywords)


def element(vr: str, *values: Any) -> DicomJson:
    """One DICOM JSON element: ``{"vr": vr, "Value": [...]}`` (no Value when empty)."""
    return {"vr": vr, "Value": list(values)} if values else {"vr": vr}
