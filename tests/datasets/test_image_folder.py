"""Class-per-folder patch datasets: the real EuroSAT subset, split layouts, errors."""

import hashlib
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from skrs.datasets import (LazyImages, get_data_home, load_eurosat, load_image_folder,
                           read_image)
from skrs.datasets import _image_folder

EUROSAT = get_data_home() / "eurosat_rgb" / "EuroSAT_RGB"
needs_eurosat = pytest.mark.skipif(not EUROSAT.is_dir(), reason="EuroSAT subset not in data home")


def _folder(root, classes=("Forest", "River", "SeaLake"), n=10, shape=(8, 8, 3), suffix="png"):
    rng = np.random.default_rng(0)
    for k, name in enumerate(classes):
        (root / name).mkdir(parents=True)
        for i in range(n):
            pixels = np.full(shape, 40 * k, np.uint8) + rng.integers(0, 5, shape, dtype=np.uint8)
            Image.fromarray(pixels.squeeze()).save(root / name / f"{name}_{i}.{suffix}")
    return root


@needs_eurosat
def test_real_eurosat_subset_80_20():
    train = load_eurosat("train", split=(80, 0, 20), download_if_missing=False)
    test = load_eurosat("test", split=(80, 0, 20), download_if_missing=False)
    assert train.data.shape == (2400, 64, 64, 3) and test.data.shape == (600, 64, 64, 3)
    assert train.target_names[:2] == ["AnnualCrop", "Forest"] and len(train.target_names) == 10
    # stratified: 240 / 60 per class, and no file on both sides
    assert np.bincount(train.target).tolist() == [240] * 10
    assert np.bincount(test.target).tolist() == [60] * 10
    assert not set(train.filenames) & set(test.filenames)
    # the pixels are the JPEG's: one file read back independently
    i = 123
    with Image.open(test.filenames[i]) as image:
        np.testing.assert_array_equal(test.data[i], np.asarray(image, dtype=np.float32))
    # Forest is darker than Industrial (the data README's class means)
    names = train.target_names
    means = [train.data[train.target == names.index(c)].mean() for c in ("Forest", "Industrial")]
    assert means[0] < means[1]


@needs_eurosat
def test_eurosat_default_split_is_the_tutorials_94_5_1_and_lazy():
    data = load_eurosat(lazy=True, download_if_missing=False)
    assert isinstance(data.data, LazyImages) and data.data.shape == (3000, 64, 64, 3)
    counts = {s: int((data.subset == s).sum()) for s in ("train", "valid", "test")}
    assert counts == {"train": 2820, "valid": 150, "test": 30}
    # the same split for the same random_state, another for another
    again = load_eurosat("test", download_if_missing=False)
    other = load_eurosat("test", random_state=1, download_if_missing=False)
    assert list(again.filenames) == list(data.filenames[data.subset == "test"])
    assert set(other.filenames) != set(again.filenames)


def test_presplit_layout(tmp_path):
    for subset, n in (("train", 6), ("valid", 2), ("test", 1)):
        _folder(tmp_path / subset, n=n)
    train = load_image_folder(tmp_path, "train")
    assert train.data.shape == (18, 8, 8, 3) and set(train.subset) == {"train"}
    X, y = load_image_folder(tmp_path, "valid", return_X_y=True)
    assert X.shape == (6, 8, 8, 3) and np.bincount(y).tolist() == [2, 2, 2]
    everything = load_image_folder(tmp_path)
    assert len(everything.target) == 27


def test_split_shares_and_random_state(tmp_path):
    _folder(tmp_path, n=20)
    parts = [load_image_folder(tmp_path, s, split=(70, 20, 10), random_state=3)
             for s in ("train", "valid", "test")]
    assert [len(p.target) for p in parts] == [42, 12, 6]
    files = [set(p.filenames) for p in parts]
    assert not (files[0] & files[1] or files[0] & files[2] or files[1] & files[2])


