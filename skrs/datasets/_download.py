"""Fetch data files into the data home, with sha256 checks and atomic writes."""

import hashlib
import urllib.error
import urllib.request
from dataclasses import dataclass

from ..utils import atomic_write
from ._home import get_data_home


@dataclass(frozen=True)
class RemoteFile:
    """A file that can be downloaded: name in the data home, URL, checksum.

    ``sha256`` (or ``md5``, where the publisher gives only that) is None only
    where no trustworthy checksum is known; the loader then validates the
    file's content (shapes, keys) instead.
    """

    filename: str
    url: str
    sha256: str | None = None
    md5: str | None = None


def sha256sum(path, chunk_size=1 << 20, algorithm="sha256"):
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_checksum(path, remote):
    for algorithm in ("sha256", "md5"):
        expected = getattr(remote, algorithm)
        if expected is None:
            continue
        actual = sha256sum(path, algorithm=algorithm)
        if actual != expected:
            raise OSError(
                f"{path} is corrupt or not the expected file: {algorithm} {actual}, expected "
                f"{expected}. Delete it and load again to re-download."
            )


def fetch_file(remote, subdir, data_home=None, download_if_missing=True, timeout=60):
    """Return the local path of ``remote``, downloading it if needed.

    The file is looked up at ``<data_home>/<subdir>/<filename>``. A download
    goes to a temporary file in the same folder, is checked against the
    checksum, and only then renamed into place, so an interrupted download
    never leaves a half-written file under the final name.

    Raises
    ------
    FileNotFoundError
        The file is absent and ``download_if_missing`` is False.
    OSError
        The download failed (e.g. offline) or the checksum does not match.
    """
    folder = get_data_home(data_home) / subdir
    path = folder / remote.filename
    if path.exists():
        _check_checksum(path, remote)
        return path
    if not download_if_missing:
        raise FileNotFoundError(
            f"{path} not found and download_if_missing=False; download {remote.url} "
            "and place it there"
        )
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as tmp:
        try:
            with urllib.request.urlopen(remote.url, timeout=timeout) as response, \
                    open(tmp, "wb") as out:
                for chunk in iter(lambda: response.read(1 << 20), b""):
                    out.write(chunk)
        except (urllib.error.URLError, OSError) as exc:
            raise OSError(
                f"could not download {remote.url} ({exc}). If this machine is offline, "
                f"download the file elsewhere and place it at {path}"
            ) from exc
        _check_checksum(tmp, remote)
    return path
