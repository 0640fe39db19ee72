"""The point-table workflow of the Sentinel-2 tutorial: points -> 75/12/13 split -> grid map."""

import numpy as np
import pytest

from skrs.io import points_to_grid, read_point_table, write_point_table
from skrs.model_selection import train_val_test_split

HEADER = "ID,x,y,B2,B3,B4,B8,Class\n"


def write(tmp_path, text, name="points.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_read_point_table_finds_bands_coordinates_and_ids(tmp_path):
    path = write(tmp_path, HEADER + "7,500005,4600005,0.1,0.2,0.3,0.4,3\n"
                                    "8,500015,4600005,0.5,0.6,0.7,0.8,1\n\n")
    points = read_point_table(path, label_column="class")  # case-insensitive
    assert points.band_names == ["B2", "B3", "B4", "B8"]
    np.testing.assert_array_equal(points.X, [[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8]])
    assert points.y.dtype == np.int64 and points.y.tolist() == [3, 1]
    assert points.coords.tolist() == [[500005, 4600005], [500015, 4600005]]
    assert points.ids.tolist() == ["7", "8"]
    grid = read_point_table(path, band_columns=["B8", "B2"], coord_columns=None)
    assert grid.y is None and grid.coords is None and grid.X[0].tolist() == [0.4, 0.1]
    names = read_point_table(write(tmp_path, "b1,b2,label\n1,2,water\n3,4,crop\n", "n.csv"),
                             label_column="label")
    assert names.y.tolist() == ["water", "crop"] and names.coords is None


def test_point_table_from_an_array():
    table = np.array([[0.1, 0.2, 1], [0.3, 0.4, 2]])
    points = read_point_table(table, label_column=2)
    assert points.X.shape == (2, 2) and points.y.tolist() == [1, 2]
    with pytest.raises(ValueError, match="column 5 does not exist"):
        read_point_table(table, label_column=5)


def test_malformed_point_tables_name_the_line(tmp_path):
    with pytest.raises(ValueError, match=r"line 3: 7 fields but the header names 8"):
        read_point_table(write(tmp_path, HEADER + "1,0,0,1,1,1,1,1\n2,0,0,1,1,1,1\n"))
    with pytest.raises(ValueError, match=r"line 2, column 'B3': 'n/a' is not a number"):
        read_point_table(write(tmp_path, HEADER + "1,0,0,1,n/a,1,1,1\n"))
    with pytest.raises(ValueError, match="label column 'landuse' not found"):
        read_point_table(write(tmp_path, HEADER + "1,0,0,1,1,1,1,1\n"), label_column="landuse")
    with pytest.raises(ValueError, match="no data lines"):
        read_point_table(write(tmp_path, HEADER))
    with pytest.raises(FileNotFoundError):
        read_point_table(tmp_path / "nope.csv")


def test_write_point_table_is_atomic(tmp_path, monkeypatch):
    path = write_point_table(tmp_path / "grid.csv", {"x": [1.5, 2.5], "class": [3, 1]})
    assert path.read_text().splitlines() == ["x,class", "1.5,3", "2.5,1"]
    with pytest.raises(ValueError, match="different lengths"):
        write_point_table(path, {"x": [1.0], "class": [1, 2]})
    assert path.read_text().splitlines()[1] == "1.5,3"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grid.csv"]


def test_points_to_grid_places_points_north_up_with_holes():
    x, y = np.meshgrid(np.arange(5, 45, 10.0), np.arange(5, 35, 10.0))
    coords = np.column_stack([x.ravel(), y.ravel()])
    values = np.arange(1, 13)
    keep = values != 6  # one hole
    grid, transform = points_to_grid(coords[keep], values[keep], fill_value=0)
    assert grid.shape == (3, 4)
    assert grid[2].tolist() == [1, 2, 3, 4]  # southernmost points (smallest y) in the last row
    assert grid[1, 1] == 0
    assert (transform.a, transform.e, transform.c, transform.f) == (10.0, -10.0, 0.0, 30.0)
    # the transform maps each cell centre back to its point
    col, row = 3, 0
    assert transform * (col + 0.5, row + 0.5) == (35.0, 25.0)
    with pytest.raises(ValueError, match="not on the grid"):
        points_to_grid([[0, 0], [10, 0], [25, 0]], [1, 2, 3])


def test_train_val_test_split_shares_and_strata():
    y = np.repeat([1, 2, 3], [200, 100, 100])
    X = np.arange(len(y))[:, None]
    X_tr, X_va, X_te, y_tr, y_va, y_te = train_val_test_split(X, y, stratify=y, random_state=0)
    assert (len(y_tr), len(y_va), len(y_te)) == (300, 48, 52)
    assert sorted(np.concatenate([X_tr, X_va, X_te]).ravel()) == list(range(400))
    for part in (y_tr, y_va, y_te):
        assert abs(np.mean(part == 1) - 0.5) < 0.03
    again = train_val_test_split(X, y, stratify=y, random_state=0)
    np.testing.assert_array_equal(again[2], X_te)
    lists = train_val_test_split(list("abcdefghij" * 3), sizes=(1, 1, 1), random_state=0)
    assert [len(p) for p in lists] == [10, 10, 10] and isinstance(lists[0], list)
    with pytest.raises(ValueError, match="three positive shares"):
        train_val_test_split(X, sizes=(0.8, 0.2))
    with pytest.raises(ValueError, match="too few"):
        train_val_test_split(X[:3])


def test_point_workflow_end_to_end_on_real_pixels(salinas_a, tmp_path):
    """Salinas-A pixels as a point table: train / validate / test, then map a grid table."""
    from sklearn.pipeline import make_pipeline

    from skrs.deep import SpectralMLPClassifier
    from skrs.metrics import overall_accuracy
    from skrs.preprocessing import BandNormalizer

    samples, y = salinas_a.labelled_pixels()
    coords = samples.coords
    spectra = salinas_a.cube[coords[:, 0], coords[:, 1]].astype(float)
    xy = np.column_stack([coords[:, 1] * 3.7 + 1.85, (83 - coords[:, 0]) * 3.7 - 1.85])
    columns = {"x": xy[:, 0], "y": xy[:, 1]}
    columns.update({f"B{k}": spectra[:, k] for k in range(0, 204, 20)})
    columns["Class"] = y
    path = write_point_table(tmp_path / "point_data.csv", columns)

    points = read_point_table(path, label_column="Class")
    parts = train_val_test_split(points.X, points.y, stratify=points.y, random_state=0)
    X_train, X_val, X_test, y_train, y_val, y_test = parts
    model = make_pipeline(BandNormalizer(), SpectralMLPClassifier(
        hidden_layer_sizes=(32,), epochs=15, batch_size=64, random_state=0))
    model.fit(X_train, y_train, spectralmlpclassifier__X_val=model[0].fit(X_train).transform(X_val),
              spectralmlpclassifier__y_val=y_val)
    assert "val_loss" in model[-1].history_
    assert overall_accuracy(y_test, model.predict(X_test)) > 0.85

    grid_path = write_point_table(tmp_path / "grid.csv",
                                  {k: v for k, v in columns.items() if k != "Class"})
    grid = read_point_table(grid_path)
    labels, transform = points_to_grid(grid.coords, model.predict(grid.X))
    assert labels.shape == (83, 86) and abs(transform.a - 3.7) < 1e-9
    assert np.mean(labels[coords[:, 0], coords[:, 1]] == y) > 0.85
