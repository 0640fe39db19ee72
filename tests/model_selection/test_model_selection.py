import numpy as np
import pytest

from skrs.model_selection import SpatialBlockKFold, spatial_train_test_split

COORDS = np.argwhere(np.ones((40, 48)))


def test_folds_are_whole_blocks_and_cover_everything():
    cv = SpatialBlockKFold(n_splits=4, block_size=8, random_state=0)
    seen = np.zeros(len(COORDS), int)
    for train, test in cv.split(COORDS):
        assert len(np.intersect1d(train, test)) == 0
        assert len(train) + len(test) == len(COORDS)
        seen[test] += 1
        test_blocks = {tuple(b) for b in COORDS[test] // 8}
        train_blocks = {tuple(b) for b in COORDS[train] // 8}
        assert not test_blocks & train_blocks
    assert np.all(seen == 1)
    assert cv.get_n_splits() == 4


def test_folds_are_balanced_and_reproducible():
    sizes = [len(t) for _, t in SpatialBlockKFold(5, 8, random_state=1).split(COORDS)]
    assert max(sizes) - min(sizes) <= 64
    a = [t.tolist() for _, t in SpatialBlockKFold(5, 8, random_state=3).split(COORDS)]
    b = [t.tolist() for _, t in SpatialBlockKFold(5, 8, random_state=3).split(COORDS)]
    assert a == b


@pytest.mark.parametrize("buffer", [1, 4])
def test_buffer_keeps_training_pixels_away_from_test(buffer):
    for train, test in SpatialBlockKFold(4, 8, buffer=buffer, random_state=0).split(COORDS):
        distance = np.abs(COORDS[train][:, None, :] - COORDS[test][None, :, :]).max(axis=2)
        assert distance.min() > buffer


def test_spatial_train_test_split_gives_every_class_its_share():
    y = (COORDS[:, 1] // 12) + 1  # four vertical strips of classes
    train, test = spatial_train_test_split(COORDS, y, train_size=0.1, block_size=4,
                                           random_state=0)
    assert len(np.intersect1d(train, test)) == 0
    for label in range(1, 5):
        assert (y[train] == label).sum() >= 0.1 * (y == label).sum()
    assert not {tuple(b) for b in COORDS[train] // 4} & {tuple(b) for b in COORDS[test] // 4}
    train_b, test_b = spatial_train_test_split(COORDS, y, train_size=0.1, block_size=4,
                                               buffer=2, random_state=0)
    np.testing.assert_array_equal(train_b, train)
    distance = np.abs(COORDS[train_b][:, None, :] - COORDS[test_b][None, :, :]).max(axis=2)
    assert distance.min() > 2


def test_errors():
    with pytest.raises(ValueError, match="fewer than n_splits=5"):
        list(SpatialBlockKFold(5, block_size=40).split(COORDS))
    with pytest.raises(ValueError, match=r"coordinates of shape \(n_samples, 2\)"):
        list(SpatialBlockKFold().split(np.ones((10, 5))))
    with pytest.raises(ValueError, match="train_size"):
        spatial_train_test_split(COORDS, train_size=1.5)
    with pytest.raises(ValueError, match="buffer"):
        list(SpatialBlockKFold(buffer=-1).split(COORDS))


def test_spatial_folds_differ_with_the_seed_and_are_balanced_by_class(salinas_a):
    from skrs.model_selection import SpatialBlockKFold

    X, y = salinas_a.labelled_pixels()
    partitions = set()
    for seed in range(10):
        folds = np.empty(len(y), dtype=int)
        for fold, (train, test) in enumerate(SpatialBlockKFold(5, random_state=seed).split(X, y)):
            folds[test] = fold
            assert not set(train) & set(test)
        partitions.add(folds.tobytes())
        # classes spread over many blocks get at least half their share in every fold
        counts = np.array([[np.sum((folds == f) & (y == c)) for c in (2, 4)] for f in range(5)])
        assert (counts >= 0.5 * counts.sum(axis=0) / 5).all(), counts
    assert len(partitions) == 10


def test_a_fold_without_a_class_in_training_warns():
    from skrs.model_selection import SpatialBlockKFold

    coords = np.argwhere(np.ones((32, 32)))
    y = np.ones(len(coords), dtype=int)
    y[(coords[:, 0] < 8) & (coords[:, 1] < 8)] = 2  # one block of class 2
    with pytest.warns(UserWarning, match=r"training part of fold \d has no pixel of class\(es\) "
                                         r"\[2\]"):
        list(SpatialBlockKFold(4, block_size=8, random_state=0).split(coords, y))


def test_repeated_spatial_folds_repeat_with_different_partitions():
    from skrs.model_selection import RepeatedSpatialBlockKFold

    coords = np.argwhere(np.ones((40, 40)))
    cv = RepeatedSpatialBlockKFold(n_splits=4, n_repeats=3, block_size=8, random_state=0)
    splits = list(cv.split(coords))
    assert len(splits) == cv.get_n_splits() == 12
    tests = [tuple(np.sort(test)) for _, test in splits]
    assert len(set(tests[:4]) & set(tests[4:8])) < 4  # the repetitions are other partitions
    for r in range(3):  # each repetition covers every pixel once
        covered = np.concatenate([test for _, test in splits[4 * r:4 * r + 4]])
        assert np.array_equal(np.sort(covered), np.arange(len(coords)))


def test_spatial_split_without_labelled_pixels_is_a_clear_error():
    from skrs.model_selection import spatial_train_test_split

    with pytest.raises(ValueError, match="no labelled pixels"):
        spatial_train_test_split(np.empty((0, 2), dtype=int))
