"""Whole-scene maps from a tile segmenter: overlapping patches, blended back."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..preprocessing import PatchExtractor
from ..preprocessing._patches import Stitcher


def predict_segmentation_map(segmenter, image, *, overlap=0.5, batch_size=16,
                             return_proba=False):
    """Label every pixel of a scene with a segmenter trained on tiles.

    The scene is cut into tiles of the size the segmenter was trained on
    (:class:`~skrs.preprocessing.PatchExtractor`, ``overlap`` between
    neighbours), the tiles' class probabilities are predicted batch by
    batch and blended where tiles overlap (weights falling from each tile's
    centre to its edges, so tile borders, where the network sees least
    context, count least), and each pixel takes its most probable class.
    Where only one tile covers a pixel, its label is that tile's prediction.

    Parameters
    ----------
    segmenter : fitted estimator
        With ``predict_proba`` returning (n, rows, cols, n_classes) for
        tiles (n, rows, cols, bands), and ``classes_``; e.g.
        :class:`~skrs.deep.FCNSegmenter`.
    image : ndarray of shape (rows, cols, bands) or Scene
    overlap : float in [0, 1), default=0.5
    batch_size : int, default=16
        Tiles predicted at a time (memory holds their probabilities only).
    return_proba : bool, default=False
        Also return the blended (rows, cols, n_classes) probabilities.

    Returns
    -------
    labels : ndarray of shape (rows, cols)
    proba : ndarray of shape (rows, cols, n_classes), if ``return_proba``

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.deep import FCNSegmenter
    >>> from skrs.mapping import predict_segmentation_map
    >>> from skrs.preprocessing import PatchExtractor
    >>> rng = np.random.default_rng(0)
    >>> scene = rng.normal(size=(40, 50, 3)).astype("float32")
    >>> truth = 1 + (scene[..., 0] > 0)
    >>> ext = PatchExtractor(size=16, overlap=0.5).fit(scene)
    >>> seg = FCNSegmenter(filters=(8,), epochs=3, random_state=0).fit(
    ...     ext.transform(scene), np.asarray(ext.transform(truth)))
    >>> predict_segmentation_map(seg, scene).shape
    (40, 50)
    """
    check_is_fitted(segmenter)
    shape = tuple(getattr(segmenter, "input_shape_", ()))
    if len(shape) != 3 or shape[0] != shape[1]:
        raise ValueError(f"the segmenter must be fitted on square tiles (n, size, size, bands); "
                         f"it was fitted on samples of shape {shape}")
    extractor = PatchExtractor(size=shape[0], overlap=overlap).fit(image)
    if extractor.n_bands_ != shape[2]:
        raise ValueError(f"the image has {extractor.n_bands_} bands, but the segmenter was "
                         f"fitted on {shape[2]}")
    tiles = extractor.transform(image)
    layout = tiles.layout
    stitcher = Stitcher([im.shape[:2] for im in tiles.images], shape[0])
    for start in range(0, len(tiles), int(batch_size)):
        proba = segmenter.predict_proba(tiles[start:start + batch_size])
        stitcher.add(np.asarray(proba, dtype=np.float32), layout[start:start + batch_size])
    proba = stitcher.result()[0]
    labels = np.asarray(segmenter.classes_)[np.argmax(proba, axis=-1)]
    return (labels, proba) if return_proba else labels
