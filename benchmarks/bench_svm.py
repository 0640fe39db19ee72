"""LibSVMClassifier against sklearn.svm.SVC with the same parameters, on
real Salinas-A spectra (2674 training / 2674 test pixels, 204 bands).

Target (core issue): fit and predict within 1.2x of SVC, same accuracy; the performance
issue asks for fit <= 1.0x and predict <= 0.5x, on an idle machine and with a second
busy process on it. The ``track_*_ratio`` benchmarks time both in the same process,
alternating, so the ratio is not at the mercy of machine noise between runs.
``track_libsvm_one_thread_ratio`` records the solver's own cost per core (libsvm-official's
``svm_train`` on one thread against SVC): divided by the cores the fit may use, it is
the lowest fit ratio that any wrapper of libsvm-official can reach.
"""

import time

import numpy as np
import scipy.sparse as sp
from libsvm import svmutil
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from skrs.svm import LibSVMClassifier

from .common import machine, salinas_a_spectra

PARAMS = dict(C=100.0, gamma=0.01)
IMPLEMENTATIONS = {"skrs.LibSVMClassifier": LibSVMClassifier, "sklearn.SVC": SVC}


class SVMFitPredict:
    params = list(IMPLEMENTATIONS)
    param_names = ["implementation"]
    timeout = 300

    def setup_cache(self):
        return salinas_a_spectra()

    def setup(self, data, implementation):
        self.X_train, self.X_test, self.y_train, self.y_test = data
        self.cls = IMPLEMENTATIONS[implementation]
        self.model = self.cls(**PARAMS).fit(self.X_train, self.y_train)

    def time_fit(self, data, implementation):
        self.cls(**PARAMS).fit(self.X_train, self.y_train)

    def time_predict(self, data, implementation):
        self.model.predict(self.X_test)

    def track_test_accuracy(self, data, implementation):
        return float(self.model.score(self.X_test, self.y_test))


class SVMRatioToSVC:
    """Time of LibSVMClassifier divided by time of SVC, measured side by side, on an
    idle machine and with another process keeping a core busy."""

    params = ["idle", "busy"]
    param_names = ["machine"]
    timeout = 600
    repeat = 1
    number = 1

    def setup_cache(self):
        return salinas_a_spectra()

    def _ratio(self, data, step, state):
        X_train, X_test, y_train, _ = data
        if step == "fit":
            runs = {name: lambda cls=cls: cls(**PARAMS).fit(X_train, y_train)
                    for name, cls in IMPLEMENTATIONS.items()}
        elif step == "predict":
            runs = {name: lambda model=cls(**PARAMS).fit(X_train, y_train): model.predict(X_test)
                    for name, cls in IMPLEMENTATIONS.items()}
        else:  # libsvm-official's own multi-class training on one thread: the solver alone
            problem = svmutil.svm_problem(y_train.astype(np.float64), sp.csr_matrix(X_train))
            param = svmutil.svm_parameter(
                f"-s 0 -t 2 -c {PARAMS['C']!r} -g {PARAMS['gamma']!r} -m 200 -q")

            def solver_alone():
                with threadpool_limits(1, user_api="openmp"):
                    svmutil.svm_train(problem, param)

            runs = {"skrs.LibSVMClassifier": solver_alone,
                    "sklearn.SVC": lambda: SVC(**PARAMS).fit(X_train, y_train)}
        times = {name: [] for name in runs}
        with machine(state):
            for _ in range(5):  # alternate so both see the same machine state
                for name, run in runs.items():
                    start = time.perf_counter()
                    run()
                    times[name].append(time.perf_counter() - start)
        return float(np.min(times["skrs.LibSVMClassifier"]) / np.min(times["sklearn.SVC"]))

    def track_fit_ratio(self, data, state):
        return self._ratio(data, "fit", state)

    track_fit_ratio.unit = "ratio"

    def track_predict_ratio(self, data, state):
        return self._ratio(data, "predict", state)

    track_predict_ratio.unit = "ratio"

    def track_libsvm_one_thread_ratio(self, data, state):
        return self._ratio(data, "libsvm", state)

    track_libsvm_one_thread_ratio.unit = "ratio"
