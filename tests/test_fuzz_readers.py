"""Every reader, fed damaged files, either loads them or raises an error that names the
file: never a crash, a hang or another exception type.

Each file is a valid one, then truncated, overwritten with random bytes at random places,
or extended with junk (hypothesis draws the damage). CI runs a bounded number of cases
per reader; a longer run: ``SKRS_FUZZ_EXAMPLES=2000 pytest tests/test_fuzz_readers.py``.
"""

import os
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("SKRS_FUZZ_EXAMPLES", "15"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@st.composite
def damage(draw, size):
    """(how, arguments) of one way to damage a file of ``size`` bytes."""
    how = draw(st.sampled_from(["truncate", "overwrite", "append"]))
    if how == "truncate":
        return how, draw(st.integers(0, max(0, size - 1)))
    if how == "overwrite":
        spots = draw(st.lists(st.tuples(st.integers(0, max(0, size - 1)),
                                        st.binary(min_size=1, max_size=8)),
                              min_size=1, max_size=6))
        return how, spots
    return how, draw(st.binary(min_size=1, max_size=64))


def _damaged(data, how, args):
    if how == "truncate":
        return data[:args]
    if how == "overwrite":
        data = bytearray(data)
        for at, junk in args:
            data[at:at + len(junk)] = junk
        return bytes(data)
    return data + args


def _check(read, path, data, how, args):
    path.write_bytes(_damaged(data, how, args))
    try:
        read(path)
    except (ValueError, OSError, KeyError) as exc:  # KeyError: a missing part, named
        assert path.name in str(exc), f"{type(exc).__name__} without the file name: {exc}"


def _fuzz(read, valid_path):
    data = valid_path.read_bytes()
    target = valid_path.with_name("damaged" + "".join(valid_path.suffixes))

    @FUZZ
    @given(damage(len(data)))
    def run(case):
        _check(read, target, data, *case)

    run()


def test_libsvm_data_files(tmp_path):
    from skrs.io import dump_libsvm, load_libsvm

    rng = np.random.default_rng(0)
    path = tmp_path / "data.svm"
    dump_libsvm(rng.normal(size=(20, 5)), rng.integers(1, 4, 20), path)
    _fuzz(load_libsvm, path)


def test_libsvm_model_files(tmp_path):
    from skrs.svm import LibSVMClassifier

    rng = np.random.default_rng(0)
    path = tmp_path / "m.model"
    LibSVMClassifier(probability=True, random_state=0).fit(
        rng.normal(size=(40, 3)), np.repeat([1, 2, 3, 4], 10)).save_model(path)
    _fuzz(LibSVMClassifier.load_model, path)


def test_point_tables(tmp_path):
    from skrs.io import read_point_table, write_point_table

    path = tmp_path / "points.csv"
    write_point_table(path, {"x": [1.0, 2.0, 3.0], "y": [4.0, 5.0, 6.0], "b1": [0.1, 0.2, 0.3],
                             "label": [1, 2, 1]})
    _fuzz(lambda p: read_point_table(p, label_column="label"), path)


def test_geotiffs(tmp_path):
    import rasterio

    from skrs.io import load_geotiff

    path = tmp_path / "img.tif"
    with rasterio.open(path, "w", driver="GTiff", width=20, height=10, count=3,
                       dtype="uint16") as dst:
        dst.write(np.arange(600, dtype="uint16").reshape(3, 10, 20))
    _fuzz(load_geotiff, path)


def test_mat_scenes(tmp_path):
    from scipy.io import savemat

    from skrs.datasets import load_mat_scene

    path = tmp_path / "scene.mat"
    savemat(path, {"cube": np.ones((6, 7, 4)), "gt": np.ones((6, 7), dtype=np.uint8)})
    _fuzz(lambda p: load_mat_scene(p, "cube", "gt"), path)


def test_window_hdf5_files(tmp_path):
    from skrs.io import read_window_hdf5, write_window_hdf5

    rng = np.random.default_rng(0)
    path = tmp_path / "windows.h5"
    write_window_hdf5(path, rng.normal(size=(8, 3, 3, 2)).astype(np.float32),
                      rng.integers(1, 3, 8))
    _fuzz(read_window_hdf5, path)


def test_vector_labels(tmp_path):
    import geopandas
    import shapely
    from rasterio.transform import from_origin

    from skrs.datasets import ArrayRaster
    from skrs.io import read_vector_labels

    raster = ArrayRaster(np.ones((10, 10, 2)), crs="EPSG:32633",
                         transform=from_origin(500000, 4600000, 10, 10))
    path = tmp_path / "labels.geojson"
    geopandas.GeoDataFrame({"cls": ["a", "b"]}, crs="EPSG:32633", geometry=[
        shapely.box(500000, 4599950, 500030, 4600000), shapely.Point(500075, 4599915)]
    ).to_file(path)
    _fuzz(lambda p: read_vector_labels(p, raster, "cls"), path)


def test_model_files(tmp_path):
    from sklearn.pipeline import make_pipeline

    from skrs.io import load_model, save_model
    from skrs.preprocessing import BandNormalizer
    from skrs.svm import LibSVMClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    path = tmp_path / "model.skrs"
    save_model(path, make_pipeline(BandNormalizer(), LibSVMClassifier()).fit(X, X[:, 0] > 0),
               class_names=["dry", "wet"])
    _fuzz(load_model, path)


def test_model_file_members_that_are_not_what_they_claim(tmp_path):
    from skrs.io import load_model

    path = tmp_path / "model.skrs"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("model.json", '{"format": "skrs-model-1", "deep_steps": []}')
        archive.writestr("pipeline.skops", b"PK\x03\x04 not a skops file")
    with pytest.raises(ValueError, match="model.skrs"):
        load_model(path)
