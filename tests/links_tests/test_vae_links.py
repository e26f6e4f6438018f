import numpy
import pytest

import chainer

from vae_avb.initializers import Xavier
from vae_avb.links import BernoulliDecoder
from vae_avb.links import GaussianEncoder
from vae_avb.links import VAE


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('n_layers', [1, 2])
def test_encoder_shapes(dtype, n_layers):
    with chainer.using_config('dtype', dtype):
        encoder = GaussianEncoder(12, 3, 10, n_layers)
    mu, ln_var = encoder(numpy.random.uniform(size=(5, 12)).astype(dtype))
    assert mu.shape == ln_var.shape == (5, 3)
    assert mu.dtype == ln_var.dtype == dtype
    assert len(encoder.body) == n_layers


def test_encoder_fused_head_has_per_head_statistics():
    encoder = GaussianEncoder(784, 20, 500)
    weights = encoder.head.W.array
    assert weights.shape == (40, 500)
    bound = Xavier(500, 20).bound(weights.shape)
    assert numpy.abs(weights).max() <= bound
    assert numpy.abs(weights).max() > 0.95 * bound


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_decoder_logits_and_probabilities(dtype):
    with chainer.using_config('dtype', dtype):
        decoder = BernoulliDecoder(3, 12, 10, 2)
    z = numpy.random.normal(size=(5, 3)).astype(dtype)
    logits = decoder(z)
    probabilities = decoder(z, sigmoid=True)
    assert logits.shape == probabilities.shape == (5, 12)
    assert logits.dtype == dtype
    numpy.testing.assert_allclose(
        probabilities.array, 1 / (1 + numpy.exp(-logits.array)), rtol=1e-5)


def test_vae_helpers():
    vae = VAE.mlp(12, 3, 10)
    x = numpy.random.uniform(size=(4, 12)).astype(numpy.float32)
    mu, _ = vae.encode(x)
    numpy.testing.assert_array_equal(
        vae.reconstruct(x).array, vae.decode(mu).array)
    numpy.testing.assert_array_equal(vae(x).array, vae.reconstruct(x).array)
    assert ((vae.reconstruct(x).array > 0)
            & (vae.reconstruct(x).array < 1)).all()
    samples = vae.sample(7)
    assert samples.shape == (7, 12)
    assert vae.sample_prior(7).dtype == numpy.float32


def test_vae_latent_mismatch():
    with pytest.raises(ValueError, match='n_latent'):
        VAE(GaussianEncoder(12, 3, 10), BernoulliDecoder(4, 12, 10))


def test_wrong_feature_size_is_named():
    encoder = GaussianEncoder(784, 2, 10)
    with pytest.raises(ValueError, match=r'shape \(3, 28, 28\).*784'):
        encoder(numpy.zeros((3, 28, 28), numpy.float32))
    with pytest.raises(ValueError, match='784'):
        encoder(numpy.zeros((3, 100), numpy.float32))


def test_wrong_dtype_is_named():
    encoder = GaussianEncoder(4, 2, 10)
    with pytest.raises(TypeError, match='float64.*float32'):
        encoder(numpy.zeros((3, 4), numpy.float64))
    with pytest.raises(TypeError, match='uint8'):
        encoder(numpy.zeros((3, 4), numpy.uint8))
    decoder = BernoulliDecoder(2, 4, 10)
    with pytest.raises(TypeError, match='z has dtype int64'):
        decoder(numpy.zeros((3, 2), numpy.int64))