def test_lazy_images_read_only_what_is_indexed(tmp_path, monkeypatch):
    _folder(tmp_path)
    data = load_image_folder(tmp_path, lazy=True)
    read = []
    original = _image_folder.read_image
    monkeypatch.setattr(_image_folder, "read_image", lambda p: read.append(p) or original(p))
    batch = data.data[[3, 7]]
    assert batch.shape == (2, 8, 8, 3) and len(read) == 2
    np.testing.assert_array_equal(batch, np.asarray(data.data)[[3, 7]])


def test_grayscale_and_multiband_tiff(tmp_path):
    _folder(tmp_path / "gray", shape=(8, 8, 1), n=2)
    X, _ = load_image_folder(tmp_path / "gray", return_X_y=True, split=(1, 0, 0))
    assert X.shape == (6, 8, 8, 1)
    rasterio = pytest.importorskip("rasterio")
    path = tmp_path / "ms.tif"
    bands = np.arange(13 * 4 * 5, dtype=np.uint16).reshape(13, 4, 5)
    with rasterio.open(path, "w", driver="GTiff", width=5, height=4, count=13,
                       dtype="uint16") as dst:
        dst.write(bands)
    np.testing.assert_array_equal(read_image(path), np.moveaxis(bands, 0, -1))


def test_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        load_image_folder(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="no images"):
        load_image_folder(tmp_path)
    _folder(tmp_path / "a", n=3)
    with pytest.raises(ValueError, match="subset must be one of"):
        load_image_folder(tmp_path / "a", "training")
    with pytest.raises(ValueError, match="three non-negative shares"):
        load_image_folder(tmp_path / "a", split=(80, 20))
    # an image of another size is named
    Image.fromarray(np.zeros((9, 8, 3), np.uint8)).save(tmp_path / "a" / "River" / "odd.png")
    with pytest.raises(ValueError, match=r"odd.png has shape \(9, 8, 3\)"):
        load_image_folder(tmp_path / "a", split=(1, 0, 0))
    # a corrupt file is named
    (tmp_path / "a" / "River" / "odd.png").write_bytes(b"not an image")
    with pytest.raises(ValueError, match="odd.png is not a readable image"):
        load_image_folder(tmp_path / "a", split=(1, 0, 0))
    # subsets with different classes
    _folder(tmp_path / "b" / "train", classes=("Forest", "River"), n=2)
    _folder(tmp_path / "b" / "test", classes=("Forest",), n=2)
    with pytest.raises(ValueError, match=r"lacks class folders \['River'\]"):
        load_image_folder(tmp_path / "b")


def test_eurosat_download_checks_md5_and_extracts_atomically(tmp_path, monkeypatch):
    # a stand-in archive served from a file URL: the real URL is never hit in tests
    source = tmp_path / "src"
    _folder(source / "2750", classes=("Forest", "River"), n=5)
    archive = tmp_path / "EuroSAT.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(source.rglob("*.png")):
            z.write(path, path.relative_to(source))
    md5 = hashlib.md5(archive.read_bytes()).hexdigest()
    remote = _image_folder.RemoteFile("EuroSAT.zip", archive.as_uri(), md5=md5)
    monkeypatch.setitem(_image_folder._EUROSAT, "rgb",
                        (remote, "eurosat_rgb", ("EuroSAT_RGB", "2750")))
    home = tmp_path / "home"
    with pytest.raises(FileNotFoundError, match="download_if_missing=False"):
        load_eurosat(data_home=home, download_if_missing=False)
    data = load_eurosat("train", data_home=home, split=(1, 0, 0))
    assert data.data.shape == (10, 8, 8, 3)
    assert (home / "eurosat_rgb" / "2750" / "Forest").is_dir()
    assert not [p for p in (home / "eurosat_rgb").iterdir() if p.name.startswith(".extract")]
    # a wrong checksum is refused and leaves nothing behind
    bad = _image_folder.RemoteFile("EuroSAT.zip", archive.as_uri(), md5="0" * 32)
    monkeypatch.setitem(_image_folder._EUROSAT, "rgb",
                        (bad, "eurosat_rgb", ("EuroSAT_RGB", "2750")))
    with pytest.raises(OSError, match="md5"):
        load_eurosat(data_home=tmp_path / "home2")
    assert not Path(tmp_path / "home2" / "eurosat_rgb" / "EuroSAT.zip").exists()
