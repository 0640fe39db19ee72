import os
import pickle
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_iris, make_classification
from sklearn.svm import SVC

from skrs.io import dump_libsvm
from skrs.svm import LibSVMClassifier


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(300, 12, n_informative=6, n_classes=4, random_state=0)
    return X, y + 1  # labels 1..4, as in LIBSVM files


# Both libraries stop the solver at `tol`; solved tightly they give the same model.
TIGHT = 1e-8


@pytest.mark.parametrize("kernel", ["rbf", "linear", "poly", "sigmoid"])
def test_same_model_as_sklearn_svc(data, kernel):
    X, y = data
    params = dict(C=3.0, kernel=kernel, gamma="scale", coef0=0.5, degree=2, tol=TIGHT)
    ours, ref = LibSVMClassifier(**params).fit(X, y), SVC(**params).fit(X, y)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=1e-6)
    np.testing.assert_array_equal(ours.n_support_, ref.n_support_)
    np.testing.assert_array_equal(np.sort(ours.support_), np.sort(ref.support_))


def test_binary_and_ovo_layout_match_svc(data):
    X, y = data
    binary = y <= 2
    ours = LibSVMClassifier(tol=TIGHT).fit(X[binary], y[binary])
    ref = SVC(tol=TIGHT).fit(X[binary], y[binary])
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=1e-6)
    ours = LibSVMClassifier(decision_function_shape="ovo", tol=TIGHT).fit(X, y)
    ref = SVC(decision_function_shape="ovo", tol=TIGHT).fit(X, y)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=1e-6)


def test_order_of_training_rows_does_not_matter(data):
    X, y = data
    order = np.random.default_rng(0).permutation(len(y))
    shuffled = LibSVMClassifier(kernel="linear").fit(X[order], y[order])
    plain = LibSVMClassifier(kernel="linear").fit(X, y)
    assert shuffled.libsvm_labels_.tolist() == [1, 2, 3, 4]
    np.testing.assert_array_equal(shuffled.predict(X), plain.predict(X))
    np.testing.assert_array_equal(np.sort(order[shuffled.support_]), plain.support_)


def test_sparse_input_and_class_weight(data):
    X, y = data
    weights = {1: 5.0, 3: 0.5}
    ours = LibSVMClassifier(class_weight=weights, tol=TIGHT).fit(sp.csr_matrix(X), y)
    ref = SVC(class_weight=weights, tol=TIGHT).fit(X, y)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=1e-6)
    balanced = LibSVMClassifier(class_weight="balanced", tol=TIGHT).fit(X, y)
    np.testing.assert_array_equal(balanced.predict(X),
                                  SVC(class_weight="balanced", tol=TIGHT).fit(X, y).predict(X))


def test_probability_is_reproducible_and_ordered():
    X, y = load_iris(return_X_y=True)
    a = LibSVMClassifier(probability=True, random_state=0).fit(X[::-1], y[::-1])
    b = LibSVMClassifier(probability=True, random_state=0).fit(X[::-1], y[::-1])
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert a.libsvm_labels_.tolist() == [0, 1, 2]
    assert (a.predict_proba(X).argmax(axis=1) == y).mean() > 0.95
    assert not hasattr(LibSVMClassifier(), "predict_proba")


def test_probabilities_of_a_minus_one_plus_one_problem_are_those_of_the_same_classes():
    # LIBSVM makes +1 its first class in a -1/+1 problem; its sigmoid must be fitted so
    X, y = make_classification(200, 5, n_informative=3, weights=[0.8], random_state=0)
    signed = LibSVMClassifier(probability=True, random_state=0).fit(X, np.where(y, 1, -1))
    # the same problem with labels in the same LIBSVM order: +1 -> 1 first, -1 -> 2 second
    plain = LibSVMClassifier(probability=True, random_state=0).fit(X, np.where(y, 1, 2))
    assert signed.libsvm_labels_.tolist() == [1, -1] and plain.libsvm_labels_.tolist() == [1, 2]
    np.testing.assert_allclose(signed.predict_proba(X)[:, 1], plain.predict_proba(X)[:, 0],
                               atol=1e-12)


def test_string_labels():
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = LibSVMClassifier().fit(X, names)
    assert set(clf.predict(X)) <= set(names) and clf.score(X, names) > 0.95


def test_errors():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="at least 2 classes"):
        LibSVMClassifier().fit(X, np.zeros(len(X)))
    clf = LibSVMClassifier().fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but LibSVMClassifier is expecting 4"):
        clf.predict(X[:, :3])
    with pytest.raises(ValueError, match="NaN"):
        clf.predict(np.full((1, 4), np.nan))


def test_pickle_round_trip(data):
    X, y = data
    clf = LibSVMClassifier(probability=True, random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))
    # the model travels as LIBSVM model-file text, which rounds SV values to 8 digits
    np.testing.assert_allclose(restored.decision_function(X), clf.decision_function(X), rtol=1e-6)
    np.testing.assert_allclose(restored.predict_proba(X), clf.predict_proba(X), atol=1e-6)


def test_model_file_round_trip(tmp_path, data):
    X, y = data
    clf = LibSVMClassifier(kernel="poly", degree=2, coef0=1.0, C=2.0).fit(X, y)
    path = tmp_path / "svm.model"
    clf.save_model(path)
    loaded = LibSVMClassifier.load_model(path)
    assert (loaded.kernel, loaded.degree, loaded.coef0) == ("poly", 2, 1.0)
    assert loaded.n_features_in_ == X.shape[1]
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    np.testing.assert_allclose(loaded.decision_function(X), clf.decision_function(X), atol=1e-6)


