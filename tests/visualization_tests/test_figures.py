import numpy
import pytest

from vae_avb.links import BernoulliDecoder
from vae_avb.visualization import plot_latent_samples
from vae_avb.visualization import plot_manifold
from vae_avb.visualization import save_gif
from vae_avb.visualization import tile_images
from tests.visualization_tests.test_save_image_grid import read_png_size


def test_tile_images_places_each_image():
    # Distinct grey levels in [0, 1), none white.
    images = numpy.arange(5 * 6, dtype=numpy.float32).reshape(5, 6) / 30
    mosaic = tile_images(images, n_cols=2, image_shape=(2, 3), padding=1)
    assert mosaic.shape == (3 * 2 + 2, 2 * 3 + 1)
    numpy.testing.assert_array_equal(mosaic[0:2, 4:7], images[1].reshape(2, 3))
    numpy.testing.assert_array_equal(mosaic[6:8, 0:3], images[4].reshape(2, 3))
    assert (mosaic[6:8, 4:7] == 1).all()  # empty slot stays white


def test_save_gif_frames(tmp_path):
    from PIL import Image
    frames = [numpy.full((4, 5), v) for v in (0., 0.5, 1.)]
    path = save_gif(frames, str(tmp_path / 'a' / 'f.gif'), scale=3)
    with Image.open(path) as gif:
        assert gif.size == (15, 12)
        assert gif.n_frames == 3


def test_plot_manifold(tmp_path):
    decoder = BernoulliDecoder(2, 784, 16)
    path = plot_manifold(decoder, str(tmp_path / 'm.png'), n_grid=5,
                         z_path=numpy.array([[-1., -1.], [1., 1.]]))
    width, height = read_png_size(path)
    assert width > 100 and height > 100


def test_plot_manifold_needs_2d_latent(tmp_path):
    with pytest.raises(ValueError, match='--dim-z 2'):
        plot_manifold(BernoulliDecoder(3, 784, 16), str(tmp_path / 'm.png'))


def test_plot_latent_samples_panels(tmp_path):
    z = numpy.random.normal(size=(400, 2))
    labels = numpy.arange(400) % 4
    path = plot_latent_samples([('a', z, labels), ('b', z, labels)],
                               str(tmp_path / 'l.png'), centers=True)
    width, height = read_png_size(path)
    assert width > 1.5 * height
