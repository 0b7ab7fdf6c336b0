"""The sample data: Azure sample UIDs and attributes, the CT phantom, pydicom's files."""

from __future__ import annotations

from pathlib import Path

import pydicom
import pytest
from pydicom.pixels import apply_modality_lut

from helpers import samples


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("samples")
    samples.generate(folder)
    return folder


def test_shapes_carry_the_azure_sample_identifiers(generated: Path) -> None:
    paths = samples.azure_shapes(generated)
    assert sorted(paths) == ["blue-circle", "green-square", "red-triangle"]
    for name, path in paths.items():
        ds = pydicom.dcmread(path)
        uids = samples.AZURE_SHAPES[name]
        assert ds.StudyInstanceUID == samples.AZURE_STUDY_UID == uids.study_instance_uid
        assert (ds.SeriesInstanceUID, ds.SOPInstanceUID) == (uids.series_instance_uid,
                                                              uids.sop_instance_uid)
        assert (ds.PatientID, str(ds.PatientName), ds.StudyDate, ds.Modality) == (
            "ID1", "Anony Mous", "20200922", "OT")
        assert (ds.Rows, ds.Columns, ds.PhotometricInterpretation) == (979, 985, "RGB")
        assert ds.file_meta.TransferSyntaxUID == pydicom.uid.ExplicitVRLittleEndian
    red = pydicom.dcmread(paths["red-triangle"]).pixel_array
    assert red[600, 478].tolist() == [237, 28, 36] and red[5, 5].tolist() == [195] * 3
    assert pydicom.dcmread(paths["blue-circle"]).SeriesNumber == 2


def test_shapes_look_like_the_azure_files(generated: Path,
                                          azure_samples: dict[str, Path]) -> None:
    for name, path in samples.azure_shapes(generated).items():
        ours, theirs = pydicom.dcmread(path), pydicom.dcmread(azure_samples[name])
        for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID",
                        "SOPClassUID", "PatientID", "PatientName", "PatientSex",
                        "PatientAge", "StudyDate", "StudyTime", "ReferringPhysicianName",
                        "AccessionNumber", "StudyID", "SeriesNumber", "InstanceNumber",
                        "ImageComments", "Rows", "Columns", "PhotometricInterpretation"):
            assert ours.get(keyword) == theirs.get(keyword), (name, keyword)
        same = (ours.pixel_array == theirs.pixel_array).all(axis=-1).mean()
        assert same > 0.99, (name, same)


def test_ct_phantom_is_a_windowable_series(generated: Path) -> None:
    paths = samples.ct_phantom(generated)
    assert len(paths) >= 32
    datasets = [pydicom.dcmread(p) for p in paths]
    assert {ds.SeriesInstanceUID for ds in datasets} == {samples.CT_PHANTOM.series_instance_uid}
    assert len({ds.SOPInstanceUID for ds in datasets}) == len(paths)
    assert [ds.InstanceNumber for ds in datasets] == list(range(1, len(paths) + 1))
    ds = datasets[len(datasets) // 2]
    assert (ds.BitsAllocated, ds.Modality, ds.RescaleIntercept, ds.RescaleSlope) == (
        16, "CT", -1024, 1)
    assert list(ds.WindowCenterWidthExplanation) == ["SOFT TISSUE", "LUNG", "BONE"]
    hu = apply_modality_lut(ds.pixel_array, ds)
    assert hu[2, 2] == pytest.approx(-1000, abs=40)  # air in the corner
    assert hu.max() >= 900  # bone
    # The liver lesion (100 HU) is brighter than the liver (60 HU) beside it.
    lesion_slice = apply_modality_lut(datasets[10].pixel_array, datasets[10])
    assert lesion_slice[125:130, 79:84].mean() > lesion_slice[125:130, 100:105].mean() + 25


def test_generation_is_deterministic_and_idempotent(generated: Path, tmp_path: Path) -> None:
    again = samples.generate(tmp_path)
    first = samples.generate(generated)
    assert [p.relative_to(tmp_path) for p in again] == [p.relative_to(generated) for p in first]
    for a, b in zip(again, first, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    assert max(p.stat().st_size for p in first) < 5_000_000


def test_cr_is_monochrome1_with_dense_parts_low(generated: Path) -> None:
    ds = pydicom.dcmread(samples.cr_monochrome1(generated))
    assert ds.PhotometricInterpretation == "MONOCHROME1"
    pixels = ds.pixel_array
    air, bone = pixels[160, 240], pixels[160, 100]
    assert air > bone  # in MONOCHROME1 the low (dense) values are shown white


def test_pydicom_examples_are_available_offline() -> None:
    paths = samples.pydicom_examples()
    assert set(paths) == set(samples.PYDICOM_EXAMPLES)
    kinds = {name: pydicom.dcmread(path, stop_before_pixels=True) for name, path in paths.items()}
    assert kinds["palette"].PhotometricInterpretation == "PALETTE COLOR"
    assert kinds["ybr-multiframe"].PhotometricInterpretation == "YBR_FULL_422"
    assert int(kinds["ybr-multiframe"].NumberOfFrames) > 1
    assert kinds["ct"].RescaleIntercept == -1024
    assert kinds["jpeg-extended"].file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.4.51"


def test_every_sample_has_its_own_sop_instance_uid(generated: Path) -> None:
    paths = [*samples.generate(generated), *samples.pydicom_examples().values()]
    uids = [pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID for p in paths]
    assert len(set(uids)) == len(uids)


def test_command_line_generates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert samples.main(["generate", "--out", str(tmp_path)]) == 0
    assert "44 files" in capsys.readouterr().out
    assert (tmp_path / "cr-monochrome1.dcm").is_file()


def test_xa_run_is_one_multi_frame_instance_whose_frames_differ(tmp_path: Path) -> None:
    path = samples.xa_multiframe(tmp_path)
    ds = pydicom.dcmread(path)
    uids = samples.XA_MULTIFRAME
    assert (ds.StudyInstanceUID, ds.SOPInstanceUID) == (uids.study_instance_uid,
                                                        uids.sop_instance_uid)
    assert (ds.Modality, ds.SOPClassUID.name) == ("XA", "X-Ray Angiographic Image Storage")
    frames = ds.pixel_array
    assert frames.shape == (samples.XA_FRAMES, 256, 256)
    # The bolus fills more of the vessel each frame: later frames are darker on average.
    means = frames.reshape(samples.XA_FRAMES, -1).mean(axis=1)
    assert all(later < earlier for earlier, later in zip(means, means[1:], strict=False))
    assert path not in samples.generate(tmp_path)  # the lessons' data stay as they were
