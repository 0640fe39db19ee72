import numpy as np


def streamed_moments(X, per_band=True, batch_size=4096):
    """Mean and standard deviation of X, read ``batch_size`` samples at a time.

    X is anything sliceable along its first axis with bands on the last
    (arrays, lazy windows, HDF5 datasets). Batches are merged with Chan et
    al.'s parallel update, which stays exact where the naive sum-of-squares
    formula loses precision.

    Returns
    -------
    mean, std : ndarray of shape (n_bands,) if ``per_band``, else floats
    """
    count, mean, m2 = 0, 0.0, 0.0
    for start in range(0, len(X), batch_size):
        batch = np.asarray(X[start:start + batch_size], dtype=np.float64)
        values = batch.reshape(-1, batch.shape[-1] if per_band else 1)
        n = values.shape[0]
        batch_mean = values.mean(axis=0)
        batch_m2 = np.square(values - batch_mean).sum(axis=0)
        delta = batch_mean - mean
        total = count + n
        mean = mean + delta * n / total
        m2 = m2 + batch_m2 + np.square(delta) * count * n / total
        count = total
    std = np.sqrt(m2 / count)
    return (mean, std) if per_band else (float(mean[0]), float(std[0]))
