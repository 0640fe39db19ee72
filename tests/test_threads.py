import sys
import threading
import types

from threadpoolctl import get_cached_controller, threadpool_info, threadpool_limits

from skrs.utils._threads import openblas_pool_threads


def test_the_thread_pool_controller_is_kept_until_modules_are_imported(monkeypatch):
    # threadpoolctl's behaviour skrs relies on to limit threads at every LIBSVM call cheaply
    first = get_cached_controller()
    assert get_cached_controller() is first  # no new library could have been loaded
    monkeypatch.setitem(sys.modules, "skrs_test_new_module", types.ModuleType("new"))
    renewed = get_cached_controller()
    assert renewed is not first
    assert {lib.internal_api for lib in renewed.lib_controllers} >= {"openmp"}


def test_predictions_in_overlapping_threads_leave_the_limits_as_they_were():
    import numpy as np

    from skrs.svm import LibSVMClassifier

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(3000, 8)), rng.integers(0, 3, 3000)
    clf = LibSVMClassifier().fit(X[:300], y[:300])
    clf._kernel_expansion._batch_rows = 8
    before = [lib["num_threads"] for lib in threadpool_info()]
    threads = [threading.Thread(target=clf.predict, args=(X,)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [lib["num_threads"] for lib in threadpool_info()] == before
    # and the calling thread can still set its own limits afterwards
    with threadpool_limits(limits=1, user_api="blas"):
        assert openblas_pool_threads() == 1
