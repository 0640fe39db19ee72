"""The scene: one image cube with its ground-truth map."""

import numpy as np
from sklearn.base import BaseEstimator

# Scenes shipped once to every dask worker (skrs.model_selection.on_dask):
# while a scene is registered here, it pickles as its token, and unpickling
# the token returns the copy registered in that process.
_SHIPPED = {}  # token -> Scene
_TOKENS = {}  # id(scene) -> token


def register_shipped_scene(scene, token):
    """Pickle ``scene`` as ``token`` in this process until unregistered."""
    _SHIPPED[token] = scene
    _TOKENS[id(scene)] = token


def shipped_token(scene):
    """The token ``scene`` pickles as in this process, or None."""
    token = _TOKENS.get(id(scene))
    return token if token is not None and _SHIPPED.get(token) is scene else None


def unregister_shipped_scene(token):
    scene = _SHIPPED.pop(token, None)
    if scene is not None:
        _TOKENS.pop(id(scene), None)


def _shipped_scene(token):
    scene = _SHIPPED.get(token)
    # The dask scheduler unpickles tasks too; it never reads the cube, so it
    # gets (and passes on) a reference.
    return scene if scene is not None else SceneReference(token)


class SceneReference:
    """Stand-in for a shipped scene in a process that does not hold it."""

    def __init__(self, token):
        self.token = token

    def __reduce__(self):
        return (_shipped_scene, (self.token,))

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise RuntimeError(
            f"scene {self.token} was shipped to the dask workers but is not registered in this "
            "process; run skrs code on dask through skrs.model_selection.on_dask or "
            "search_on_dask, with skrs installed on every worker"
        )


def _read_only(array):
    view = array.view()
    view.flags.writeable = False
    return view


def check_finite_cube(cube, what="cube"):
    """Raise ValueError naming the first non-finite value of a float cube."""
    if cube.dtype.kind != "f":
        return
    bad = ~np.isfinite(cube)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{what} contains {int(bad.sum())} NaN or infinite value(s), the first at "
            f"(row, col, band) = {first}; fill or mask them before building a Scene"
        )


