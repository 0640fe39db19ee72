"""
A grid search on a dask cluster
===============================

The lecture tunes the SVM's gamma and C with a parallel grid search: every
(candidate, fold) fit is independent. :func:`skrs.model_selection.search_on_dask`
runs any scikit-learn search on a dask cluster -- here an in-process
``LocalCluster`` of two single-threaded workers -- sending the samples
(and the scene they refer to) to the cluster once and fitting the
pipeline's first steps once per fold. The pipeline itself holds no data.
The fitted search is the one ``search.fit`` would give (same
``cv_results_``), so everything after it is plain scikit-learn.

On a real cluster, pass its address instead (``scheduler="tcp://host:8786"``,
or set ``DASK_SCHEDULER_ADDRESS``); deep candidates go to workers started
with ``--resources GPU=1``. See the "Searches on dask" guide page.

The folds are spatially disjoint blocks of the training half
(:class:`~skrs.model_selection.SpatialBlockKFold`), so the scores the search
ranks by are not inflated by neighbouring pixels. The lecture's 5 x 5 grid
with 5 folds is 125 fits, about 15 s on two cores.
"""

import time

import numpy as np
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skrs.datasets import load_salinas_a
from skrs.metrics import classification_report, scoring
from skrs.model_selection import (SpatialBlockKFold, connect, search_on_dask,
                                  spatial_train_test_split)
from skrs.preprocessing import BandNormalizer, PixelSpectra
from skrs.svm import LibSVMClassifier

scene = load_salinas_a()
X, y = scene.labelled_pixels()
train, test = spatial_train_test_split(X, y, train_size=0.5, block_size=8, random_state=0)

gammas = [1e-3, 3e-3, 1e-2, 3e-2, 1e-1]
Cs = [1, 10, 100, 1000, 10000]
pipe = Pipeline([("spectra", PixelSpectra()), ("scale", BandNormalizer()),
                 ("svm", LibSVMClassifier())])
search = GridSearchCV(pipe, {"svm__gamma": gammas, "svm__C": Cs}, scoring=scoring(),
                      refit="overall_accuracy",
                      cv=SpatialBlockKFold(n_splits=5, block_size=8, random_state=0))

# %%
# Run the search on the cluster
# -----------------------------
# ``connect()`` starts a ``LocalCluster`` (or connects to a scheduler
# address) for the duration of the block; ``progress=True`` prints how many
# fits are done.


def tune():
    with connect(n_workers=2, threads_per_worker=1) as client:
        print(f"{len(client.scheduler_info()['workers'])} workers")
        start = time.perf_counter()
        search_on_dask(search, X[train], y[train], scheduler=client, progress=False)
        seconds = time.perf_counter() - start
    n_fits = len(gammas) * len(Cs) * search.cv.get_n_splits()
    print(f"{n_fits} fits in {seconds:.1f} s; best {search.best_params_}, "
          f"CV OA {search.best_score_:.4f}")
    report = classification_report(y[test], search.predict(X[test]),
                                   class_names=scene.class_names)
    print(f"spatially disjoint test half: OA {report.overall_accuracy:.4f}, "
          f"kappa {report.kappa:.4f}")


# %%
# The gamma x C landscape
# -----------------------
# Mean cross-validated overall accuracy of every candidate, the figure to
# check before trusting ``best_params_``: how flat the landscape is, and
# whether the best cell sits on the edge of the grid (then the grid should
# be extended that way).


def plot_landscape():
    import matplotlib.pyplot as plt

    results = search.cv_results_
    scores = np.full((len(gammas), len(Cs)), np.nan)
    for params, score in zip(results["params"], results["mean_test_overall_accuracy"]):
        scores[gammas.index(params["svm__gamma"]), Cs.index(params["svm__C"])] = score
    fig, ax = plt.subplots(figsize=(6, 4.5))
    image = ax.imshow(scores, cmap="viridis", vmin=np.nanmin(scores), vmax=1)
    for (i, j), score in np.ndenumerate(scores):
        ax.text(j, i, f"{score:.3f}", ha="center", va="center",
                color="white" if score < np.nanmean(scores) else "black")
    ax.set_xticks(range(len(Cs)), [f"{c:g}" for c in Cs])
    ax.set_yticks(range(len(gammas)), [f"{g:g}" for g in gammas])
    ax.set_xlabel("C")
    ax.set_ylabel("gamma")
    ax.set_title("mean CV overall accuracy (spatial folds)")
    best = np.unravel_index(np.nanargmax(scores), scores.shape)
    on_edge = best[0] in (0, len(gammas) - 1) or best[1] in (0, len(Cs) - 1)
    print(f"CV OA from {np.nanmin(scores):.4f} to {np.nanmax(scores):.4f}; the best cell is "
          + ("on the edge of the grid" if on_edge else "inside the grid"))
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    plt.show()


# %%
# Dask starts its workers as fresh Python processes that import this script
# again, so a script starts the cluster under ``if __name__ == "__main__"``.
if __name__ == "__main__":
    tune()
    plot_landscape()
