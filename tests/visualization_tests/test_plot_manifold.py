import numpy
import pytest

from vae_avb.links import BernoulliDecoder
from vae_avb.links import GaussianEncoder
from vae_avb.links import VAE
from vae_avb.visualization import plot_manifold
from tests.visualization_tests.helpers import assert_closes_figures
from tests.visualization_tests.helpers import assert_refused
from tests.visualization_tests.test_save_image_grid import read_png_size


def test_other_image_shape(tmp_path):
    decoder = BernoulliDecoder(2, 16, 4)
    path = plot_manifold(decoder, str(tmp_path / 'm.png'), n_grid=3,
                         image_shape=(2, 8))
    assert read_png_size(path)[0] > 100


BAD = [
    (dict(decoder=VAE.mlp(784, 2, 4)), TypeError,
     r'^plot_manifold: decoder must be a BernoulliDecoder \(of a VAE: '
     r'vae.decoder\), got VAE \(it has no n_out, dtype\)$'),
    (dict(decoder=GaussianEncoder(784, 2, 4)), TypeError,
     'decoder must be a BernoulliDecoder .* got GaussianEncoder'),
    (dict(decoder=None), TypeError,
     'decoder must be a BernoulliDecoder .* got NoneType'),
    (dict(n_grid=0), ValueError,
     '^plot_manifold: n_grid must be an integer from 1 to 100, got 0$'),
    (dict(n_grid=-2), ValueError, 'n_grid must be .* got -2'),
    (dict(n_grid=2.5), ValueError, 'n_grid must be .* got 2.5'),
    (dict(n_grid=True), ValueError, 'n_grid must be .* got True'),
    (dict(n_grid=10 ** 5), ValueError,
     'n_grid must be an integer from 1 to 100, got 100000'),
    (dict(limit=-2), ValueError,
     '^plot_manifold: limit must be a finite number above 0, got -2$'),
    (dict(limit=float('inf')), ValueError, 'limit must be .* got inf'),
    (dict(limit=float('nan')), ValueError, 'limit must be .* got nan'),
    (dict(z_path=numpy.zeros(5)), ValueError,
     r'^plot_manifold: z_path has shape \(5,\), expected \(N, 2\)'),
    (dict(z_path=numpy.zeros((5, 3))), ValueError,
     r'z_path has shape \(5, 3\), expected \(N, 2\)'),
    (dict(z_path=numpy.zeros((5, 2), complex)), TypeError,
     'z_path has dtype complex128, expected real numbers'),
    (dict(decoder=BernoulliDecoder(2, 16, 4)), ValueError,
     r'^plot_manifold: image_shape \(28, 28\) holds 784 pixels but the '
     'decoder writes 16; pass the image_shape of its images$'),
    (dict(image_shape=(28,)), ValueError,
     r'image_shape must be \(height, width\), got \(28,\)'),
]


@pytest.mark.parametrize('change, error, match', BAD)
def test_bad_arguments_refused_before_writing(png, change, error, match):
    kwargs = dict(decoder=BernoulliDecoder(2, 784, 4), n_grid=3)
    kwargs.update(change)
    assert_refused(lambda: plot_manifold(path=png.path, **kwargs), error,
                   match, png)


def test_figure_closed_when_drawing_fails(png, monkeypatch):
    assert_closes_figures(monkeypatch, 'imshow', lambda: plot_manifold(
        BernoulliDecoder(2, 784, 4), png.path, n_grid=2), png)
