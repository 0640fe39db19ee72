"""LIBSVM model files checked in Python before LIBSVM's C reader sees them: that reader
trusts the header's counts (a ``total_sv`` of two billion is a segmentation fault, a
count larger than the lines present reads garbage)."""

import math

_SVM_TYPES = {"c_svc", "nu_svc", "one_class", "epsilon_svr", "nu_svr"}
_KERNELS = {"linear", "polynomial", "rbf", "sigmoid", "precomputed"}
_MAX_INDEX = 2**31 - 1  # LIBSVM's feature indices are C ints
_MAX_CLASSES = 65535
_HEADER_KEYS = {"svm_type", "kernel_type", "degree", "gamma", "coef0", "nr_class", "total_sv",
                "rho", "label", "probA", "probB", "prob_density_marks", "nr_sv"}


class _Reader:
    def __init__(self, name):
        self.name = name

    def fail(self, line_no, what):
        where = f"{self.name}, line {line_no}" if line_no else self.name
        raise ValueError(f"{where}: {what} (not a valid LIBSVM model file)")

    def numbers(self, line_no, key, values, kind, count=None):
        if count is not None and len(values) != count:
            self.fail(line_no, f"'{key}' has {len(values)} value(s), expected {count}")
        try:
            out = [kind(v) for v in values]
        except ValueError:
            self.fail(line_no, f"'{key}' must hold {kind.__name__} values; got "
                               f"{' '.join(values)[:60]!r}")
        if kind is float and not all(math.isfinite(v) for v in out):
            self.fail(line_no, f"'{key}' holds a non-finite value")
        return out


def check_model_text(data, name="LIBSVM model"):
    """Raise ``ValueError`` naming the file and line unless ``data`` (bytes) is a
    consistent LIBSVM model: known svm and kernel types, ``nr_class`` labels and
    ``nr_sv`` counts, ``total_sv`` equal to their sum and to the support-vector lines
    present, pairwise ``rho`` (and ``probA``/``probB``) counts, and support vectors of
    ``nr_class - 1`` finite coefficients and increasing feature indices from 1 to 2**31 - 1.

    Returns the largest feature index used.
    """
    reader = _Reader(name)
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as exc:
        reader.fail(0, f"non-ASCII byte at offset {exc.start}")
    lines = text.splitlines()
    header, sv_start = {}, None
    for i, line in enumerate(lines, 1):
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "SV" and len(parts) == 1:
            sv_start = i
            break
        if parts[0] not in _HEADER_KEYS:
            reader.fail(i, f"unknown header line {line[:40]!r} (or no 'SV' line before the "
                           "support vectors)")
        if parts[0] in header:
            reader.fail(i, f"'{parts[0]}' appears twice")
        header[parts[0]] = (i, parts[1:])
    if sv_start is None:
        reader.fail(0, "no 'SV' line")
    for key in ("svm_type", "kernel_type", "total_sv", "rho"):
        if key not in header:
            reader.fail(0, f"no '{key}' line in the header")
    for key, known in (("svm_type", _SVM_TYPES), ("kernel_type", _KERNELS)):
        line_no, values = header[key]
        if len(values) != 1 or values[0] not in known:
            reader.fail(line_no, f"unknown {key} {' '.join(values)!r}")
    svm_type = header["svm_type"][1][0]
    for key, kind in (("gamma", float), ("coef0", float), ("degree", int)):
        if key in header:
            reader.numbers(header[key][0], key, header[key][1], kind, 1)
    classifier = svm_type in ("c_svc", "nu_svc")
    n_class = 2
    if "nr_class" in header:
        line_no, values = header["nr_class"]
        (n_class,) = reader.numbers(line_no, "nr_class", values, int, 1)
        # LIBSVM's reader writes the coefficients of nr_class - 1 rows: with one class it
        # writes through an empty allocation
        if not 2 <= n_class <= _MAX_CLASSES:
            reader.fail(line_no, f"nr_class {n_class} is out of range (2..{_MAX_CLASSES})")
    elif classifier:
        reader.fail(0, "no 'nr_class' line in the header")
    line_no, values = header["total_sv"]
    (total_sv,) = reader.numbers(line_no, "total_sv", values, int, 1)
    n_sv_lines = sum(1 for line in lines[sv_start:] if line.strip())
    if total_sv != n_sv_lines:
        reader.fail(line_no, f"total_sv is {total_sv} but the file has {n_sv_lines} "
                             "support-vector line(s)")
    pairs = n_class * (n_class - 1) // 2 if classifier else 1
    reader.numbers(header["rho"][0], "rho", header["rho"][1], float, pairs)
    for key in ("probA", "probB"):
        if key in header:
            reader.numbers(header[key][0], key, header[key][1], float, pairs)
    if classifier:
        for key in ("label", "nr_sv"):
            if key not in header:
                reader.fail(0, f"no '{key}' line in the header")
        labels = reader.numbers(header["label"][0], "label", header["label"][1], int, n_class)
        if len(set(labels)) != n_class:
            reader.fail(header["label"][0], "the class labels repeat")
        line_no, values = header["nr_sv"]
        counts = reader.numbers(line_no, "nr_sv", values, int, n_class)
        if any(c < 0 for c in counts) or sum(counts) != total_sv:
            reader.fail(line_no, f"nr_sv {counts} does not sum to total_sv {total_sv}")
    n_coef = n_class - 1 if classifier else 1
    max_index = 0
    for i, line in enumerate(lines[sv_start:], sv_start + 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) < n_coef:
            reader.fail(i, f"a support vector needs {n_coef} coefficient(s)")
        reader.numbers(i, "coefficients", parts[:n_coef], float)
        previous = 0
        for item in parts[n_coef:]:
            index, sep, value = item.partition(":")
            try:
                index, value = int(index), float(value)
            except ValueError:
                reader.fail(i, f"{item[:40]!r} is not index:value")
            if not sep or not math.isfinite(value):
                reader.fail(i, f"{item[:40]!r} is not index:value with a finite value")
            if not previous < index <= _MAX_INDEX:
                reader.fail(i, f"feature index {index} is not increasing within 1.."
                               f"{_MAX_INDEX}")
            previous = index
        max_index = max(max_index, previous)
    return max_index
