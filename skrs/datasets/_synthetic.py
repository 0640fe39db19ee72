import numpy as np
from sklearn.utils import check_random_state

from ._scene import Scene


def make_synthetic_scene(n_rows=40, n_cols=50, n_bands=16, n_classes=4, *, n_fields=12,
                         noise=0.05, unlabelled=0.2, dtype=np.float32, random_state=None):
    """Make a small scene of homogeneous fields, for tests and examples.

    Pixels are assigned to ``n_fields`` Voronoi fields (like agricultural
    parcels); each field gets a class, each class a smooth random spectrum,
    and pixels get that spectrum plus Gaussian noise. A fraction of the
    fields is left unlabelled (ground truth 0) but still has a spectrum.

    Parameters
    ----------
    n_rows, n_cols, n_bands : int
        Cube shape.
    n_classes : int
        Number of classes; every class gets at least one field.
    n_fields : int, default=12
        Number of Voronoi fields (>= n_classes).
    noise : float, default=0.05
        Standard deviation of the per-pixel noise (spectra lie in [0, 1]).
    unlabelled : float, default=0.2
        Fraction of fields beyond the first n_classes left unlabelled.
    dtype : numpy dtype, default=float32
    random_state : int, RandomState instance or None

    Returns
    -------
    Scene

    Examples
    --------
    >>> from skrs.datasets import make_synthetic_scene
    >>> scene = make_synthetic_scene(20, 30, 8, 3, random_state=0)
    >>> scene.shape, scene.n_classes
    ((20, 30, 8), 3)
    """
    if n_fields < n_classes:
        raise ValueError(f"n_fields={n_fields} must be >= n_classes={n_classes}")
    rng = check_random_state(random_state)
    seeds = rng.uniform((0, 0), (n_rows, n_cols), size=(n_fields, 2))
    rows, cols = np.mgrid[:n_rows, :n_cols]
    dist = (rows[..., None] - seeds[:, 0]) ** 2 + (cols[..., None] - seeds[:, 1]) ** 2
    field = dist.argmin(axis=-1)

    field_class = np.concatenate([np.arange(n_classes),
                                  rng.randint(0, n_classes, n_fields - n_classes)])
    rng.shuffle(field_class)
    labelled = np.ones(n_fields, dtype=bool)
    extra = np.flatnonzero(np.bincount(field_class, minlength=n_classes)[field_class] > 1)
    labelled[extra[rng.uniform(size=extra.size) < unlabelled]] = False

    # Smooth spectra: cumulative sums of random steps, scaled to [0.1, 0.9].
    steps = rng.normal(size=(n_classes, n_bands))
    spectra = np.cumsum(steps, axis=1)
    spectra -= spectra.min(axis=1, keepdims=True)
    spectra = 0.1 + 0.8 * spectra / np.maximum(spectra.max(axis=1, keepdims=True), 1e-12)

    cube = spectra[field_class[field]] + rng.normal(scale=noise, size=(n_rows, n_cols, n_bands))
    gt = np.where(labelled[field], field_class[field] + 1, 0)
    return Scene(cube.astype(dtype), gt, name="synthetic")
