import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Tests read real data from the shared folder beside the repository unless told otherwise.
os.environ.setdefault("SKRS_DATA", str(REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def salinas_a():
    from skrs.datasets import load_salinas_a

    try:
        return load_salinas_a(download_if_missing=False)
    except FileNotFoundError as exc:  # pragma: no cover - CI always has the data
        pytest.skip(f"Salinas-A not in the data home: {exc}")


@pytest.fixture(scope="session")
def synthetic_scene():
    from skrs.datasets import make_synthetic_scene

    return make_synthetic_scene(30, 40, 12, 4, random_state=0)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Tests never download: http(s) URLs fail as they would offline."""
    import urllib.error
    import urllib.request

    real_urlopen = urllib.request.urlopen

    def offline_urlopen(url, *args, **kwargs):
        target = url if isinstance(url, str) else url.full_url
        if target.startswith(("http:", "https:")):
            raise urllib.error.URLError("network disabled in tests")
        return real_urlopen(url, *args, **kwargs)

    monkeypatch.setattr(urllib.request, "urlopen", offline_urlopen)


@pytest.fixture(scope="session")
def data_home():
    """The data home (``SKRS_DATA``) as a Path."""
    return Path(os.environ["SKRS_DATA"]).resolve()
