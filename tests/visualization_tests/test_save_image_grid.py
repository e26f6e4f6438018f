import numpy
import pytest

from vae_avb.visualization import save_image_grid
from tests.visualization_tests.helpers import assert_closes_figures
from tests.visualization_tests.helpers import assert_refused


def read_png_size(path):
    with open(path, 'rb') as f:
        header = f.read(24)
    assert header[:8] == b'\x89PNG\r\n\x1a\n'
    return int.from_bytes(header[16:20], 'big'), int.from_bytes(
        header[20:24], 'big')


def test_writes_png(tmp_path):
    images = numpy.random.uniform(size=(9, 784)).astype(numpy.float32)
    path = save_image_grid(images, str(tmp_path / 'sub' / 'grid.png'),
                           title='nine')
    width, height = read_png_size(path)
    assert width > 50 and height > 50


def test_non_square_images(tmp_path):
    images = numpy.random.uniform(size=(5, 12))
    path = save_image_grid(images, str(tmp_path / 'g.png'), n_cols=5,
                           image_shape=(3, 4))
    width, height = read_png_size(path)
    assert width > height


@pytest.mark.parametrize('n_cols', [2, 2.0, numpy.int64(4), None])
def test_n_cols_accepted(tmp_path, n_cols):
    images = numpy.random.uniform(size=(4, 784))
    assert read_png_size(save_image_grid(
        images, str(tmp_path / 'g.png'), n_cols=n_cols))[0] > 50


@pytest.mark.parametrize('images', [
    numpy.random.uniform(size=(4, 784)) > 0.5,  # binarized
    numpy.ones((4, 784), numpy.uint8),
    [numpy.zeros(784), numpy.ones(784)],
])
def test_real_images_in_unit_interval_accepted(tmp_path, images):
    assert read_png_size(save_image_grid(images, str(tmp_path / 'g.png')))


GOOD = numpy.random.RandomState(0).uniform(size=(4, 784)).astype(
    numpy.float32)
BAD = [
    (dict(n_cols=0), ValueError,
     r'^save_image_grid: n_cols must be an integer from 1 to 4, got 0$'),
    (dict(n_cols=-2), ValueError, 'n_cols must be an integer .* got -2$'),
    (dict(n_cols=1.5), ValueError, 'n_cols must be an integer .* got 1.5$'),
    (dict(n_cols=True), ValueError, 'n_cols must be an integer .* got True'),
    (dict(n_cols='2'), ValueError, "n_cols must be an integer .* got '2'"),
    (dict(n_cols=float('nan')), ValueError, 'n_cols must .* got nan'),
    (dict(n_cols=5), ValueError, 'n_cols must be an integer from 1 to 4'),
    (dict(n_cols=10 ** 6), ValueError,
     'n_cols must be an integer from 1 to 4, got 1000000'),
    (dict(images=GOOD[:0]), ValueError,
     '^save_image_grid: images is empty; pass at least one'),
    (dict(images=GOOD[:, :100]), ValueError,
     r'images has shape \(4, 100\), expected \(N, 784\).*pass the '
     'image_shape'),
    (dict(images=GOOD.reshape(4, 28, 28)), ValueError,
     r'images has shape \(4, 28, 28\), expected \(N, 784\)'),
    (dict(images=GOOD[0]), ValueError, r'images has shape \(784,\)'),
    (dict(images=GOOD, image_shape=(784,)), ValueError,
     r'image_shape must be \(height, width\), got \(784,\)'),
    (dict(images=GOOD, image_shape=(-28, -28)), ValueError,
     r'image_shape\[0\] must be an integer from 1'),
    (dict(images=GOOD.astype(complex)), TypeError,
     'images has dtype complex128, expected real numbers'),
    (dict(images=GOOD.astype(object)), TypeError,
     'images has dtype object, expected real numbers'),
    (dict(images=None), TypeError, 'images must be an array .* got NoneType'),
    (dict(images='abcd'), TypeError, 'images must be an array .* got str'),
    (dict(images=numpy.full((4, 784), numpy.nan)), ValueError,
     '^save_image_grid: images contains NaN or inf'),
    (dict(images=numpy.full((4, 784), numpy.inf)), ValueError,
     'images contains NaN or inf'),
    (dict(images=GOOD * 255), ValueError,
     r'images must hold grey levels in \[0, 1\].* found values in \[.*, '
     r'.*\]; rescale them'),
    (dict(images=(GOOD * 255).astype(numpy.uint8)), ValueError,
     r'images must hold grey levels in \[0, 1\]'),
    (dict(images=GOOD - 0.5), ValueError,
     r'images must hold grey levels in \[0, 1\]'),
    (dict(images=numpy.zeros((1001, 4), numpy.float32), image_shape=(2, 2)),
     ValueError, r'^save_image_grid: at most 1000 images \(one subplot '
     r'each\), got 1001; .*tile_images$'),
]


@pytest.mark.parametrize('change, error, match', BAD)
def test_bad_arguments_refused_before_writing(png, change, error, match):
    kwargs = dict(images=GOOD)
    kwargs.update(change)
    assert_refused(lambda: save_image_grid(path=png.path, **kwargs), error,
                   match, png)


def test_figure_closed_when_drawing_fails(png, monkeypatch):
    assert_closes_figures(monkeypatch, 'imshow', lambda: save_image_grid(
        GOOD, png.path), png)
