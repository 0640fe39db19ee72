"""Class-per-folder image patch datasets (EuroSAT and the like)."""

import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ..utils import LazyArray
from ._download import RemoteFile, fetch_file
from ._home import get_data_home

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff")
SUBSETS = ("train", "valid", "test")
# folder names of a dataset that is already split (the tutorial's data/train|valid|test)
_SUBSET_FOLDERS = {"train": ("train", "training"), "valid": ("valid", "val", "validation"),
                   "test": ("test", "testing")}


def read_image(path):
    """Read one image file as an array of shape (rows, cols, bands).

    JPEG and PNG files are read with Pillow; TIFF files with rasterio when it
    is installed (any band count and data type, e.g. 13-band uint16
    Sentinel-2 patches), else with Pillow.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    ValueError
        The file is not a readable image.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"image file {path} not found")
    if path.suffix.lower() in (".tif", ".tiff"):
        try:
            import rasterio
        except ImportError:
            pass
        else:
            try:
                with rasterio.open(path) as src:
                    return np.moveaxis(src.read(), 0, -1)
            except rasterio.errors.RasterioError as exc:
                raise ValueError(f"{path} is not a readable image: {exc}") from exc
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            array = np.asarray(image)
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"{path} is not a readable image: {exc}") from exc
    return array[..., None] if array.ndim == 2 else array


class LazyImages(LazyArray):
    """Image files read only when indexed: ``X[i:j]`` reads just those files.

    Parameters
    ----------
    paths : sequence of str or Path
        One image per sample, all of the same shape.
    image_shape : tuple (rows, cols, bands), default=None
        Shape every image must have; default: that of the first image.
    dtype : numpy dtype, default=float32
    transforms : tuple of callables
        Applied in order to each batch read.
    n_bands : int, default=None
        Band count after the transforms.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from PIL import Image
    >>> from skrs.datasets import LazyImages
    >>> folder = tempfile.mkdtemp()
    >>> for i in range(3):
    ...     Image.fromarray(np.full((8, 8, 3), i, np.uint8)).save(os.path.join(folder, f"{i}.png"))
    >>> X = LazyImages([os.path.join(folder, f"{i}.png") for i in range(3)])
    >>> X.shape
    (3, 8, 8, 3)
    >>> X[1:].max(axis=(1, 2, 3))
    array([1., 2.], dtype=float32)
    """

    def __init__(self, paths, image_shape=None, dtype=np.float32, transforms=(), n_bands=None):
        self.paths = [str(p) for p in paths]
        if not self.paths:
            raise ValueError("LazyImages needs at least one image path")
        self.image_shape = (tuple(read_image(self.paths[0]).shape) if image_shape is None
                            else tuple(image_shape))
        self.dtype = np.dtype(dtype)
        self.transforms = tuple(transforms)
        self.n_bands = self.image_shape[-1] if n_bands is None else int(n_bands)

    @property
    def shape(self):
        return (len(self.paths),) + self.image_shape[:-1] + (self.n_bands,)

    def __repr__(self):
        return f"LazyImages(shape={self.shape}, dtype={self.dtype})"

    def _read(self, positions):
        out = np.empty((len(positions),) + self.image_shape, dtype=self.dtype)
        for i, position in enumerate(positions):
            image = read_image(self.paths[position])
            if image.shape != self.image_shape:
                raise ValueError(f"{self.paths[position]} has shape {image.shape}, but the "
                                 f"dataset's images have shape {self.image_shape}; resize it "
                                 "or load it separately.")
            out[i] = image
        return out

    def _with_transforms(self, transforms, n_bands):
        return LazyImages(self.paths, self.image_shape, self.dtype, transforms, n_bands)


def _images_by_class(folder):
    classes = sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    return {c: sorted(p for p in (folder / c).iterdir()
                      if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith("."))
            for c in classes}


def _presplit_folders(root):
    found = {}
    for subset, names in _SUBSET_FOLDERS.items():
        for name in names:
            if (root / name).is_dir():
                found[subset] = root / name
                break
    return found


def _shares(split):
    shares = np.asarray(split, dtype=float)
    if shares.shape != (3,) or (shares < 0).any() or shares.sum() <= 0:
        raise ValueError(f"split must be three non-negative shares (train, valid, test), e.g. "
                         f"(94, 5, 1); got {split!r}")
    return shares / shares.sum()


def _split_class(files, shares, rng):
    """Assign a class's files to train / valid / test, in the given shares."""
    order = rng.permutation(len(files))
    ends = np.round(np.cumsum(shares) * len(files)).astype(int)
    return {subset: [files[i] for i in order[start:stop]]
            for subset, start, stop in zip(SUBSETS, (0, *ends[:2]), ends)}


