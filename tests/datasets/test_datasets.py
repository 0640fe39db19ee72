import copy
import os
import pickle
import urllib.error

import h5py
import numpy as np
import pytest
import scipy.io

from skrs.datasets import (RemoteFile, Scene, fetch_file, get_data_home, load_indian_pines,
                           load_mat_scene, load_salinas_a, make_synthetic_scene)
from skrs.io import dump_libsvm, load_libsvm, read_window_hdf5, write_window_hdf5
from skrs.datasets._download import sha256sum
from skrs.preprocessing import WindowExtractor


def test_data_home_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SKRS_DATA", str(tmp_path))
    assert get_data_home() == tmp_path
    monkeypatch.delenv("SKRS_DATA")
    assert get_data_home().name == "skrs_data"


def test_salinas_a_real_file(salinas_a):
    assert salinas_a.shape == (83, 86, 204)
    assert salinas_a.label_values == (1, 10, 11, 12, 13, 14)
    # class counts from the data README, with labels remapped to 1..6
    assert list(salinas_a.class_counts().values()) == [391, 1343, 616, 1525, 674, 799]
    assert salinas_a.class_names[1] == "Corn_senesced_green_weeds"
    raw = scipy.io.loadmat(get_data_home() / "salinasA" / "SalinasA_gt.mat")["salinasA_gt"]
    np.testing.assert_array_equal(salinas_a.gt == 2, raw == 10)
    np.testing.assert_array_equal(salinas_a.gt == 0, raw == 0)


def test_indian_pines_offline_error_says_where_to_put_the_file(monkeypatch, tmp_path):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr("urllib.request.urlopen", offline)
    with pytest.raises(OSError, match="place it at .*Indian_pines_corrected.mat"):
        load_indian_pines(data_home=tmp_path)
    assert not any(p.name.endswith(".part") for p in tmp_path.rglob("*"))


def test_missing_file_without_download(tmp_path):
    with pytest.raises(FileNotFoundError, match="download_if_missing=False"):
        load_salinas_a(data_home=tmp_path, download_if_missing=False)


def test_fetch_file_downloads_verifies_and_renames(tmp_path):
    source = tmp_path / "source.bin"
    source.write_bytes(b"hyperspectral")
    good = RemoteFile("data.bin", source.as_uri(), sha256sum(source))
    path = fetch_file(good, "sub", data_home=tmp_path / "home")
    assert path.read_bytes() == b"hyperspectral"

    bad = RemoteFile("other.bin", source.as_uri(), "0" * 64)
    with pytest.raises(OSError, match="corrupt or not the expected file"):
        fetch_file(bad, "sub", data_home=tmp_path / "home")
    assert sorted(p.name for p in (tmp_path / "home" / "sub").iterdir()) == ["data.bin"]


def test_fetch_file_detects_a_corrupt_local_copy(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "data.bin").write_bytes(b"truncated")
    with pytest.raises(OSError, match="Delete it"):
        fetch_file(RemoteFile("data.bin", "https://example.invalid/x", "0" * 64), "sub", tmp_path)


def test_load_mat_scene_and_its_errors(tmp_path):
    cube = np.arange(24, dtype=np.int16).reshape(2, 3, 4)
    gt = np.array([[0, 1, 2], [2, 1, 0]], dtype=np.uint8)
    path = tmp_path / "scene.mat"
    scipy.io.savemat(path, {"img": cube, "gt": gt})
    scene = load_mat_scene(path, "img", "gt", class_names=["a", "b"])
    np.testing.assert_array_equal(scene.cube, cube)
    assert scene.n_classes == 2

    with pytest.raises(KeyError, match="no variable 'cube'.*'gt', 'img'"):
        load_mat_scene(path, "cube", "gt")
    with pytest.raises(FileNotFoundError):
        load_mat_scene(tmp_path / "absent.mat", "img")
    corrupt = tmp_path / "corrupt.mat"
    corrupt.write_bytes(b"MATLAB 5.0 MAT-file" + b"\x00" * 20)
    with pytest.raises(ValueError, match="could not read"):
        load_mat_scene(corrupt, "img")

    scipy.io.savemat(tmp_path / "gt_other_shape.mat", {"gt": np.ones((3, 3))})
    with pytest.raises(ValueError, match=r"ground truth has shape \(3, 3\).*\(2, 3\)"):
        load_mat_scene(path, "img", "gt", gt_path=tmp_path / "gt_other_shape.mat")