def test_model_file_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        LibSVMClassifier.load_model(tmp_path / "absent.model")
    (tmp_path / "junk.model").write_text("hello\n")
    with pytest.raises(ValueError, match="not a LIBSVM model file"):
        LibSVMClassifier.load_model(tmp_path / "junk.model")
    (tmp_path / "bad.model").write_text("svm_type c_svc\nkernel_type nonsense\n")
    with pytest.raises(ValueError, match=r"bad.model: no .SV. line \(not a valid LIBSVM"):
        LibSVMClassifier.load_model(tmp_path / "bad.model")
    X, y = load_iris(return_X_y=True)
    named = LibSVMClassifier().fit(X, np.array(["a", "b", "c"])[y])
    with pytest.raises(ValueError, match="integer labels only"):
        named.save_model(tmp_path / "named.model")
    assert not (tmp_path / "named.model").exists()


def test_failed_save_keeps_the_existing_file(tmp_path, monkeypatch):
    X, y = load_iris(return_X_y=True)
    clf = LibSVMClassifier().fit(X, y)
    path = tmp_path / "svm.model"
    path.write_text("previous model")
    monkeypatch.setattr("skrs.svm._libsvm._lib.svm_save_model", lambda *a: -1)
    with pytest.raises(OSError, match="could not write"):
        clf.save_model(path)
    assert path.read_text() == "previous model"
    assert os.listdir(tmp_path) == ["svm.model"]


needs_cli = pytest.mark.skipif(shutil.which("svm-train") is None,
                               reason="LIBSVM command-line tools (Debian libsvm-tools) not installed")


@needs_cli
def test_model_from_svm_train_predicts_in_python(tmp_path, data):
    X, y = data
    dump_libsvm(X, y, tmp_path / "train.libsvm")
    subprocess.run(["svm-train", "-q", "-c", "4", "-g", "0.05", str(tmp_path / "train.libsvm"),
                    str(tmp_path / "cli.model")], check=True)
    subprocess.run(["svm-predict", "-q", str(tmp_path / "train.libsvm"), str(tmp_path / "cli.model"),
                    str(tmp_path / "cli.pred")], check=True)
    cli_pred = np.loadtxt(tmp_path / "cli.pred")
    loaded = LibSVMClassifier.load_model(tmp_path / "cli.model", n_features=X.shape[1])
    np.testing.assert_array_equal(loaded.predict(X), cli_pred)
    np.testing.assert_array_equal(LibSVMClassifier(C=4, gamma=0.05).fit(X, y).predict(X), cli_pred)


@needs_cli
def test_saved_model_runs_under_svm_predict(tmp_path, data):
    X, y = data
    clf = LibSVMClassifier(C=10, probability=True, random_state=0).fit(X, y)
    clf.save_model(tmp_path / "py.model")
    dump_libsvm(X, y, tmp_path / "test.libsvm")
    subprocess.run(["svm-predict", "-q", str(tmp_path / "test.libsvm"), str(tmp_path / "py.model"),
                    str(tmp_path / "py.pred")], check=True)
    np.testing.assert_array_equal(np.loadtxt(tmp_path / "py.pred"), clf.predict(X))


@needs_cli
def test_svm_train_model_with_its_own_class_order(tmp_path, data):
    X, y = data
    order = np.argsort(-y, kind="stable")  # class 4 first: svm-train writes "label 4 3 2 1"
    dump_libsvm(X[order], y[order], tmp_path / "train.libsvm")
    subprocess.run(["svm-train", "-q", "-e", "1e-8", "-g", "0.1", str(tmp_path / "train.libsvm"),
                    str(tmp_path / "cli.model")], check=True)
    assert "label 4 3 2 1" in (tmp_path / "cli.model").read_text()
    loaded = LibSVMClassifier.load_model(tmp_path / "cli.model", n_features=X.shape[1])
    ours = LibSVMClassifier(gamma=0.1, tol=1e-8).fit(X, y)
    np.testing.assert_array_equal(loaded.classes_, [1, 2, 3, 4])
    np.testing.assert_allclose(loaded.decision_function(X), ours.decision_function(X), atol=1e-5)


@needs_cli
def test_probabilities_equal_svm_predict_b1(tmp_path, data):
    """Sigmoids fitted in Python (seeded, no libc rand) are LIBSVM's: svm-predict -b 1 on the
    saved model gives the same probabilities."""
    X, y = data
    clf = LibSVMClassifier(C=10, probability=True, random_state=0).fit(X, y)
    clf.save_model(tmp_path / "py.model")
    dump_libsvm(X, y, tmp_path / "test.libsvm")
    subprocess.run(["svm-predict", "-q", "-b", "1", str(tmp_path / "test.libsvm"),
                    str(tmp_path / "py.model"), str(tmp_path / "py.pred")], check=True)
    lines = (tmp_path / "py.pred").read_text().split("\n")
    labels = [int(v) for v in lines[0].split()[1:]]
    cli = np.loadtxt(lines[1:])[:, 1:]
    proba = clf.predict_proba(X)[:, [list(clf.classes_).index(label) for label in labels]]
    np.testing.assert_allclose(cli, proba, atol=1e-5)


def test_probability_folds_use_their_own_generator():
    """probability=True never seeds the C library's global rand() (no srand anywhere)."""
    import skrs.svm

    source = "".join(p.read_text() for p in Path(skrs.svm.__file__).parent.glob("*.py"))
    assert ".srand(" not in source
    X, y = make_classification(n_samples=120, n_features=5, n_informative=3, n_classes=3,
                               random_state=0)
    a = LibSVMClassifier(probability=True, random_state=0).fit(X, y).predict_proba(X)
    b = LibSVMClassifier(probability=True, random_state=1).fit(X, y).predict_proba(X)
    assert not np.allclose(a, b)
