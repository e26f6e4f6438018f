import numpy
import pytest

from vae_avb.visualization import tile_images

IMAGES = numpy.random.RandomState(0).uniform(size=(4, 6)).astype(
    numpy.float32)


def test_n_cols_as_float_or_numpy_integer():
    expected = tile_images(IMAGES, 2, image_shape=(2, 3))
    for n_cols in (2.0, numpy.int64(2)):
        numpy.testing.assert_array_equal(
            tile_images(IMAGES, n_cols, image_shape=(2, 3)), expected)


def test_list_of_rows():
    numpy.testing.assert_array_equal(
        tile_images(list(IMAGES), 2, image_shape=(2, 3)),
        tile_images(IMAGES, 2, image_shape=(2, 3)))


def test_padding_zero_and_largest():
    assert tile_images(IMAGES, 4, (2, 3), padding=0).shape == (2, 12)
    mosaic = tile_images(IMAGES, 4, (2, 3), padding=3)
    assert mosaic.shape == (2, 4 * 3 + 3 * 3)
    assert (mosaic[:, 3:6] == 1).all()  # white padding


BAD = [
    (dict(padding=-1), ValueError,
     r'^tile_images: padding must be an integer from 0 to 3, got -1$'),
    (dict(padding=1.5), ValueError, 'padding must be .* got 1.5'),
    (dict(padding=4), ValueError, 'padding must be .* from 0 to 3, got 4'),
    (dict(padding=10 ** 6), ValueError, 'padding must be .* got 1000000'),
    (dict(n_cols=0), ValueError,
     r'^tile_images: n_cols must be an integer from 1 to 4, got 0$'),
    (dict(n_cols=True), ValueError, 'n_cols must be .* got True'),
    (dict(n_cols=None), ValueError, 'n_cols must be .* got None'),
    (dict(n_cols=5), ValueError, 'n_cols must be an integer from 1 to 4'),
    (dict(n_cols=1000), ValueError, 'n_cols must be .* got 1000'),
    (dict(images=IMAGES[:0]), ValueError,
     'tile_images: images is empty; pass at least one'),
    (dict(image_shape=(6,)), ValueError,
     r'tile_images: image_shape must be \(height, width\), got \(6,\)'),
    (dict(image_shape=6), ValueError,
     r'image_shape must be \(height, width\), got 6'),
    (dict(image_shape=(3, 3)), ValueError,
     r'images has shape \(4, 6\), expected \(N, 9\)'),
    (dict(images=(IMAGES * 255).astype(numpy.uint8)), TypeError,
     '^tile_images: images has dtype uint8, expected floats; convert it'),
    (dict(images=IMAGES > 0.5), TypeError, 'dtype bool, expected floats'),
    (dict(images=IMAGES.astype(numpy.int32)), TypeError,
     'dtype int32, expected floats'),
    (dict(images=IMAGES * 255), ValueError,
     r'images must hold grey levels in \[0, 1\]'),
    (dict(images=numpy.full((4, 6), numpy.nan, numpy.float32)), ValueError,
     'tile_images: images contains NaN or inf'),
    (dict(images=None), TypeError, 'images must be an array'),
]


@pytest.mark.parametrize('change, error, match', BAD)
def test_bad_arguments(change, error, match):
    kwargs = dict(images=IMAGES, n_cols=2, image_shape=(2, 3))
    kwargs.update(change)
    with pytest.raises(error, match=match) as info:
        tile_images(**kwargs)
    assert '\n' not in str(info.value)
