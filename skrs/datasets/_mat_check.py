"""A MATLAB v5 file's element structure checked in Python before scipy's reader sees it:
that reader's compiled code trusts the data-type codes and sizes it finds, and an unknown
type code in a damaged file is a segmentation fault rather than an exception."""

import struct
import zlib

import numpy as np

# data types of MATLAB v5 elements, with the item size of the numeric ones
_ITEM_SIZE = {1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 13: 8}
_OTHER_TYPES = {14, 15, 16, 17, 18}  # matrix, compressed, UTF-8, UTF-16, UTF-32
_NUMERIC_CLASSES = set(range(6, 16))
_HEADER = 128
_MAX_DEPTH = 32


class _Damaged(ValueError):
    pass


def _elements(data, start, end, where):
    """Yield (type, payload start, payload end) of the elements in ``data[start:end]``."""
    pos = start
    while pos < end:
        if end - pos < 8:
            raise _Damaged(f"{end - pos} stray byte(s) at offset {where + pos}")
        first, second = struct.unpack_from("<II", data, pos)
        if first >> 16:  # small element: type and size in one word, data in the next
            kind, size, payload = first & 0xFFFF, first >> 16, pos + 4
            if size > 4:
                raise _Damaged(f"a small element of {size} bytes at offset {where + pos}")
            pos += 8
        else:
            kind, size, payload = first, second, pos + 8
            pos = payload + size + (-size % 8 if kind != 15 else 0)
            if payload + size > end:
                raise _Damaged(f"an element at offset {where + payload - 8} claims {size} bytes "
                               f"where {end - payload} remain")
        if kind not in _ITEM_SIZE and kind not in _OTHER_TYPES:
            raise _Damaged(f"unknown data type {kind} at offset {where + payload - 8}")
        yield kind, payload, payload + size


def _check_matrix(data, start, end, where, depth):
    parts = list(_elements(data, start, end, where))
    if not parts:  # an empty matrix
        return
    if len(parts) < 3 or parts[0][0] != 6 or parts[1][0] != 5 or parts[2][0] != 1:
        raise _Damaged(f"a matrix at offset {where + start} lacks its flags, dimensions or name")
    (_, f0, f1), (_, d0, d1) = parts[0], parts[1]
    if f1 - f0 < 4 or (d1 - d0) % 4 or d1 - d0 < 8:
        raise _Damaged(f"a matrix at offset {where + start} has malformed flags or dimensions")
    array_class = data[f0] & 0xFF
    dims = np.frombuffer(data, "<i4", (d1 - d0) // 4, d0)
    if (dims < 0).any():
        raise _Damaged(f"a matrix at offset {where + start} has negative dimensions")
    for kind, p0, p1 in parts[3:]:
        if kind == 14:
            _check(data, p0, p1, where, depth + 1, matrix=True)
        elif kind == 15:
            _check_compressed(data, p0, p1, where, depth + 1)
    if not 1 <= array_class <= 17:
        raise _Damaged(f"a matrix at offset {where + start} has unknown class {array_class}")
    if array_class in _NUMERIC_CLASSES:
        expected = int(np.prod(dims, dtype=np.int64))
        n_parts = 2 if data[f0 + 1] & 0x08 else 1  # the complex flag: real and imaginary
        if len(parts) - 3 < n_parts:
            raise _Damaged(f"a {'complex ' if n_parts == 2 else ''}matrix at offset "
                           f"{where + start} lacks its data")
        for kind, p0, p1 in parts[3:3 + n_parts]:
            if kind not in _ITEM_SIZE or (p1 - p0) != expected * _ITEM_SIZE[kind]:
                raise _Damaged(f"the data at offset {where + p0 - 8} ({p1 - p0} bytes of type "
                               f"{kind}) do not fill a {'x'.join(map(str, dims))} matrix")


def _check_compressed(data, start, end, where, depth):
    try:
        inner = zlib.decompress(bytes(data[start:end]))
    except zlib.error as exc:
        raise _Damaged(f"compressed data at offset {where + start} do not decompress ({exc})")
    _check(inner, 0, len(inner), where + start, depth)


def _check(data, start, end, where, depth, matrix=False):
    if depth > _MAX_DEPTH:
        raise _Damaged(f"elements nested deeper than {_MAX_DEPTH} levels")
    if matrix:
        _check_matrix(data, start, end, where, depth)
        return
    for kind, p0, p1 in _elements(data, start, end, where):
        if kind == 14:
            _check_matrix(data, p0, p1, where, depth + 1)
        elif kind == 15:
            _check_compressed(data, p0, p1, where, depth + 1)


def check_mat_v5(path):
    """Raise ``ValueError`` naming ``path`` and the offset unless the MATLAB v5 file's
    elements are well formed: known data types, sizes within their parent, numeric data
    that fill their matrix. Files that are not v5 (v7.3 HDF5) are left to their reader."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < _HEADER:
        raise ValueError(f"could not read {path} as a MATLAB .mat file: {len(data)} bytes is "
                         "too short")
    version, endian = struct.unpack_from("<H2s", data, 124)
    if endian not in (b"IM", b"MI") or version == 0x0200:  # 0x0200: v7.3 (HDF5)
        return
    if endian == b"MI":  # big-endian v5: rare; scipy checks it
        return
    try:
        _check(memoryview(data), _HEADER, len(data), 0, 0)
    except _Damaged as exc:
        raise ValueError(f"could not read {path} as a MATLAB .mat file: damaged, {exc}") from None
