"""Platt scaling of LIBSVM's pairwise decision values, with the fit's own random generator.

LIBSVM (``-b 1``) fits, for every pair of classes, a sigmoid to decision values from an
internal 5-fold cross-validation whose folds it shuffles with the C library's ``rand()``:
a process-wide generator that only ``srand`` seeds. This module does the same computation
(same folds rule, same sub-problem weights, same Newton method) with a NumPy generator,
so a seeded fit is reproducible and touches no global state.
"""

import numpy as np


def sigmoid_train(dec_values, positive):
    """LIBSVM's ``sigmoid_train``: (A, B) of P(y=+1 | f) = 1 / (1 + exp(A f + B)).

    Platt (2000) with the Newton method and backtracking of Lin, Lin and Weng (2007),
    step for step as LIBSVM 3.x.
    """
    f = np.asarray(dec_values, dtype=float)
    positive = np.asarray(positive, dtype=bool)
    prior1 = float(positive.sum())
    prior0 = float(len(f) - prior1)
    hi, lo = (prior1 + 1.0) / (prior1 + 2.0), 1.0 / (prior0 + 2.0)
    t = np.where(positive, hi, lo)

    def objective(a, b):
        fapb = f * a + b
        return float(np.sum(np.where(fapb >= 0, t, t - 1) * fapb
                            + np.log1p(np.exp(-np.abs(fapb)))))

    a, b = 0.0, float(np.log((prior0 + 1.0) / (prior1 + 1.0)))
    fval = objective(a, b)
    for _ in range(100):
        fapb = f * a + b
        e = np.exp(-np.abs(fapb))
        p = np.where(fapb >= 0, e / (1.0 + e), 1.0 / (1.0 + e))
        q = np.where(fapb >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        d2 = p * q
        h11, h22, h21 = 1e-12 + np.sum(f * f * d2), 1e-12 + np.sum(d2), np.sum(f * d2)
        d1 = t - p
        g1, g2 = np.sum(f * d1), np.sum(d1)
        if abs(g1) < 1e-5 and abs(g2) < 1e-5:
            break
        det = h11 * h22 - h21 * h21
        da, db = -(h22 * g1 - h21 * g2) / det, -(-h21 * g1 + h11 * g2) / det
        gd = g1 * da + g2 * db
        step = 1.0
        while step >= 1e-10:
            new_a, new_b = a + step * da, b + step * db
            new_f = objective(new_a, new_b)
            if new_f < fval + 1e-4 * step * gd:
                a, b, fval = new_a, new_b, new_f
                break
            step /= 2.0
        else:  # line search failed, as LIBSVM reports it: keep the last (A, B)
            break
    return a, b


def pairwise_sigmoids(X, y_index, pair_classifier, class_C, rng, n_folds=5):
    """(probA, probB) of every pair (i, j), i < j, of classes 0..k-1, in LIBSVM's order.

    ``pair_classifier(Cp, Cn)`` returns an unfitted binary classifier with weighted C
    ``Cp`` for label +1 and ``Cn`` for -1 whose ``decision_function`` is positive for +1.
    """
    k = len(class_C)
    prob_a, prob_b = [], []
    for i in range(k):
        for j in range(i + 1, k):
            rows = np.flatnonzero((y_index == i) | (y_index == j))
            labels = np.where(y_index[rows] == i, 1, -1)
            n = len(rows)
            perm = rng.permutation(n)
            dec = np.zeros(n)
            for fold in range(n_folds):
                test = perm[fold * n // n_folds:(fold + 1) * n // n_folds]
                train = np.setdiff1d(perm, test, assume_unique=True)
                present = set(labels[train].tolist())
                if present != {1, -1}:  # one class (or none) left to train on
                    dec[test] = 1.0 if present == {1} else -1.0 if present == {-1} else 0.0
                    continue
                clf = pair_classifier(class_C[i], class_C[j]).fit(X[rows[train]], labels[train])
                dec[test] = clf.decision_function(X[rows[test]])
            a, b = sigmoid_train(dec, labels > 0)
            prob_a.append(a)
            prob_b.append(b)
    return np.array(prob_a), np.array(prob_b)
