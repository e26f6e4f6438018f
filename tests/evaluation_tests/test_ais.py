"""Annealed importance sampling: against quadrature and IWAE."""
import numpy
import pytest

import chainer

from vae_avb.datasets import FourPointsIterator
from vae_avb.evaluation import ais_log_likelihood
from vae_avb.evaluation import importance_weighted_log_likelihood
from vae_avb.evaluation import quadrature_log_likelihood
from vae_avb.links import BernoulliDecoder
from vae_avb.links import VAE
from vae_avb.losses import ELBOLoss
from vae_avb.optimizers import Adam


@pytest.fixture
def model():
    """A 2-D latent decoder of 12 binary pixels and six data points."""
    decoder = BernoulliDecoder(2, 12, 32, 2, 'tanh')
    x = (numpy.random.rand(6, 12) < 0.5).astype(numpy.float32)
    exact = quadrature_log_likelihood(decoder, x, n_points=400, limit=6.)
    return decoder, x, exact


@pytest.mark.parametrize('adapt', [False, True])
def test_ais_matches_quadrature_from_the_prior(model, adapt, path):
    decoder, x, exact = model
    estimate, acceptance = ais_log_likelihood(
        decoder, x, n_temperatures=500, n_leapfrog=5, step_size=0.1,
        n_chains=64, adapt_step_size=adapt, return_acceptance=True)
    assert estimate.shape == (6,)
    # The chains' log-weights spread by about 0.1 nats here (less with
    # more temperatures): 64 chains leave errors of a few hundredths.
    assert numpy.abs(estimate - exact).max() < 0.06
    assert abs((estimate - exact).mean()) < 0.03
    assert 0.3 < acceptance <= 1


def test_ais_matches_quadrature_from_a_gaussian_start(model):
    decoder, x, exact = model
    # Broader than the prior: a narrower start gives importance weights
    # of infinite variance in the prior's tails.
    mean = numpy.full((6, 2), 0.3, numpy.float32)
    std = numpy.full((6, 2), 1.3, numpy.float32)
    estimate = ais_log_likelihood(decoder, x, 500, 5, 0.1, 64,
                                  start=(mean, std), batch_size=4)
    assert numpy.abs(estimate - exact).max() < 0.06


def test_ais_beats_one_sample_importance_sampling_on_a_sharp_model():
    # A peaked posterior: annealing must move the chains there. One
    # temperature is plain importance sampling from the prior with
    # n_chains samples, far below the exact value; 300 get close.
    decoder = BernoulliDecoder(2, 40, 32, 2, 'tanh')
    for layer in decoder.mlp:
        layer.W.array *= 3
    x = (numpy.random.rand(4, 40) < 0.5).astype(numpy.float32)
    exact = quadrature_log_likelihood(decoder, x, n_points=600, limit=6.)
    plain = ais_log_likelihood(decoder, x, 1, 1, 0.1, 4)
    annealed = ais_log_likelihood(decoder, x, 1000, 5, 0.1, 4,
                                  adapt_step_size=True)
    assert (exact - annealed).mean() < 0.5
    assert (exact - plain).mean() > 2 * (exact - annealed).mean()


def test_ais_matches_iwae_on_a_trained_vae():
    # The four-point VAE after a short training. Its posteriors are
    # wedges of the prior, wider than the encoder's Gaussians, so the
    # importance weights of both estimates are heavy-tailed: IWAE with
    # 5,000 samples can miss the exact value by 0.07 nats; AIS from the
    # encoder's Gaussian with 1,000 temperatures must be within 0.03 of it
    # and near IWAE.
    vae = VAE.mlp(4, 2, 32, 2, 'tanh')
    loss = ELBOLoss(vae)
    optimizer = Adam(3e-3)
    optimizer.setup(loss)
    iterator = FourPointsIterator(128, seed=0, as_array=True)
    for _ in range(600):
        optimizer.update(loss, iterator.next())
    x = numpy.eye(4, dtype=numpy.float32)
    iwae = importance_weighted_log_likelihood(vae, x, k=5000)
    with chainer.no_backprop_mode():
        mu, ln_var = vae.encode(x)
    start = (mu.array, numpy.exp(0.5 * ln_var.array))
    ais = ais_log_likelihood(vae.decoder, x, 1000, 5, 0.1, 64, start=start)
    exact = quadrature_log_likelihood(vae.decoder, x)
    numpy.testing.assert_allclose(ais, exact, atol=0.03)
    numpy.testing.assert_allclose(ais, iwae, atol=0.1)
    assert abs((ais - iwae).mean()) < 0.03
    # Training made the model better than chance.
    assert exact.mean() > -2.