def load_image_folder(root, subset=None, *, split=(94, 5, 1), random_state=0, lazy=False,
                      dtype=np.float32, return_X_y=False):
    """Load a class-per-folder patch dataset (``root/<Class>/<image>``).

    Two layouts are read. Either ``root`` is already split, with
    ``train/``, ``valid/`` (or ``val/``) and ``test/`` folders that each hold
    one folder per class (the EuroSAT tutorial's ``data/`` layout), or
    ``root`` holds the class folders and is split here, per class, in the
    ``split`` shares (a stratified split, the same for a given
    ``random_state``).

    Images are JPEG, PNG or TIFF files (multi-band TIFFs through rasterio,
    the ``geo`` extra); all must have the same shape.

    Parameters
    ----------
    root : str or Path
    subset : {"train", "valid", "test"} or None, default=None
        The part to return; None returns every image.
    split : tuple of 3 float, default=(94, 5, 1)
        Train, validation and test shares for a root that is not split.
        Shares may be zero, e.g. ``(80, 0, 20)``.
    random_state : int, default=0
        Seeds the split of a root that is not split.
    lazy : bool, default=False
        Return :class:`LazyImages` (files read batch by batch, e.g. while a
        deep estimator trains) instead of an array.
    dtype : numpy dtype, default=float32
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : Bunch
        ``data`` (array or LazyImages of shape (n, rows, cols, bands)),
        ``target`` (class index of each image), ``target_names`` (class
        folder names, sorted), ``filenames``, ``subset`` (the part each
        image belongs to) and ``image_shape``.

    Raises
    ------
    FileNotFoundError
        ``root`` does not exist or holds no image.
    ValueError
        Subsets with different classes, images of different shapes,
        unreadable images, or a bad ``subset`` / ``split``.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> from PIL import Image
    >>> from skrs.datasets import load_image_folder
    >>> root = tempfile.mkdtemp()
    >>> for name in ("Forest", "River"):
    ...     os.makedirs(os.path.join(root, name))
    ...     for i in range(10):
    ...         Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(
    ...             os.path.join(root, name, f"{name}_{i}.jpg"))
    >>> train = load_image_folder(root, "train", split=(80, 0, 20))
    >>> train.data.shape, train.target_names
    ((16, 8, 8, 3), ['Forest', 'River'])
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"image folder {root} not found")
    if subset is not None and subset not in SUBSETS:
        raise ValueError(f"subset must be one of {SUBSETS} or None; got {subset!r}")
    folders = _presplit_folders(root)
    parts = {}
    if folders:
        by_subset = {s: _images_by_class(f) for s, f in folders.items()}
        class_names = sorted(set().union(*by_subset.values()))
        for s, by_class in by_subset.items():
            if sorted(by_class) != class_names:
                missing = sorted(set(class_names) - set(by_class))
                raise ValueError(f"{folders[s]} lacks class folders {missing} that the other "
                                 "subsets have")
        for s in SUBSETS:
            parts[s] = by_subset.get(s, {c: [] for c in class_names})
    else:
        shares = _shares(split)
        by_class = _images_by_class(root)
        class_names = sorted(by_class)
        rng = np.random.default_rng(random_state)
        per_class = {c: _split_class(files, shares, rng) for c, files in by_class.items()}
        parts = {s: {c: per_class[c][s] for c in class_names} for s in SUBSETS}
    wanted = SUBSETS if subset is None else (subset,)
    paths, target, subsets = [], [], []
    for s in wanted:
        for k, c in enumerate(class_names):
            paths += parts[s][c]
            target += [k] * len(parts[s][c])
            subsets += [s] * len(parts[s][c])
    if not paths:
        raise FileNotFoundError(
            f"no {'' if subset is None else subset + ' '}images ({', '.join(IMAGE_SUFFIXES)}) "
            f"found under {root}; expected {root}/<Class>/<image> or "
            f"{root}/train|valid|test/<Class>/<image>")
    data = LazyImages(paths, dtype=dtype)
    if not lazy:
        data = np.asarray(data)
    target = np.asarray(target, dtype=np.intp)
    if return_X_y:
        return data, target
    return Bunch(data=data, target=target, target_names=class_names,
                 filenames=np.asarray([str(p) for p in paths]), subset=np.asarray(subsets),
                 image_shape=tuple(int(s) for s in data.shape[1:]))


_EUROSAT = {
    # The DFKI release; its publisher gives md5 sums only.
    "rgb": (RemoteFile("EuroSAT.zip", "https://madm.dfki.de/files/sentinel/EuroSAT.zip",
                       md5="c8fa014336c82ac7804f0398fcb19387"),
            "eurosat_rgb", ("EuroSAT_RGB", "2750")),
    "ms": (RemoteFile("EuroSATallBands.zip",
                      "https://madm.dfki.de/files/sentinel/EuroSATallBands.zip",
                      md5="5ac12b3b2557aa56e1826e981e8e200e"),
           "eurosat_ms", ("EuroSAT_MS", "ds/images/remote_sensing/otherDatasets/sentinel_2/tif")),
}


def _extract(archive, folder, inner):
    """Unzip into a temporary folder beside the target, then rename it into place."""
    target = folder / inner.split("/")[0]
    tmp = Path(tempfile.mkdtemp(dir=folder, prefix=".extract-"))
    try:
        with zipfile.ZipFile(archive) as z:
            z.extractall(tmp)
        (tmp / inner.split("/")[0]).rename(target)
    except zipfile.BadZipFile as exc:
        raise OSError(f"{archive} is not a valid zip archive ({exc}); delete it and load "
                      "again to re-download") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder / inner


def load_eurosat(subset=None, *, bands="rgb", split=(94, 5, 1), random_state=0, lazy=False,
                 data_home=None, download_if_missing=True, return_X_y=False):
    """EuroSAT Sentinel-2 patches (Helber et al., 2019): 64 x 64, 10 classes.

    Looked up in the data home, as ``eurosat_rgb/EuroSAT_RGB/<Class>/``
    (the Zenodo layout; a subset of the images is enough) or
    ``eurosat_rgb/2750/<Class>/`` (the DFKI archive); for ``bands="ms"``,
    the 13-band GeoTIFFs under ``eurosat_ms/``. Missing data is downloaded
    from DFKI (RGB 94 MB, multispectral 2 GB), checked against the published
    md5, and extracted atomically. Then read with :func:`load_image_folder`,
    split per class in ``split`` shares (the tutorial's 94 : 5 : 1).

    Parameters
    ----------
    subset : {"train", "valid", "test"} or None, default=None
    bands : {"rgb", "ms"}, default="rgb"
        RGB JPEGs, or all 13 bands (GeoTIFF, needs rasterio).
    split, random_state, lazy, return_X_y
        As in :func:`load_image_folder`.
    data_home : str, default=None
        Default: ``$SKRS_DATA`` or ``~/skrs_data``.
    download_if_missing : bool, default=True

    Returns
    -------
    data : Bunch or (data, target)
        See :func:`load_image_folder`.

    Examples
    --------
    >>> from skrs.datasets import load_eurosat
    >>> test = load_eurosat("test", download_if_missing=False)  # doctest: +SKIP
    >>> test.data.shape[1:], test.target_names[:3]  # doctest: +SKIP
    ((64, 64, 3), ['AnnualCrop', 'Forest', 'HerbaceousVegetation'])
    """
    if bands not in _EUROSAT:
        raise ValueError(f"bands must be 'rgb' or 'ms'; got {bands!r}")
    remote, subdir, candidates = _EUROSAT[bands]
    folder = get_data_home(data_home) / subdir
    for name in candidates:
        if (folder / name).is_dir():
            root = folder / name
            break
    else:
        archive = fetch_file(remote, subdir, data_home, download_if_missing)
        root = _extract(archive, folder, candidates[-1])
    return load_image_folder(root, subset, split=split, random_state=random_state, lazy=lazy,
                             return_X_y=return_X_y)
