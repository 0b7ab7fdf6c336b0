"""How extended query tags take part in STOW's validation (v1 only).

``StoreService`` calls this hook (a ``features.store.service.StoreHook``): in v1 an
instance whose value for a Ready tag is invalid, or has another VR than the tag, fails
like one with an invalid core attribute (43264). Indexing a stored instance on the
Adding and Ready tags is the index's part (``storage.extended_query_tags.ExtendedQueryTagIndex``,
in the instance's store transaction).
"""

from __future__ import annotations

from pydicom.datadict import keyword_for_tag
from pydicom.dataset import Dataset
from pydicom.tag import Tag

from dicom_emulator.dicom.dicom_json import DicomJson
from dicom_emulator.dicom.indexing import ErrorCode, InvalidValue, find_element, index_value
from dicom_emulator.dicom.minimum import minimum_problem
from dicom_emulator.dicom.reading import json_dict_without_invalid
from dicom_emulator.dicom.tags import private_creator_tag
from dicom_emulator.dicom.validation import AttributeProblem, element_failed
from dicom_emulator.storage.extended_query_tags import ExtendedQueryTagStore, StoredTag, TagStatus


def _element_json(ds: Dataset, tag: StoredTag) -> DicomJson:
    """The tag's element (and its private creator's) as DICOM JSON."""
    number = int(tag.path, 16)
    wanted = [number]
    if tag.private_creator:
        wanted.append(private_creator_tag(number))
    part = Dataset()
    for item in wanted:
        if item in ds:
            part.add(ds[item])
    return json_dict_without_invalid(part)


def _value_text(element: DicomJson | None) -> str:
    values = (element or {}).get("Value") or [""]
    return str(values[0])


class ExtendedQueryTagStoreHook:
    """The extended-query-tag side of validating a store, for ``StoreService``."""

    def __init__(self, tags: ExtendedQueryTagStore):
        self.tags = tags

    def v1_problems(self, ds: Dataset) -> list[AttributeProblem]:
        """Problems with the values of Ready tags (v1 validates every indexed attribute)."""
        ready = [t for t in self.tags.all() if t.status is TagStatus.READY]
        problems = []
        for tag in ready:
            number = int(tag.path, 16)
            if number not in ds:
                continue
            # ValidateQueryTag: the tag's VR, then the minimum validator (the service's texts)
            first = minimum_problem(ds, number, expected_vr=tag.vr)
            if first is not None:
                problems.append(first)
                continue
            metadata = _element_json(ds, tag)
            element = find_element(metadata, tag.path, tag.private_creator)
            try:
                index_value(tag.vr, element)
            except InvalidValue as exc:
                actual = str(ds[number].VR)
                reason = exc.code.message
                if exc.code is ErrorCode.UNEXPECTED_VR:
                    reason = (f"The extended query tag '{Tag(number)}' is expected to "
                              f"have VR '{tag.vr}' but has '{actual}' in file.")
                # ElementValidationException, named as Tag.GetFriendlyName() does
                name = tag.path if tag.private_creator else keyword_for_tag(number) or tag.path
                problems.append(element_failed(number, actual, name, reason))
        return problems
