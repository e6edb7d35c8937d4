import pytest

pytest.importorskip("keras")

from keras_optimizers import installed_optimizer_table, load_optimizer_table


def test_table_equals_the_installed_keras():
    # If this fails after upgrading Keras, run `python scripts/keras_optimizers.py`.
    assert load_optimizer_table() == installed_optimizer_table()


def test_table_holds_the_page_optimizers_and_no_wrappers():
    table = load_optimizer_table()
    assert {"SGD", "Adam", "RMSprop"} <= set(table)
    assert "LossScaleOptimizer" not in table and "MultiOptimizer" not in table
    assert table["SGD"]["learning_rate"] == 0.01
    assert all("name" not in arguments for arguments in table.values())
