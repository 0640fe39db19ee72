"""Patches and stitching, extra channels, segmentation metrics, augmentation."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GroupKFold

from skrs.datasets import make_synthetic_scene
from skrs.deep import Augment
from skrs.deep._augment import make_augmenter
from skrs.metrics import boundary_mask, classification_report, segmentation_report
from skrs.preprocessing import (NDVI, NDWI, BandStacker, LazyPatches, PatchExtractor,
                                WindowExtractor, stack_bands)


@pytest.mark.parametrize("shape", [(20, 23, 2), (5, 31, 1), (256, 300, 3)])
@pytest.mark.parametrize("size,overlap", [(8, 0.6), (8, 0.0), (16, 0.5), (256, 0.6)])
def test_patches_cover_the_image_and_stitch_back(shape, size, overlap):
    image = np.random.default_rng(0).normal(size=shape)
    ext = PatchExtractor(size=size, overlap=overlap).fit(image)
    patches = ext.transform(image)
    layout = ext.layout(image)
    assert isinstance(patches, LazyPatches) and patches.shape == (len(layout), size, size,
                                                                  shape[2])
    # the grid: a stride of round(size * (1 - overlap)), the last patch flush with the edge
    rows = np.unique(layout[:, 1])
    if shape[0] > size:
        assert rows[-1] == shape[0] - size
        assert np.diff(rows)[:-1].tolist() == [ext.stride] * (len(rows) - 2)
    # each patch is the image's pixels (padded where the image is smaller)
    i = len(layout) // 2
    _, r, c = layout[i]
    window = image[r:r + size, c:c + size]
    np.testing.assert_allclose(patches[i][:window.shape[0], :window.shape[1]], window, rtol=1e-6)
    # stitching unchanged patches gives the image back, floats and labels alike
    np.testing.assert_allclose(ext.stitch(np.asarray(patches, np.float64), image)[0], image)
    labels = (image[..., 0] > 0).astype(np.int32)
    label_patches = ext.transform(labels)
    assert label_patches.shape == (len(layout), size, size)
    np.testing.assert_array_equal(ext.stitch(np.asarray(label_patches), labels)[0], labels)


def test_stitch_equals_the_patch_where_only_one_patch_covers():
    image = np.zeros((30, 40, 1))
    ext = PatchExtractor(size=16, overlap=0.25).fit(image)
    layout = ext.layout(image)
    rng = np.random.default_rng(1)
    values = rng.random((len(layout), 16, 16, 3))          # e.g. class probabilities
    labels = rng.integers(1, 5, (len(layout), 16, 16))
    blended, = ext.stitch(values, image)
    centred, = ext.stitch(labels, image)
    cover = np.zeros(image.shape[:2], int)
    for _, r, c in layout:
        cover[r:r + 16, c:c + 16] += 1
    assert (cover == 1).sum() > 100 and (cover > 1).any()
    for k, (_, r, c) in enumerate(layout):
        alone = cover[r:r + 16, c:c + 16] == 1
        np.testing.assert_allclose(blended[r:r + 16, c:c + 16][alone], values[k][alone])
        np.testing.assert_array_equal(centred[r:r + 16, c:c + 16][alone], labels[k][alone])
    # where patches overlap, the blend lies between the patch values
    assert blended.min() >= values.min() and blended.max() <= values.max()


def test_several_scenes_and_groups_for_a_tile_id_split():
    scenes = [make_synthetic_scene(20 + 5 * i, 30, 4, 3, random_state=i) for i in range(4)]
    ext = PatchExtractor(size=10, overlap=0.5).fit(scenes)
    X, y = ext.transform(scenes), ext.transform([s.gt for s in scenes])
    groups = ext.groups(scenes)
    assert len(X) == len(y) == len(groups) and set(groups) == {0, 1, 2, 3}
    for train, test in GroupKFold(n_splits=2).split(np.zeros(len(X)), groups=groups):
        assert not set(groups[train]) & set(groups[test])
    k = np.flatnonzero(groups == 2)[0]
    _, r, c = ext.layout(scenes)[k]
    np.testing.assert_array_equal(y[k], scenes[2].gt[r:r + 10, c:c + 10])


def test_patch_extractor_errors_and_api():
    ext = PatchExtractor(size=4)
    assert clone(ext).get_params() == ext.get_params()
    assert not ext.__sklearn_tags__().input_tags.two_d_array
    with pytest.raises(ValueError, match="overlap"):
        PatchExtractor(overlap=1.0).fit(np.zeros((5, 5, 1)))
    with pytest.raises(ValueError, match="no image"):
        ext.fit([])
    ext.fit(np.zeros((9, 9, 3)))
    with pytest.raises(ValueError, match="X has 2 bands, but PatchExtractor was fitted on"):
        ext.transform(np.zeros((9, 9, 2)))
    with pytest.raises(ValueError, match="3 patches given, but X is cut into"):
        ext.stitch(np.zeros((3, 4, 4)), [(9, 9)])
    with pytest.raises(ValueError, match="all be"):
        ext.fit([np.zeros((5, 5)), np.zeros((5, 5, 2))])


def test_band_stacker_appends_indices_lazily():
    rng = np.random.default_rng(0)
    X = rng.uniform(0.1, 1, size=(6, 5, 5, 3)).astype(np.float32)  # green, red, nir
    stacker = BandStacker([("ndvi", NDVI(nir=2, red=1, mode="replace")),
                           ("ndwi", NDWI(green=0, nir=2, mode="replace"))]).fit(X)
    out = stacker.transform(X)
    assert out.shape == (6, 5, 5, 5) and stacker.n_bands_out_ == 5
    np.testing.assert_allclose(out[..., 3], (X[..., 2] - X[..., 1]) / (X[..., 2] + X[..., 1]),
                               rtol=1e-5)
    np.testing.assert_array_equal(out[..., :3], X)
    # on lazy patches it stays lazy and gives the same values
    ext = PatchExtractor(size=4, overlap=0.5).fit(X[0])
    lazy = stacker.transform(ext.transform(X[0]))
    assert isinstance(lazy, LazyPatches)
    np.testing.assert_allclose(np.asarray(lazy), stacker.transform(np.asarray(ext.transform(X[0]))))
    only = BandStacker([("ndvi", NDVI(nir=2, red=1, mode="replace"))], keep_input=False)
    assert only.fit_transform(X[:, 0, 0]).shape == (6, 1)
    with pytest.raises(ValueError, match="expecting 3 bands"):
        stacker.transform(X[..., :2])
    with pytest.raises(ValueError, match="unique"):
        BandStacker([("a", NDVI(nir=2, red=1)), ("a", NDVI(nir=2, red=1))]).fit(X)


def test_stack_bands_with_ancillary_rasters():
    scene = make_synthetic_scene(10, 12, 3, 2, random_state=0)
    ndsm = np.linspace(0, 20, 120).reshape(10, 12)
    stacked = stack_bands(scene, ndsm)
    assert stacked.shape == (10, 12, 4) and stacked.dtype == np.float32
    np.testing.assert_allclose(stacked[..., 3], ndsm, rtol=1e-6)
    # then windows or patches over the stacked cube
    windows = WindowExtractor(size=3).fit_transform(stacked.reshape(-1, 4))
    assert windows.shape[-1] == 4
    with pytest.raises(ValueError, match="resample it onto the same grid"):
        stack_bands(scene, np.zeros((10, 11)))
    with pytest.raises(ValueError, match="expected"):
        stack_bands(np.zeros((2, 3, 4, 5)))


def test_boundary_mask_and_the_isprs_report():
    truth = np.ones((20, 20), int)
    truth[:, 10:] = 2
    assert boundary_mask(truth, 0).sum() == 40  # the two columns either side of the edge
    mask = boundary_mask(truth, 3)
    assert mask[:, 6:14].all() and not mask[:, :6].any() and not mask[:, 14:].any()
    pred = truth.copy()
    pred[:, 9:11] = 3 - pred[:, 9:11]                # errors on the boundary only
    pred[0, 0] = 2                                   # one error inside a field
    full = segmentation_report(truth, pred)
    eroded = segmentation_report(truth, pred, boundary_radius=3)
    assert full.overall_accuracy == pytest.approx(1 - 41 / 400)
    assert eroded.overall_accuracy == pytest.approx(1 - 1 / (400 - 160))
    # unlabelled reference pixels are left out; tiles work as maps
    truth[:5] = 0
    tiles = segmentation_report(np.stack([truth, truth]), np.stack([pred, pred]))
    flat = classification_report(truth[truth > 0], pred[truth > 0])
    assert tiles.overall_accuracy == pytest.approx(flat.overall_accuracy)
    with pytest.raises(ValueError, match="shape"):
        segmentation_report(truth, pred[:5])
    with pytest.raises(ValueError, match="no reference pixel"):
        segmentation_report(np.zeros((3, 3), int), np.zeros((3, 3), int))


def test_augment_is_seeded_geometric_and_moves_labels_with_pixels():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 8, 8, 2)).astype(np.float32)
    labels = (x[..., 0] > 0).astype(np.int32)
    weights = rng.random((16, 8, 8)).astype(np.float32)
    aug = Augment(flip=True, rotate90=True, crop=0.3, translate=2)
    a = aug(x, np.random.default_rng(5), labels, weights)
    b = aug(x, np.random.default_rng(5), labels, weights)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    out, out_labels, out_weights = a
    assert not np.array_equal(out, x)
    # every output pixel (value, label, weight) is an input pixel of the same sample
    np.testing.assert_array_equal(out_labels, (out[..., 0] > 0).astype(np.int32))
    for i in range(16):
        pairs = {tuple(p) for p in np.c_[x[i].reshape(-1, 2), weights[i].reshape(-1, 1)]}
        assert {tuple(p) for p in np.c_[out[i].reshape(-1, 2),
                                        out_weights[i].reshape(-1, 1)]} <= pairs
    # flips and rotations only permute pixels
    flipped = Augment()(x, np.random.default_rng(0))
    np.testing.assert_allclose(np.sort(flipped.reshape(16, -1)), np.sort(x.reshape(16, -1)))
    # noise is scaled to each band's spread, and is all band vectors get
    vectors = rng.normal(size=(5000, 2)).astype(np.float32) * [1, 100]
    noisy = make_augmenter({"noise": 0.1}, band_std=[1.0, 100.0])(vectors,
                                                                  np.random.default_rng(0))
    np.testing.assert_allclose((noisy - vectors).std(0), [0.1, 10.0], rtol=0.05)


def test_augment_parameter_errors():
    assert make_augmenter(None) is None and make_augmenter(False) is None
    assert make_augmenter(True) == Augment()
    with pytest.raises(ValueError, match="unknown keys"):
        make_augmenter({"rotate": True})
    with pytest.raises(ValueError, match="crop must be in"):
        Augment(crop=1.0)
    with pytest.raises(ValueError, match="augment must be"):
        make_augmenter("flips")
