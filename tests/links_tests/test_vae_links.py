import re

import numpy
import pytest

import chainer
import chainer.distributions as D

from vae_avb.initializers import Xavier
from vae_avb.links import BernoulliDecoder
from vae_avb.links import DistributionDecoder
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


def test_vae_data_size_mismatch():
    """Defect 04: only n_latent was compared; data of 5 values came back
    as 7."""
    with pytest.raises(ValueError, match=r'VAE: the encoder takes data of 5 '
                       r'values \(n_in\) but the decoder gives 7 \(n_out\); '
                       'build both for the same data size'):
        VAE(GaussianEncoder(5, 2, 3), BernoulliDecoder(2, 7, 3))


@pytest.mark.parametrize('encoder, decoder', [
    (None, None), (GaussianEncoder(5, 2, 3), None),
    (BernoulliDecoder(2, 5, 3), GaussianEncoder(5, 2, 3).head)])
def test_vae_needs_an_encoder_and_a_decoder(encoder, decoder):
    """Defect 04: VAE(None, None) was an AttributeError."""
    with pytest.raises(TypeError, match=r'VAE: pass VAE\(encoder, decoder\)'
                       ) as info:
        VAE(encoder, decoder)
    assert '\n' not in str(info.value)


@pytest.mark.parametrize('n_layers', ['2', None, True, 1.5, 0, 10 ** 9])
def test_encoder_checks_n_layers_itself(n_layers):
    """Defect 06: '2' and None hit '<', True was taken as 1, 1.5 came back
    from MLP as 0.5 with MLP's bounds."""
    with pytest.raises(ValueError, match=r'GaussianEncoder: n_layers must '
                       r'be an integer from 1 to 1000, got {}'.format(
                           re.escape(repr(n_layers)))):
        GaussianEncoder(4, 2, 3, n_layers=n_layers)


@pytest.mark.parametrize('make, message', [
    (lambda: GaussianEncoder(0, 2, 3), 'GaussianEncoder: n_in'),
    (lambda: GaussianEncoder(4, 2, 0), 'GaussianEncoder: n_hidden'),
    (lambda: BernoulliDecoder(2, 0, 3), 'BernoulliDecoder: n_out'),
    (lambda: BernoulliDecoder(2, 4, 3.5), 'BernoulliDecoder: n_hidden'),
    (lambda: BernoulliDecoder(2, 4, 3, -1), 'BernoulliDecoder: n_layers'),
])
def test_networks_name_themselves(make, message):
    with pytest.raises(ValueError, match=message + ' must be an integer'):
        make()


def test_decoder_hint_names_the_argument():
    """Defect 09: the hint said numpy.asarray(x, ...) for z."""
    with pytest.raises(TypeError, match=r'BernoulliDecoder: z must be an '
                       r'array .* got list; convert it with '
                       r'numpy.asarray\(z, numpy.float32\)'):
        BernoulliDecoder(2, 4, 3)([[0., 0.]])
    with chainer.using_config('dtype', numpy.float64):
        decoder = BernoulliDecoder(2, 4, 3)
    with pytest.raises(TypeError, match=r'numpy.asarray\(z, numpy.float64\)'):
        decoder.constant([[0., 0.]])


def test_overflowing_scalar_initializer():
    """Defect 10: initial_bias=1e300 gave mu = inf."""
    with pytest.raises(ValueError, match=r'GaussianEncoder: initial_bias '
                       r'must fit the parameters\' dtype float32'):
        GaussianEncoder(4, 2, 3, initial_bias=1e300)


def test_encoder_array_initializer_names_itself():
    """Defect 11: the packed head (4, 3) does not take a (3, 4) array."""
    with pytest.raises(ValueError, match=r'GaussianEncoder: initialW is an '
                       r'array of shape \(3, 4\) but it initialises layers '
                       r'of shapes \(3, 4\), \(4, 3\)'):
        GaussianEncoder(4, 2, 3, initialW=numpy.zeros((3, 4), 'f'))


@pytest.mark.parametrize('call, message', [
    (lambda v: v.sample_prior(-1), 'VAE.sample_prior: n .* got -1'),
    (lambda v: v.sample_prior(2.5), 'VAE.sample_prior: n .* got 2.5'),
    (lambda v: v.sample_prior(True), 'VAE.sample_prior: n .* got True'),
    (lambda v: v.sample(0), 'VAE.sample: n must be an integer from 1'),
])
def test_sample_counts_are_checked(call, message):
    """Defect 12: NumPy's errors, or 'z is an empty batch' for n=0."""
    with pytest.raises(ValueError, match=message):
        call(VAE.mlp(4, 2, 3))


