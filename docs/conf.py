"""Sphinx configuration: numpydoc API reference, Markdown user guide (MyST),
and a sphinx-gallery built from ``examples/``, run in fast mode."""

import os
from pathlib import Path

import skrs

ROOT = Path(__file__).resolve().parents[1]
# The gallery runs every example; fast mode keeps epochs and data small.
os.environ.setdefault("SKRS_EXAMPLES_FAST", "1")
# sphinx-gallery runs each example from its own folder: a relative data home
# (SKRS_DATA=../shared/data, as in the README) is made absolute here first.
os.environ["SKRS_DATA"] = str(Path(os.environ.get("SKRS_DATA", ROOT.parent / "shared" / "data"))
                              .expanduser().resolve())
os.environ.setdefault("MPLBACKEND", "Agg")

project = "skrs"
author = "the skrs developers"
copyright = "2026, the skrs developers"
release = version = getattr(skrs, "__version__", "0.1.0.dev0")

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py",
                    "auto_examples/*.zip", "auto_examples/*.md5"]
autosummary_generate = True
templates_path = ["_templates"]
autodoc_typehints = "none"
autodoc_inherit_docstrings = False  # Keras and sklearn docstrings link into their own sites
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
html_theme = "alabaster"
html_static_path = []
myst_heading_anchors = 3

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "plot_gallery": os.environ.get("SKRS_DOCS_RUN_EXAMPLES", "1") == "1",
    "abort_on_example_error": True,
}


# ---------------------------------------------------------------- API reference
# Written from each public module's __all__ at every build, so no public name
# can be missing from it.
API_MODULES = {
    "skrs.datasets": "Rasters, pixel samples, scenes and benchmark data sets",
    "skrs.io": "File formats: GeoTIFF rasters and maps, LIBSVM files, point tables, HDF5 windows",
    "skrs.preprocessing": "From pixels to features: windows, spectra, indices, patches",
    "skrs.svm": "LIBSVM support vector machines",
    "skrs.deep": "Keras classifiers and segmenters",
    "skrs.model_selection": "Spatial validation and searches on dask",
    "skrs.metrics": "Remote-sensing accuracy figures",
    "skrs.mapping": "Maps of whole scenes",
    "skrs.plot": "Figures",
    "skrs.utils": "Utilities",
    "skrs.workflow": "Your own imagery, end to end (skrs train, map, evaluate)",
}


def _write_api(srcdir):
    import importlib

    lines = ["API reference", "=============", ""]
    seen = set()  # a name re-exported by a second module is listed once, where it is first
    for module_name, title in API_MODULES.items():
        module = importlib.import_module(module_name)
        names = [n for n in sorted(module.__all__) if id(getattr(module, n)) not in seen]
        seen.update(id(getattr(module, n)) for n in names)
        heading = f":mod:`{module_name}`: {title}"
        lines += [heading, "-" * len(heading), "", f".. automodule:: {module_name}",
                  "    :no-members:", "    :no-inherited-members:", "",
                  f".. currentmodule:: {module_name}", "", ".. autosummary::",
                  "    :toctree: generated/", "    :nosignatures:", ""]
        lines += [f"    {name}" for name in names] + [""]
    text = "\n".join(lines)
    path = Path(srcdir) / "api.rst"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


_write_api(Path(__file__).parent)  # before autosummary reads it


def _skip_sklearn_plumbing(app, what, name, obj, skip, options):
    """Metadata-routing methods sklearn adds to every estimator: documented by sklearn."""
    if name == "get_metadata_routing" or (name.startswith("set_") and name.endswith("_request")):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_sklearn_plumbing)
