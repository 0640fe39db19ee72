"""
Your own imagery: band files and training polygons to a land-cover COG
======================================================================

The real North Carolina Landsat 7 scene of ``nc_landsat/`` (six band files,
one of them with its own nodata value) and 34 land-cover polygons drawn in
another CRS, in the order a user works: open the bands, take samples under
the polygons, evaluate by grouped cross-validation (no polygon on both sides
of a fold), compare with a random pixel split, train on every polygon,
evaluate on 1,000 independent points, map the scene as a Cloud-Optimized
GeoTIFF and look at the map. The same steps are the commands ``skrs train``,
``skrs evaluate`` and ``skrs map`` (see the user guide, "Your own imagery").

Run with ``SKRS_DATA`` pointing at the data home; files go to the folder
given as the first argument (default: a new temporary folder).
"""

import sys
import tempfile
import warnings
from pathlib import Path

from skrs.datasets import get_data_home
from skrs.io import load_model, open_geotiff, read_vector_labels, save_model
from skrs.model_selection import connect
from skrs.workflow import evaluate, map_image, recode, train

out = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp())
data = get_data_home() / "nc_landsat"

# %%
# Open the six band files as one raster, read window by window. Band 7's file
# marks nodata with -32768, the others with -99999: each file's own value is
# read as NaN, so a pixel is nodata where any band is.
raster = open_geotiff(sorted(data.glob("lsat7_2000_*.tif")))
print(raster, raster.band_nodata)

# %%
# Samples under the polygons. They are in EPSG:3358 and the bands in the
# North Carolina state plane: they are reprojected, then burnt onto the grid
# (pixels whose centre they contain). Pixels that are nodata in a band are
# dropped; the warning names the classes that lost pixels ("agriculture"
# loses its only polygon to band 7's nodata).
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", UserWarning)
    samples = read_vector_labels(data / "landsat96_polygons.shp", raster, "label")
for w in caught:
    print("warning:", w.message)
X, y, class_values, class_names = samples
print(f"{len(y)} pixels of {len(set(X.groups))} polygons, classes {class_names}")

# %%
# Grouped cross-validation evaluates the whole recipe (the SVM's gamma x C
# search included, with inner grouped folds) on polygons it never saw; a
# random pixel split of the same pixels shows how much neighbouring pixels
# leak. Both run on an in-process dask cluster. Dask starts its workers as
# fresh Python processes that import this script again, so this step and
# those after it run under ``if __name__ == "__main__"``.
if __name__ == "__main__":
    with connect(n_workers=2) as client:
        model, grouped = train(raster, samples, split="grouped", client=client)
        _, random = train(raster, samples, split="random", client=client)
    print(grouped["report"])
    print(f"OA, 5 folds grouped by polygon: {grouped['report'].overall_accuracy:.3f}; "
          f"5 random folds: {random['report'].overall_accuracy:.3f} (leakage)")

# %%
# The model file holds the fitted pipeline (a few kB: scaler and support
# vectors) and the class names; it loads without running code from the file.
if __name__ == "__main__":
    save_model(out / "landcover.skrs", model, class_values=class_values,
               class_names=class_names)
    model = load_model(out / "landcover.skrs")

# %%
# Independent labels: the 1,000 points (another sample of the same scene).
# Their classes are matched to the model's by name; points of "agriculture",
# a class the model never learnt, are left out.
if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        points = recode(read_vector_labels(data / "landsat96_points.shp", raster, "label"),
                        class_values, class_names)
    report = evaluate(model, points)
    print(f"{len(points.y)} points: OA {report.overall_accuracy:.3f}, "
          f"AA {report.average_accuracy:.3f}, kappa {report.kappa:.3f}")

# %%
# Map the scene into a Cloud-Optimized GeoTIFF (tiles, overviews, colour table,
# class names, nodata where any band is nodata), then look at it.
if __name__ == "__main__":
    path = map_image(model, raster, out / "landcover.tif", class_names=class_names,
                     class_values=class_values, progress=False)
    print("wrote", path)

    try:
        import matplotlib.pyplot as plt
        import rasterio

        from skrs.plot import plot_class_map

        with rasterio.open(path) as ds:
            labels = ds.read(1)
        oa = grouped["report"].overall_accuracy
        ax = plot_class_map(labels, class_names, title=f"SVM map (grouped-CV OA {oa:.3f})")
        plt.show()
    except ImportError:
        print("matplotlib is not installed: no figure (pip install 'skrs[plot]')")