class Scene:
    """An image cube with its ground-truth map and class names.

    A scene is immutable and never copied: cloning an estimator that holds it,
    or deep-copying it, returns the same object, so a grid search over a
    pipeline with ``WindowExtractor(scene=...)`` shares one cube between all
    candidates.

    Parameters
    ----------
    cube : array-like of shape (rows, cols, bands)
        Image values. Integer or float; NaN and infinite values are refused.
    gt : array-like of shape (rows, cols), default=None
        Ground truth with 0 for unlabelled pixels and 1..n_classes for classes.
    class_names : sequence of str, default=None
        Name of class k at position k-1. Defaults to "class_1", ...
    wavelengths : array-like of shape (bands,), default=None
        Band centre wavelengths (nm), used by wavelength-based band selection.
    label_values : sequence of int, default=None
        Original label value of each class when the file numbered classes
        differently (Salinas-A uses 1, 10..14); defaults to 1..n_classes.
    name : str, default=None
        Short name for messages and reports.
    crs, transform, nodata : optional
        Georeference of the cube (rasterio CRS and affine transform) and its
        nodata value, kept as given.

    Attributes
    ----------
    n_classes : int
        Number of classes (the largest label in ``gt``).

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.datasets import Scene
    >>> scene = Scene(np.zeros((4, 5, 3)), gt=np.eye(4, 5, dtype=int))
    >>> scene.shape, scene.n_classes
    ((4, 5, 3), 1)
    >>> coords, y = scene.labelled_pixels()
    >>> coords[:2].tolist(), y[:2].tolist()
    ([[0, 0], [1, 1]], [1, 1])
    """

    def __init__(self, cube, gt=None, class_names=None, wavelengths=None, *,
                 label_values=None, name=None, crs=None, transform=None, nodata=None):
        cube = np.asarray(cube)
        if cube.ndim != 3:
            raise ValueError(
                f"cube must have shape (rows, cols, bands); got an array of shape {cube.shape}"
            )
        if cube.dtype.kind not in "iuf":
            raise ValueError(f"cube must hold numbers; got dtype {cube.dtype}")
        check_finite_cube(cube, f"cube of scene {name!r}" if name else "cube")
        self.cube = _read_only(cube)
        self.name = name
        self.crs, self.transform, self.nodata = crs, transform, nodata

        if gt is None:
            gt = np.zeros(cube.shape[:2], dtype=np.int32)
        gt = np.asarray(gt)
        if gt.shape != cube.shape[:2]:
            raise ValueError(
                f"ground truth has shape {gt.shape} but the cube has {cube.shape[:2]} "
                "(rows, cols); they must match"
            )
        if gt.dtype.kind not in "iu" and not (
            gt.dtype.kind == "f" and np.all(np.isfinite(gt)) and np.all(gt == np.round(gt))
        ):
            raise ValueError("ground truth must hold integer class labels (0 = unlabelled)")
        if gt.size and gt.min() < 0:
            raise ValueError("ground truth labels must be >= 0 (0 = unlabelled)")
        self.gt = _read_only(gt.astype(np.int32, copy=False))
        self.n_classes = int(self.gt.max()) if self.gt.size else 0

        if class_names is None:
            class_names = [f"class_{k}" for k in range(1, self.n_classes + 1)]
        class_names = tuple(str(c) for c in class_names)
        if len(class_names) < self.n_classes:
            raise ValueError(
                f"{len(class_names)} class names given but the ground truth has labels up to "
                f"{self.n_classes}"
            )
        self.class_names = class_names
        self.label_values = tuple(
            range(1, len(class_names) + 1) if label_values is None else (int(v) for v in label_values)
        )

        if wavelengths is not None:
            wavelengths = np.asarray(wavelengths, dtype=float)
            if wavelengths.shape != (cube.shape[2],):
                raise ValueError(
                    f"{wavelengths.size} wavelengths given for a cube of {cube.shape[2]} bands"
                )
            wavelengths = _read_only(wavelengths)
        self.wavelengths = wavelengths

    @property
    def shape(self):
        """(rows, cols, bands) of the cube."""
        return self.cube.shape

    @property
    def n_bands(self):
        return self.cube.shape[2]

    def labelled_pixels(self):
        """Coordinates and labels of all labelled pixels, in row-major order.

        Returns
        -------
        coords : ndarray of shape (n, 2)
            (row, col) of each labelled pixel; the ``X`` of skrs pipelines.
        y : ndarray of shape (n,)
            Class label (1..n_classes) of each pixel.
        """
        coords = np.argwhere(self.gt > 0)
        return coords, self.gt[coords[:, 0], coords[:, 1]].astype(np.int64)

    def class_counts(self):
        """Dict {class name: number of labelled pixels}."""
        counts = np.bincount(self.gt.ravel(), minlength=self.n_classes + 1)[1:]
        return dict(zip(self.class_names, counts.tolist()))

    # A scene is immutable: copies (sklearn.clone deep-copies parameters) share it.
    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce_ex__(self, protocol):
        token = shipped_token(self)
        if token is not None:
            return (_shipped_scene, (token,))
        return super().__reduce_ex__(protocol)

    def __repr__(self):
        name = f"{self.name!r}, " if self.name else ""
        return f"Scene({name}shape={self.shape}, n_classes={self.n_classes})"

    def __setstate__(self, state):
        self.__dict__.update(state)
        for key in ("cube", "gt", "wavelengths"):
            if isinstance(state.get(key), np.ndarray):
                self.__dict__[key] = _read_only(state[key])


def _reachable(obj, depth=0):
    """``obj`` and what its parameters, fitted best estimator and containers hold."""
    yield obj
    if depth > 6:
        return
    if isinstance(obj, BaseEstimator):
        children = list(obj.get_params(deep=False).values())
        if "best_estimator_" in vars(obj):
            children.append(obj.best_estimator_)
    elif isinstance(obj, dict):
        children = obj.values()
    elif isinstance(obj, (list, tuple)):
        children = obj
    else:
        return
    for child in children:
        yield from _reachable(child, depth + 1)


def find_scenes(*objects):
    """The distinct scenes held by estimators, parameter grids and containers."""
    found = {id(o): o for o in _reachable(objects) if isinstance(o, Scene)}
    return list(found.values())