def test_ais_leaves_the_decoder_unchanged(model, path):
    decoder, x, _ = model
    decoder.cleargrads()
    before = [p.array.copy() for p in decoder.params()]
    ais_log_likelihood(decoder, x, 5, 2, 0.1, 2)
    for p, b in zip(decoder.params(), before):
        numpy.testing.assert_array_equal(p.array, b)
        assert p.grad is None


@pytest.mark.parametrize('kwargs, match', [
    ({'n_temperatures': 0}, 'n_temperatures'),
    ({'n_chains': 1.5}, 'n_chains'),
    ({'step_size': 0.}, 'step_size'),
    ({'start': (numpy.zeros((6, 3)), numpy.ones((6, 3)))}, 'start mean'),
])
def test_ais_rejects_bad_settings(model, kwargs, match):
    decoder, x, _ = model
    with pytest.raises(ValueError, match=match):
        ais_log_likelihood(decoder, x, **kwargs)


def test_ais_rejects_data_of_the_wrong_size(model):
    decoder, x, _ = model
    with pytest.raises(ValueError, match=r'pass \(N, 12\)'):
        ais_log_likelihood(decoder, x[:, :5])


@pytest.mark.parametrize('start, match', [
    # Checked as the decoder's float32 takes them (hostile review of
    # 2026-12-06: each gave NaN estimates, silently).
    ((numpy.zeros((6, 2)), numpy.full((6, 2), 1e-46)), 'round to 0'),
    ((numpy.zeros((6, 2)), numpy.full((6, 2), 1e39)), 'start std holds '
     'values beyond'),
    ((numpy.full((6, 2), 1e39), numpy.ones((6, 2))), 'start mean holds '
     'values beyond'),
    ((numpy.full((6, 2), 1e30), numpy.ones((6, 2))), 'square overflows'),
    ((numpy.zeros((6, 2)), numpy.full((6, 2), 1e30)), 'square overflows'),
    ((numpy.zeros((6, 2)),), r'a pair \(mean, std\)'),
    (numpy.zeros((6, 2)), r'a pair \(mean, std\)'),
    ((numpy.zeros((6, 2)) + 1j, numpy.ones((6, 2))), 'complex'),
])
def test_ais_checks_the_start_as_the_decoder_takes_it(model, start, match):
    decoder, x, _ = model
    with pytest.raises((ValueError, TypeError), match=match) as info:
        ais_log_likelihood(decoder, x, 3, 2, 0.1, 2, start=start)
    assert '\n' not in str(info.value)


def test_ais_takes_variables_and_lists_as_arrays(model):
    decoder, x, _ = model
    start = (numpy.zeros((6, 2), numpy.float32),
             numpy.ones((6, 2), numpy.float32))
    numpy.random.seed(2)
    want = ais_log_likelihood(decoder, x, 3, 2, 0.1, 2, start=start)
    for x_in, start_in in (
            (chainer.Variable(x), tuple(chainer.Variable(a)
                                        for a in start)),
            (x.tolist(), [a.tolist() for a in start])):
        numpy.random.seed(2)
        got = ais_log_likelihood(decoder, x_in, 3, 2, 0.1, 2,
                                 start=start_in)
        numpy.testing.assert_array_equal(got, want)


@pytest.mark.parametrize('x, error, match', [
    (None, TypeError, 'x must be an array'),
    (numpy.float32(1), TypeError, 'scalar'),
    (numpy.zeros((6, 12), object), TypeError, 'holds object, not numbers'),
    (numpy.zeros((6, 12)) + 5j, TypeError, 'complex'),
])
def test_ais_refuses_what_is_no_real_array(model, x, error, match):
    decoder, _, _ = model
    with pytest.raises(error, match=match):
        ais_log_likelihood(decoder, x, 3, 2, 0.1, 2)


def test_ais_refuses_too_many_temperatures_and_non_bool_flags(model):
    decoder, x, _ = model
    # Every beta is built at once: 2^31 of them took 16 GiB.
    with pytest.raises(ValueError, match='n_temperatures must be an '
                       'integer from 1 to 10000000'):
        ais_log_likelihood(decoder, x, n_temperatures=2 ** 31 - 1)
    with pytest.raises(TypeError, match='progress must be True or False'):
        ais_log_likelihood(decoder, x, 3, progress='no')


def test_ais_refuses_a_nan_estimate(model):
    decoder, x, _ = model
    decoder.mlp[0].W.array[...] = numpy.nan
    with pytest.raises(ValueError, match='the estimate is NaN for 6 of the '
                       'examples 0 to 5: the decoder gives NaN'):
        ais_log_likelihood(decoder, x, 3, 2, 0.1, 2)
