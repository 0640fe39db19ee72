"""MATLAB .mat scenes: a generic loader and the GIC/UPV-EHU benchmark scenes."""

from pathlib import Path

import numpy as np
import scipy.io

from ._download import RemoteFile, fetch_file
from ._mat_check import check_mat_v5
from ._scene import Scene

_EHU = "https://www.ehu.eus/ccwintco/uploads/"


def _read_mat_variable(path, key):
    """Read one variable from a MATLAB v5 (scipy) or v7.3 (HDF5) file."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"MATLAB file not found: {path}")
    check_mat_v5(path)
    try:
        content = scipy.io.loadmat(path, variable_names=None)
    except NotImplementedError:  # v7.3 files are HDF5
        import h5py

        with h5py.File(path, "r") as f:
            if key not in f:
                raise KeyError(
                    f"{path} has no variable {key!r}; it holds {sorted(f.keys())}"
                ) from None
            # MATLAB stores arrays column-major: reverse the axes.
            return np.asarray(f[key]).T
    except Exception as exc:
        raise ValueError(f"could not read {path} as a MATLAB .mat file: {exc}") from exc
    if key not in content:
        keys = sorted(k for k in content if not k.startswith("__"))
        raise KeyError(f"{path} has no variable {key!r}; it holds {keys}")
    return content[key]


def load_mat_scene(path, cube_key, gt_key=None, *, gt_path=None, class_names=None,
                   wavelengths=None, name=None):
    """Load a scene from MATLAB .mat files.

    Parameters
    ----------
    path : str or path-like
        .mat file holding the cube (MATLAB v5 or v7.3).
    cube_key : str
        Variable name of the (rows, cols, bands) cube.
    gt_key : str, default=None
        Variable name of the ground truth, read from ``gt_path`` when given,
        else from ``path``. None loads the cube without labels.
    gt_path : str or path-like, default=None
        Separate .mat file holding the ground truth.
    class_names, wavelengths, name
        Passed to :class:`Scene`.

    Returns
    -------
    Scene

    Examples
    --------
    >>> import numpy as np, scipy.io, tempfile, os
    >>> from skrs.datasets import load_mat_scene
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny.mat")
    >>> scipy.io.savemat(path, {"img": np.ones((3, 4, 2)), "gt": np.eye(3, 4)})
    >>> load_mat_scene(path, "img", "gt")
    Scene(shape=(3, 4, 2), n_classes=1)
    """
    cube = _read_mat_variable(path, cube_key)
    gt = None
    if gt_key is not None:
        gt = _read_mat_variable(gt_path if gt_path is not None else path, gt_key)
    return Scene(cube, gt, class_names, wavelengths, name=name)


def _remap_labels(gt, label_values):
    """Map the file's label values to dense ids 1..K (0 stays unlabelled)."""
    lut = np.zeros(int(gt.max()) + 1, dtype=np.int32)
    lut[list(label_values)] = np.arange(1, len(label_values) + 1)
    unknown = set(np.unique(gt).tolist()) - set(label_values) - {0}
    if unknown:
        raise ValueError(f"unexpected label values {sorted(unknown)} in the ground truth")
    return lut[gt]


def _load_benchmark(spec, data_home, download_if_missing):
    cube_path = fetch_file(spec["cube"], spec["subdir"], data_home, download_if_missing)
    gt_path = fetch_file(spec["gt"], spec["subdir"], data_home, download_if_missing)
    cube = _read_mat_variable(cube_path, spec["cube_key"])
    gt = _read_mat_variable(gt_path, spec["gt_key"])
    if cube.shape != spec["shape"]:
        raise ValueError(
            f"{cube_path} holds a cube of shape {cube.shape}, expected {spec['shape']}; "
            "the file is not the published scene"
        )
    values = spec["label_values"]
    return Scene(cube, _remap_labels(gt, values), spec["class_names"],
                 label_values=values, name=spec["name"])


SALINAS_A = {
    "name": "salinas-a",
    "subdir": "salinasA",
    "cube": RemoteFile(
        "SalinasA_corrected.mat", _EHU + "1/1a/SalinasA_corrected.mat",
        "d75684ed3ab71a1024cee0f9db9061f50a3523a92ff5edfbbb1eed976b9f1721"),
    "gt": RemoteFile(
        "SalinasA_gt.mat", _EHU + "a/aa/SalinasA_gt.mat",
        "17814c1d3296c0e29b27f320f2c4174d2a68adb87e376abe78f02923e2c2e454"),
    "cube_key": "salinasA_corrected",
    "gt_key": "salinasA_gt",
    "shape": (83, 86, 204),
    "label_values": (1, 10, 11, 12, 13, 14),
    "class_names": ("Brocoli_green_weeds_1", "Corn_senesced_green_weeds",
                    "Lettuce_romaine_4wk", "Lettuce_romaine_5wk",
                    "Lettuce_romaine_6wk", "Lettuce_romaine_7wk"),
}

