"""An instance read in one chunk (and sent in one body) and one streamed chunk by chunk
give the same bytes: the file as stored."""

from __future__ import annotations

import numpy as np
import pytest
from starlette.testclient import TestClient

from dicom_emulator.features.retrieve.service import CHUNK_SIZE
from tests.support.datasets import make_dataset
from tests.support.headers import MULTIPART_DICOM
from tests.support.wado import Stored, split_multipart, store_dataset

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