def test_load_mat_scene_v73_hdf5(tmp_path):
    cube = np.random.default_rng(0).random((5, 4, 3))
    path = tmp_path / "v73.mat"
    # As MATLAB writes v7.3: HDF5 after a 512-byte MAT header, arrays column-major.
    with h5py.File(path, "w", userblock_size=512) as f:
        f["img"] = cube.T
    header = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, HDF5 schema 1.00 .".ljust(116)
    with open(path, "r+b") as f:
        f.write(header + b"\x00" * 8 + b"\x00\x02IM")
    np.testing.assert_allclose(load_mat_scene(path, "img").cube, cube)


def test_scene_refuses_bad_cubes():
    with pytest.raises(ValueError, match=r"\(rows, cols, bands\)"):
        Scene(np.zeros((4, 5)))
    cube = np.zeros((4, 5, 3))
    cube[2, 3, 1] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinite.*\(2, 3, 1\)"):
        Scene(cube)
    with pytest.raises(ValueError, match=">= 0"):
        Scene(np.zeros((2, 2, 1)), gt=-np.ones((2, 2), dtype=int))
    with pytest.raises(ValueError, match="2 class names.*up to 3"):
        Scene(np.zeros((1, 3, 1)), gt=[[1, 2, 3]], class_names=["a", "b"])


def test_scene_is_shared_not_copied(synthetic_scene):
    assert copy.deepcopy(synthetic_scene) is synthetic_scene
    assert not synthetic_scene.cube.flags.writeable
    restored = pickle.loads(pickle.dumps(synthetic_scene))
    np.testing.assert_array_equal(restored.cube, synthetic_scene.cube)
    assert not restored.cube.flags.writeable


def test_synthetic_scene_is_reproducible():
    a = make_synthetic_scene(10, 12, 5, 3, random_state=1)
    b = make_synthetic_scene(10, 12, 5, 3, random_state=1)
    np.testing.assert_array_equal(a.cube, b.cube)
    assert set(np.unique(a.gt)) <= {0, 1, 2, 3} and a.n_classes == 3


def test_libsvm_round_trip_and_malformed_line(tmp_path):
    X = np.array([[0.5, 0.0, 1.5], [0.0, 2.0, 0.0]])
    path = tmp_path / "train.libsvm"
    dump_libsvm(X, np.array([48, 51]), path)
    assert path.read_text().splitlines()[0] == "48 1:0.5 3:1.5"
    X2, y2 = load_libsvm(path, n_features=3)
    np.testing.assert_allclose(X2.toarray(), X)
    np.testing.assert_array_equal(y2, [48, 51])

    path.write_text("48 1:0.69 2:0.59\n51 1:0.5 2:oops\n15 1:0.1\n")
    with pytest.raises(ValueError, match=r"malformed LIBSVM line 2 .*2:oops"):
        load_libsvm(path)
    with pytest.raises(FileNotFoundError):
        load_libsvm(tmp_path / "absent.libsvm")


def test_window_hdf5_round_trip_streams_lazy_windows(tmp_path, synthetic_scene):
    coords, y = synthetic_scene.labelled_pixels()
    windows = WindowExtractor(size=5).fit_transform(coords)
    path = tmp_path / "cnn_in_5x5.hdf5"
    write_window_hdf5(path, windows[:100], y[:100], windows[100:150], y[100:150],
                      coords_train=coords[:100], coords_test=coords[100:150],
                      class_names=synthetic_scene.class_names, batch_size=32)
    train = read_window_hdf5(path, "train")
    np.testing.assert_array_equal(train.X, windows[:100])
    np.testing.assert_array_equal(train.coords, coords[:100])
    assert train.info["window_size"] == 5
    assert train.info["mean"] == pytest.approx(float(np.asarray(windows[:100], float).mean()))
    assert train.info["class_names"] == list(synthetic_scene.class_names)
    test = read_window_hdf5(path, "test")
    np.testing.assert_array_equal(test.y, y[100:150])


def test_window_hdf5_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_window_hdf5(tmp_path / "absent.hdf5")
    junk = tmp_path / "junk.hdf5"
    junk.write_bytes(b"not hdf5")
    with pytest.raises(ValueError, match="not a readable HDF5"):
        read_window_hdf5(junk)
    path = tmp_path / "w.hdf5"
    write_window_hdf5(path, np.zeros((2, 3, 3, 1)), [1, 2])
    with pytest.raises(KeyError, match="no 'test' subset"):
        read_window_hdf5(path, "test")


def test_window_hdf5_failed_write_keeps_existing_file(tmp_path):
    path = tmp_path / "w.hdf5"
    write_window_hdf5(path, np.ones((2, 3, 3, 1)), [1, 2])
    before = path.read_bytes()
    with pytest.raises(ValueError, match="2 windows but 3 labels"):
        write_window_hdf5(path, np.zeros((2, 3, 3, 1)), [1, 2, 3])
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["w.hdf5"]
