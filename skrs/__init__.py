"""skrs: scikit-learn compatible classification of remote-sensing imagery.

Subpackages
-----------
datasets        rasters, pixel samples, scenes (image cube + ground truth), benchmark data sets
io              file formats: GeoTIFF rasters and maps, LIBSVM files, point tables, HDF5 windows
preprocessing   coordinate -> feature transformers (windows, spectra, indices, scaling)
svm             LIBSVM classifier
metrics         OA, AA, kappa, per-class F1, confusion matrix, report, scorers
model_selection spatially disjoint splitters, searches on dask
mapping         predict every pixel of a scene, GeoTIFF or dask array (land-cover maps)
plot            class maps, confusion matrices, training curves
"""

__version__ = "0.1.0.dev0"