def test_whole_float_counts_still_sample():
    vae = VAE.mlp(4, 2, 3)
    assert vae.sample_prior(3.0).shape == (3, 2)
    assert vae.sample(2.0).shape == (2, 4)


@pytest.mark.parametrize('call', [
    lambda v, z: v.decoder(z, sigmoid='no'),
    lambda v, z: v.decode(z, sigmoid=None),
    lambda v, z: v.sample(2, sigmoid='False'),
    lambda v, z: v.reconstruct(numpy.zeros((2, 4), 'f'), sigmoid=1),
    lambda v, z: v.decoder.distribution(z, binary_check='yes')])
def test_flags_must_be_bools(call):
    """Defect 13: a string flag was taken as true."""
    vae = VAE.mlp(4, 2, 3)
    with pytest.raises(TypeError, match='must be True or False'):
        call(vae, numpy.zeros((2, 2), 'f'))


@pytest.mark.parametrize('binary_check', [False, True])
@pytest.mark.parametrize('value, message', [
    (2., r'DistributionDecoder log_prob: x must lie in \[0, 1\] for a '
     r'Bernoulli likelihood, found values in \[0, 2\]'),
    (numpy.nan, 'DistributionDecoder log_prob: x contains NaN or inf'),
    (-numpy.inf, 'DistributionDecoder log_prob: x contains NaN or inf'),
])
def test_log_prob_checks_x(binary_check, value, message):
    """Defect 08: x = 2 was a FloatingPointError from Chainer, NaN gave
    NaN; log_likelihood refuses both in one line."""
    decoder = DistributionDecoder(2, 4, 3, binary_check=binary_check)
    z = numpy.random.normal(size=(3, 2)).astype('f')
    x = numpy.zeros((3, 4), 'f')
    x[1, 2] = value
    with pytest.raises(ValueError, match=message):
        decoder(z).log_prob(x)
    with pytest.raises(ValueError, match=message.split(': ')[1]):
        decoder.log_likelihood(x, z)
    with pytest.raises(TypeError, match='log_prob: x must be an array'):
        decoder(z).log_prob(x.tolist())


def test_log_prob_binary_check_refuses_grey_data():
    """Defect 08: with binary_check=True, 0.5 gave -inf though the
    docstring says the flag makes log_prob refuse it."""
    z = numpy.random.normal(size=(3, 2)).astype('f')
    x = numpy.full((3, 4), 0.5, 'f')
    checked = DistributionDecoder(2, 4, 3, binary_check=True)
    with pytest.raises(ValueError, match=r'DistributionDecoder log_prob: x '
                       r'has values other than 0 and 1 but the decoder was '
                       r'built with binary_check=True; binarize'):
        checked(z).log_prob(x)
    # Without the flag grey data are a Bernoulli likelihood as before.
    plain = DistributionDecoder(2, 4, 3)
    plain.copyparams(checked)
    assert numpy.isfinite(plain(z).log_prob(x).array).all()
    # Without type_check nothing is read: Chainer's -inf, as before.
    with chainer.using_config('type_check', False):
        assert (checked(z).log_prob(x).array == -numpy.inf).all()
    binary = (numpy.random.uniform(size=(3, 4)) > 0.5).astype('f')
    numpy.testing.assert_array_equal(
        checked(z).log_prob(binary).array, plain(z).log_prob(binary).array)


def test_decoder_distributions_keep_their_kl():
    """The checked Bernoulli keeps Chainer's KL (found by exact type)."""
    decoder = BernoulliDecoder(2, 4, 3)
    z = numpy.random.normal(size=(2, 3, 2)).astype('f')
    p, q = decoder.distribution(z[0]), decoder.distribution(z[1])
    expected = chainer.kl_divergence(
        D.Independent(D.Bernoulli(logit=decoder(z[0])), 1),
        D.Independent(D.Bernoulli(logit=decoder(z[1])), 1))
    numpy.testing.assert_allclose(chainer.kl_divergence(p, q).array,
                                  expected.array, rtol=1e-6)
    # And mixed with Chainer's own Bernoulli, either way round.
    p0, p1 = (D.Bernoulli(logit=decoder(zi)) for zi in z)
    numpy.testing.assert_allclose(
        chainer.kl_divergence(p.distribution, p1).array,
        chainer.kl_divergence(p0, p1).array, rtol=1e-6)
    numpy.testing.assert_allclose(
        chainer.kl_divergence(p0, q.distribution).array,
        chainer.kl_divergence(p0, p1).array, rtol=1e-6)
