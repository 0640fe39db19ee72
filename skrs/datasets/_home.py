import os
from pathlib import Path


def get_data_home(data_home=None):
    """Return the folder where skrs looks for (and downloads) data sets.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Explicit folder. When None, the ``SKRS_DATA`` environment variable is
        used, and ``~/skrs_data`` when that is unset.

    Returns
    -------
    pathlib.Path
        The folder (not created).

    Examples
    --------
    >>> from skrs.datasets import get_data_home
    >>> get_data_home("/tmp/rs").as_posix()
    '/tmp/rs'
    """
    if data_home is None:
        data_home = os.environ.get("SKRS_DATA") or "~/skrs_data"
    return Path(data_home).expanduser()
