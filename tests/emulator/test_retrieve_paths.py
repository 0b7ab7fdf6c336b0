"""An instance retrieve answered at once (small, as stored) and one streamed from a worker
thread (larger than a chunk, or transcoded) give the same bytes: the file as stored."""

from __future__ import annotations

import numpy as np
import pytest
from starlette.testclient import TestClient

from dicom_emulator.features.retrieve.negotiation import Negotiated
from dicom_emulator.features.retrieve.service import CHUNK_SIZE
from tests.support.datasets import make_dataset
from tests.support.headers import EXPLICIT_VR_LITTLE_ENDIAN, MULTIPART_DICOM
from tests.support.wado import Stored, split_multipart, store_dataset

ORIGINAL = Negotiated("application/dicom", True, "*")


SMALL, LARGE = 64, CHUNK_SIZE // 2 + 1024  # 16-bit pixels: under and over a chunk


def stored_of_size(http: TestClient, pixels: int) -> Stored:
    columns = min(pixels, 512)
    ds = make_dataset(rows=-(-pixels // columns), columns=columns)
    ds.PixelData = (np.arange(ds.Rows * columns, dtype=np.uint16) % 4096).tobytes()
    return store_dataset(http, ds)


@pytest.mark.parametrize("pixels", [SMALL, LARGE])
@pytest.mark.parametrize("accept", ["application/dicom; transfer-syntax=*",
                                    MULTIPART_DICOM + "; transfer-syntax=*"])
def test_instance_is_the_stored_file(http: TestClient, pixels: int, accept: str) -> None:
    stored = stored_of_size(http, pixels)
    response = http.get(stored.url, headers={"Accept": accept})
    assert response.status_code == 200
    body = (split_multipart(response)[0].body if accept.startswith("multipart")
            else response.content)
    assert body == stored.as_stored
    assert (len(body) < CHUNK_SIZE) == (pixels == SMALL)


def test_only_a_small_instance_as_stored_is_read_at_once(http: TestClient) -> None:
    service = http.app.state.components.retrieve
    small, large = stored_of_size(http, SMALL), stored_of_size(http, LARGE)
    uids = (small.study, small.series, small.sop)
    (part,) = service.small_instance(uids, ORIGINAL) or []
    assert part.whole and part.head == small.as_stored
    assert service.small_instance((large.study, large.series, large.sop), ORIGINAL) is None
    assert service.small_instance((small.study, small.series, None), ORIGINAL) is None
    transcode = Negotiated("application/dicom", False, EXPLICIT_VR_LITTLE_ENDIAN)
    implicit = store_dataset(http, make_dataset(implicit=True))
    assert service.small_instance((implicit.study, implicit.series, implicit.sop),
                                  transcode) is None