# sha256 of the Indian Pines and Pavia cubes could not be obtained from a
# trusted copy here; those files are checked by shape instead.
INDIAN_PINES = {
    "name": "indian-pines",
    "subdir": "indian_pines",
    "cube": RemoteFile("Indian_pines_corrected.mat", _EHU + "6/67/Indian_pines_corrected.mat"),
    "gt": RemoteFile(
        "Indian_pines_gt.mat", _EHU + "c/c4/Indian_pines_gt.mat",
        "65c4687a8ab04f6da4789799bc3bc4f6e88bccac3ed6a2e6ae367e5e6b9e429c"),
    "cube_key": "indian_pines_corrected",
    "gt_key": "indian_pines_gt",
    "shape": (145, 145, 200),
    "label_values": tuple(range(1, 17)),
    "class_names": ("Alfalfa", "Corn-notill", "Corn-mintill", "Corn", "Grass-pasture",
                    "Grass-trees", "Grass-pasture-mowed", "Hay-windrowed", "Oats",
                    "Soybean-notill", "Soybean-mintill", "Soybean-clean", "Wheat", "Woods",
                    "Buildings-Grass-Trees-Drives", "Stone-Steel-Towers"),
}

PAVIA_UNIVERSITY = {
    "name": "pavia-university",
    "subdir": "pavia_university",
    "cube": RemoteFile("PaviaU.mat", _EHU + "e/ee/PaviaU.mat"),
    "gt": RemoteFile("PaviaU_gt.mat", _EHU + "5/50/PaviaU_gt.mat"),
    "cube_key": "paviaU",
    "gt_key": "paviaU_gt",
    "shape": (610, 340, 103),
    "label_values": tuple(range(1, 10)),
    "class_names": ("Asphalt", "Meadows", "Gravel", "Trees", "Painted metal sheets",
                    "Bare Soil", "Bitumen", "Self-Blocking Bricks", "Shadows"),
}


def load_salinas_a(data_home=None, download_if_missing=True):
    """Load the Salinas-A AVIRIS scene (83 x 86 pixels, 204 bands, 6 classes).

    The file numbers its classes 1, 10..14 (the full Salinas numbering); the
    scene maps them to 1..6 and keeps the originals in ``label_values``.
    Files are read from ``<data_home>/salinasA/`` and downloaded from the
    GIC/UPV-EHU site (sha256-checked) when missing.

    Parameters
    ----------
    data_home : str or path-like, default=None
        See :func:`get_data_home`.
    download_if_missing : bool, default=True
        Download missing files; when False a missing file raises.

    Returns
    -------
    Scene

    Examples
    --------
    >>> from skrs.datasets import load_salinas_a
    >>> scene = load_salinas_a()  # doctest: +SKIP
    >>> scene.shape, scene.label_values  # doctest: +SKIP
    ((83, 86, 204), (1, 10, 11, 12, 13, 14))
    """
    return _load_benchmark(SALINAS_A, data_home, download_if_missing)


def load_indian_pines(data_home=None, download_if_missing=True):
    """Load the Indian Pines AVIRIS scene (145 x 145 pixels, 200 bands, 16 classes).

    Files are read from ``<data_home>/indian_pines/`` and downloaded from the
    GIC/UPV-EHU site when missing; offline, a missing cube raises OSError
    saying where to put it.

    Parameters
    ----------
    data_home : str or path-like, default=None
    download_if_missing : bool, default=True

    Returns
    -------
    Scene

    Examples
    --------
    >>> from skrs.datasets import load_indian_pines
    >>> load_indian_pines().shape  # doctest: +SKIP
    (145, 145, 200)
    """
    return _load_benchmark(INDIAN_PINES, data_home, download_if_missing)


def load_pavia_university(data_home=None, download_if_missing=True):
    """Load the Pavia University ROSIS scene (610 x 340 pixels, 103 bands, 9 classes).

    Files are read from ``<data_home>/pavia_university/`` and downloaded from
    the GIC/UPV-EHU site when missing.

    Parameters
    ----------
    data_home : str or path-like, default=None
    download_if_missing : bool, default=True

    Returns
    -------
    Scene

    Examples
    --------
    >>> from skrs.datasets import load_pavia_university
    >>> load_pavia_university().n_classes  # doctest: +SKIP
    9
    """
    return _load_benchmark(PAVIA_UNIVERSITY, data_home, download_if_missing)
