"""Patch classifiers (PatchCNN, ResNet-50 transfer learning), augmentation in fit,
and the FCN segmenter with scene stitching."""

import numpy as np
import pytest
from sklearn.base import clone

from skrs.datasets import Scene, make_synthetic_scene
from skrs.deep import (Augment, CNN3DClassifier, FCNSegmenter, HybridSNClassifier,
                       PatchCNNClassifier, ResNet50Classifier, SpectralMLPClassifier,
                       adapt_first_conv)
from skrs.deep import _backbone
from skrs.mapping import predict_segmentation_map
from skrs.metrics import segmentation_report
from skrs.preprocessing import PatchExtractor


def _patches(n=96, size=12, bands=3, seed=0):
    """Two classes of patches: a bright square in the top-left or bottom-right corner."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 0.3, size=(n, size, size, bands)).astype(np.float32)
    y = np.arange(n) % 2
    half = size // 2
    X[y == 0, :half, :half] += 1.0
    X[y == 1, half:, half:] += 1.0
    return X, y


# ----------------------------------------------------------------- augmentation in fit
@pytest.mark.parametrize("cls", [SpectralMLPClassifier, CNN3DClassifier, HybridSNClassifier,
                                 PatchCNNClassifier, FCNSegmenter])
def test_every_deep_estimator_has_augment(cls):
    assert cls().augment is None and "augment" in cls().get_params()


def test_augment_changes_training_only_and_is_reproducible(monkeypatch):
    X, y = _patches()
    seen = []
    original = Augment.__call__

    def spy(self, x, rng, *maps):
        seen.append(len(x))
        return original(self, x, rng, *maps)

    monkeypatch.setattr(Augment, "__call__", spy)
    params = dict(filters=(8, 16), epochs=3, batch_size=16, random_state=0)
    a = PatchCNNClassifier(augment={"translate": 1, "noise": 0.1}, **params).fit(X, y)
    # every training batch of every epoch (Keras also reads the first batch once more,
    # to learn the data's structure)
    assert 3 * len(X) <= sum(seen) <= 3 * len(X) + 32
    seen.clear()
    proba = a.predict_proba(X)
    assert not seen                             # never at predict time
    b = PatchCNNClassifier(augment={"translate": 1, "noise": 0.1}, **params).fit(X, y)
    np.testing.assert_allclose(b.predict_proba(X), proba, rtol=1e-5, atol=1e-6)
    plain = PatchCNNClassifier(**params).fit(X, y)
    assert not np.allclose(plain.predict_proba(X), proba, atol=1e-4)


@pytest.mark.slow
def test_flip_and_rotation_augmentation_teaches_invariance():
    """Trained only on squares in the top-left corner for class 0, a model trained
    with rotations also recognises class 0 squares in the other corners."""
    rng = np.random.default_rng(0)
    n, size = 160, 10
    X = rng.normal(0, 0.2, size=(n, size, size, 1)).astype(np.float32)
    y = np.arange(n) % 2
    X[y == 0, :4, :4] += 1.5                  # class 0: a bright corner square
    X[y == 1, 3:7, 3:7] += 1.5                # class 1: a bright centre square
    test = rng.normal(0, 0.2, size=(40, size, size, 1)).astype(np.float32)
    test[:, -4:, -4:] += 1.5                  # class 0 squares, in the bottom-right corner
    params = dict(filters=(8, 16), epochs=15, batch_size=16, random_state=0)
    rotated = PatchCNNClassifier(augment=True, **params).fit(X, y)
    assert (rotated.predict(test) == 0).mean() >= 0.9


# ----------------------------------------------------------------- PatchCNN
def test_patch_cnn_learns_patches_and_keeps_sklearn_behaviour():
    X, y = _patches()
    clf = PatchCNNClassifier(filters=(8, 16), epochs=10, batch_size=16, random_state=0)
    clf.fit(X[:64], y[:64])
    assert clf.score(X[64:], y[64:]) >= 0.9
    assert clf.input_shape_ == (12, 12, 3) and clf.n_features_in_ == 432
    with pytest.raises(ValueError, match=r"sample shape \(12, 12, 2\)"):
        clf.predict(X[:, :, :, :2])
    # any band count, odd sizes and band vectors build
    for shape in [(7, 9, 13), (1, 1, 5)]:
        Xs = np.random.default_rng(0).normal(size=(20,) + shape).astype(np.float32)
        PatchCNNClassifier(filters=(4, 8, 8), epochs=1, random_state=0).fit(Xs, np.arange(20) % 2)


def test_patch_cnn_trains_on_lazy_patches_of_a_scene():
    scene = make_synthetic_scene(40, 40, 6, 3, random_state=0)
    ext = PatchExtractor(size=8, overlap=0.5).fit(scene)
    X = ext.transform(scene)
    # the label of a patch: the majority class of its labelled pixels
    tiles = np.asarray(ext.transform(scene.gt))
    y = np.array([np.bincount(t[t > 0], minlength=4).argmax() if (t > 0).any() else 1
                  for t in tiles])
    clf = PatchCNNClassifier(filters=(8,), epochs=2, random_state=0).fit(X, y)
    assert clf.predict(X).shape == (len(y),)


# ----------------------------------------------------------------- ResNet-50
def test_adapt_first_conv():
    kernel = np.random.default_rng(0).normal(size=(7, 7, 3, 8))
    np.testing.assert_array_equal(adapt_first_conv(kernel, 3), kernel)
    adapted = adapt_first_conv(kernel, 13, rgb_bands=(3, 2, 1))
    np.testing.assert_allclose(adapted[:, :, 3], kernel[:, :, 0] * 3 / 13)
    np.testing.assert_allclose(adapted[:, :, 0], kernel.mean(axis=2) * 3 / 13)
    # equal band values: the same response as the RGB kernel on (v, v, v)
    np.testing.assert_allclose(adapted.sum(axis=2), kernel.sum(axis=2))
    with pytest.raises(ValueError, match="3 distinct band indices below 4"):
        adapt_first_conv(kernel, 4, rgb_bands=(0, 1, 4))


@pytest.fixture(scope="module")
def rgb_weights(tmp_path_factory):
    """A local weights file of an RGB ResNet-50 without top (as an offline user has)."""
    import keras
    keras.utils.set_random_seed(1)
    model = keras.applications.ResNet50(include_top=False, weights=None, input_shape=(32, 32, 3))
    path = tmp_path_factory.mktemp("weights") / "resnet50_rgb.weights.h5"
    model.save_weights(path)
    return str(path), {layer.name: layer.get_weights() for layer in model.layers}


def test_resnet50_backbone_loads_local_weights_for_any_band_count(rgb_weights):
    path, reference = rgb_weights
    same = _backbone.resnet50_backbone((32, 32, 3), path)
    np.testing.assert_array_equal(same.get_layer("conv2_block1_1_conv").get_weights()[0],
                                  reference["conv2_block1_1_conv"][0])
    ms = _backbone.resnet50_backbone((40, 40, 13), path, rgb_bands=(3, 2, 1))
    np.testing.assert_allclose(ms.get_layer("conv1_conv").get_weights()[0],
                               adapt_first_conv(reference["conv1_conv"][0], 13, (3, 2, 1)))
    np.testing.assert_array_equal(ms.get_layer("conv5_block3_3_conv").get_weights()[0],
                                  reference["conv5_block3_3_conv"][0])


def test_resnet50_weight_errors(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="weights file .* not found"):
        _backbone.resnet50_backbone((32, 32, 3), str(tmp_path / "missing.h5"))
    (tmp_path / "bad.h5").write_bytes(b"not hdf5")
    with pytest.raises(ValueError, match="could not load ResNet-50 weights"):
        _backbone.resnet50_backbone((32, 32, 3), str(tmp_path / "bad.h5"))

    # offline: the ImageNet download fails with a message that says what to do
    import keras.src.applications.resnet as resnet

    def offline(*args, **kwargs):
        raise Exception("URL fetch failure: [Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(resnet.file_utils, "get_file", offline)
    with pytest.raises(OSError, match="weights='path/to/that/file'"):
        _backbone.resnet50_backbone((32, 32, 3), "imagenet")


@pytest.mark.slow
def test_resnet50_classifier_end_to_end_with_a_freezing_schedule(rgb_weights):
    """One fit (ResNet-50 graphs take ~20 s to trace on a CPU): pretrained local
    weights, 4 bands, 20 x 20 patches resized to 32, head-only epoch, then all."""
    path, reference = rgb_weights
    X, y = _patches(n=32, size=20, bands=4)
    clf = ResNet50Classifier(weights=path, rgb_bands=(2, 1, 0), freeze_epochs=1, epochs=2,
                             batch_size=16, random_state=0)
    compiled = []
    clf._begin_phase = (lambda begin: lambda epoch: (compiled.append(epoch), begin(epoch)))(
        clf._begin_phase)
    clf.fit(X, y)
    assert compiled == [0, 1] and clf.n_iter_ == 2
    backbone = clf.model_.get_layer("resnet50")
    assert clf.model_.get_layer("resize").output.shape[1:3] == (32, 32)
    # unfrozen at the end, BatchNorm trainable throughout
    assert all(layer.trainable for layer in backbone.layers)
    proba = clf.predict_proba(X)
    assert proba.shape == (32, 2) and np.allclose(proba.sum(1), 1, atol=1e-5)
    # the second phase trained the backbone: its weights left the pretrained ones
    assert not np.array_equal(backbone.get_layer("conv5_block3_3_conv").get_weights()[0],
                              reference["conv5_block3_3_conv"][0])
    restored = clone(clf)
    assert restored.weights == path and not hasattr(restored, "model_")


@pytest.mark.slow
def test_resnet50_frozen_backbone_keeps_pretrained_weights(rgb_weights):
    path, reference = rgb_weights
    X, y = _patches(n=16, size=32, bands=3)
    clf = ResNet50Classifier(weights=path, freeze_epochs=5, epochs=1, batch_size=8,
                             trainable_batchnorm=False, random_state=0).fit(X, y)
    backbone = clf.model_.get_layer("resnet50")
    for name in ("conv1_conv", "conv3_block2_2_conv", "conv5_block3_3_conv", "conv4_block1_0_bn"):
        for got, want in zip(backbone.get_layer(name).get_weights(), reference[name]):
            np.testing.assert_array_equal(got, want)
    assert not any(layer.trainable for layer in backbone.layers)


# ----------------------------------------------------------------- segmentation
def _scenes(bands=4, seed=0):
    """Four 48 x 48 tiles (the quadrants of one synthetic scene: the same class spectra)."""
    scene = make_synthetic_scene(96, 96, bands, 3, n_fields=24, noise=0.05, unlabelled=0.0,
                                 random_state=seed)
    return [Scene(scene.cube[r:r + 48, c:c + 48], scene.gt[r:r + 48, c:c + 48])
            for r in (0, 48) for c in (0, 48)]


@pytest.fixture(scope="module")
def trained_segmenter():
    """A U-Net trained on tiles of three synthetic scenes (tile-id split: scene 3 held out)."""
    scenes = _scenes(4)
    ext = PatchExtractor(size=16, overlap=0.5).fit(scenes)
    train = scenes[:3]
    X, y = ext.transform(train), np.asarray(ext.transform([s.gt for s in train]))
    seg = FCNSegmenter(filters=(16, 32), epochs=25, batch_size=8, augment=True, random_state=0)
    seg.fit(X, y)
    return seg, ext, scenes


def test_segmenter_learns_a_synthetic_scene(trained_segmenter):
    seg, ext, scenes = trained_segmenter
    held_out = scenes[3]
    labels = predict_segmentation_map(seg, held_out, overlap=0.5)
    report = segmentation_report(held_out.gt, labels)
    assert report.overall_accuracy >= 0.95, str(report)
    assert labels.shape == held_out.shape[:2] and set(np.unique(labels)) <= {1, 2, 3}


def test_stitched_map_equals_tile_predictions_where_tiles_do_not_overlap(trained_segmenter):
    seg, _, scenes = trained_segmenter
    scene = scenes[3]
    labels, proba = predict_segmentation_map(seg, scene, overlap=0.25, return_proba=True)
    ext = PatchExtractor(size=16, overlap=0.25).fit(scene)
    layout = ext.layout(scene)
    tile_labels = seg.predict(ext.transform(scene))
    tile_proba = seg.predict_proba(ext.transform(scene))
    cover = np.zeros(scene.shape[:2], int)
    for _, r, c in layout:
        cover[r:r + 16, c:c + 16] += 1
    assert (cover == 1).sum() > 0
    for k, (_, r, c) in enumerate(layout):
        alone = cover[r:r + 16, c:c + 16] == 1
        np.testing.assert_array_equal(labels[r:r + 16, c:c + 16][alone], tile_labels[k][alone])
        np.testing.assert_allclose(proba[r:r + 16, c:c + 16][alone], tile_proba[k][alone],
                                   rtol=1e-5, atol=1e-6)


def test_segmenter_ignores_unlabelled_pixels():
    X, _ = _patches(n=24, size=8)
    y = np.where(X[..., 0] > 0.5, 2, 1)
    y[:, :, :4] = 0                                     # left half unlabelled
    a = FCNSegmenter(filters=(8,), epochs=2, random_state=0).fit(X, y)
    assert a.classes_.tolist() == [1, 2]
    weights = a._sample_weight(y)
    assert weights.shape == y.shape and (weights[:, :, :4] == 0).all()
    assert (weights[:, :, 4:] == 1).all()
    # the same pixels marked with another ignore label: the very same fit
    y9 = np.where(y == 0, 9, y)
    b = FCNSegmenter(filters=(8,), epochs=2, ignore_label=9, random_state=0).fit(X, y9)
    assert b.classes_.tolist() == [1, 2]
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-5, atol=1e-6)
    # and its score leaves them out too
    pred = a.predict(X)
    assert a.score(X, y) == pytest.approx((pred == y)[y > 0].mean())


def test_segmenter_targets_and_errors():
    X, _ = _patches(n=8, size=8)
    y = np.ones((8, 8, 8), int)
    y[:, :4] = 2
    seg = FCNSegmenter(filters=(4,), epochs=1, random_state=0)
    with pytest.raises(ValueError, match=r"label tiles of shape \(8, 7\)"):
        seg.fit(X, y[:, :, :7])
    with pytest.raises(ValueError, match="Add a band axis"):
        seg.fit(X[..., 0], y)
    with pytest.raises(ValueError, match="label tiles .* or one label per pixel"):
        seg.fit(X, y[:, 0])
    with pytest.raises(ValueError, match="no labelled samples"):
        seg.fit(X, np.zeros_like(y))
    with pytest.raises(ValueError, match="'backbone' parameter of FCNSegmenter must be"):
        FCNSegmenter(backbone="vgg", epochs=1).fit(X, y)
    seg.fit(X, y, X_val=X[:2], y_val=y[:2])
    assert np.isfinite(seg.history_["val_accuracy"]).all()
    with pytest.raises(ValueError, match="square tiles"):
        predict_segmentation_map(FCNSegmenter(filters=(4,), epochs=1).fit(X[:, :, :6], y[:, :, :6]),
                                 np.zeros((20, 20, 3)))
    with pytest.raises(ValueError, match="the image has 2 bands"):
        predict_segmentation_map(seg, np.zeros((20, 20, 2)))


@pytest.mark.slow
def test_resnet50_fcn_builds_trains_and_predicts_tiles():
    """The lecture's ResNet50-FCN: one short fit (its graph takes ~20 s to trace)."""
    X, _ = _patches(n=8, size=24, bands=5)
    y = np.where(X[..., 0] > 0.5, 2, 1)
    seg = FCNSegmenter(backbone="resnet50", freeze_epochs=1, epochs=2, batch_size=4,
                       class_weight="balanced", random_state=0).fit(X, y)
    assert seg.predict(X[:2]).shape == (2, 24, 24)
    names = [layer.name for layer in seg.model_.layers]
    assert {"score_stride8", "score_stride16", "score_stride32", "fuse_stride8"} <= set(names)


def test_patch_models_save_load_and_pickle(tmp_path):
    import pickle

    from skrs.deep import load
    X, y = _patches(n=32, size=8)
    clf = PatchCNNClassifier(filters=(4, 8), epochs=1, augment={"noise": 0.05},
                             random_state=0).fit(X, y)
    clf.save(tmp_path / "cnn.zip")
    np.testing.assert_allclose(load(tmp_path / "cnn.zip").predict_proba(X), clf.predict_proba(X),
                               rtol=1e-6)
    labels = np.where(X[..., 0] > 0, 2, 1)
    seg = FCNSegmenter(filters=(4, 8), epochs=1, random_state=0).fit(X, labels)
    seg.save(tmp_path / "seg.zip")
    again = FCNSegmenter.load(tmp_path / "seg.zip")
    np.testing.assert_array_equal(again.predict(X), seg.predict(X))
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(seg)).predict(X), seg.predict(X))
