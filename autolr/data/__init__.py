"""Training data: any Keras-layout `.npz` file, MNIST found the usual ways (or the copy of
its first 10,000 images shipped with autolr), or a user's own `module:function`.

Arrays are loaded once per process (cached by `DataSpec`), prepared for training (pixels
scaled, labels typed by the task, each step said in one line) and checked, so that bad
data fails before any study is made. The trainer moves them to the device once.
"""

from autolr.data.arrays import Dataset, check_dataset
from autolr.data.sources import MNIST_ENV, keras_cache_path, load_dataset

__all__ = ["MNIST_ENV", "Dataset", "check_dataset", "keras_cache_path", "load_dataset"]
