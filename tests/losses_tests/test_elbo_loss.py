import numpy
import pytest

import chainer
from chainer import gradient_check

from tests.losses_tests import naive
from vae_avb.links import VAE
from vae_avb.losses import ELBOLoss


@pytest.fixture
def model():
    with chainer.using_config('dtype', numpy.float64):
        return VAE.mlp(n_in=6, n_latent=2, n_hidden=5, n_layers=2)


def naive_elbo_terms(vae, x, eps, k):
    h = naive.mlp(vae.encoder.body, x, 'tanh', activate_output=True)
    head = h @ vae.encoder.head.W.array.T + vae.encoder.head.b.array
    mu, ln_var = head[:, :2], head[:, 2:]
    kl = 0.5 * (mu ** 2 + numpy.exp(ln_var) - ln_var - 1).sum(axis=1)
    reconstruction = numpy.zeros(len(x))
    for i in range(k):
        z = mu + numpy.exp(0.5 * ln_var) * eps[i * len(x):(i + 1) * len(x)]
        logits = naive.mlp(vae.decoder.mlp, z, 'tanh')
        reconstruction += naive.bernoulli_nll(x, logits) / k
    return reconstruction.mean(), kl.mean()


@pytest.mark.parametrize('k', [1, 3])
@pytest.mark.parametrize('beta', [1.0, 0.5])
def test_matches_naive_reference(model, k, beta, path):
    x = numpy.random.uniform(size=(4, 6))
    eps = numpy.random.standard_normal((k * 4, 2))
    loss = ELBOLoss(model, beta=beta, k=k)
    value, observation = naive.call_and_observe(loss, x, eps)
    reconstruction, kl = naive_elbo_terms(model, x, eps, k)
    numpy.testing.assert_allclose(value, reconstruction + beta * kl,
                                  rtol=1e-10)
    numpy.testing.assert_allclose(
        observation['reconstruction'], reconstruction, rtol=1e-10)
    numpy.testing.assert_allclose(observation['kl'], kl,
                                  rtol=1e-10)


def test_default_noise_is_f_gaussian_global_state(model, path):
    # With no eps, the draw is numpy's global standard normal, so a seed
    # reproduces it: the naive reference with that draw gives the loss.
    x = numpy.random.uniform(size=(4, 6))
    numpy.random.seed(7)
    value = ELBOLoss(model)(x).array
    numpy.random.seed(7)
    eps = numpy.random.standard_normal((4, 2))
    numpy.testing.assert_allclose(
        value, sum(naive_elbo_terms(model, x, eps, 1)), rtol=1e-10)


def test_gradient_wrt_parameters(model, path):
    x = numpy.random.uniform(0.1, 0.9, size=(3, 6))
    eps = numpy.random.standard_normal((6, 2))
    loss = ELBOLoss(model, k=2)
    params = [p for _, p in sorted(model.namedparams())]
    gradient_check.check_backward(
        lambda x: loss(x, eps), x, None, params=params,
        dtype=numpy.float64, atol=1e-6, rtol=1e-5)


def test_monte_carlo_average_over_k_reduces_variance(model):
    x = numpy.random.uniform(size=(4, 6))
    values = {k: [ELBOLoss(model, k=k)(x).array for _ in range(200)]
              for k in (1, 10)}
    assert numpy.std(values[10]) < 0.5 * numpy.std(values[1])
    # Both estimate the same expectation.
    assert abs(numpy.mean(values[10]) - numpy.mean(values[1])) < (
        4 * numpy.std(values[1]) / numpy.sqrt(200))


@pytest.mark.parametrize('kwargs, message', [
    ({'k': 0}, 'k must'), ({'k': 1.5}, 'k must'), ({'beta': -1}, 'beta')])
def test_bad_arguments(model, kwargs, message):
    with pytest.raises(ValueError, match=message):
        ELBOLoss(model, **kwargs)


def test_bad_data_is_named(model, path):
    x = numpy.random.uniform(size=(4, 6))
    x[1, 1] = 3.0
    with pytest.raises(ValueError, match=r'\[0, 1\]'):
        ELBOLoss(model)(x)
    x[1, 1] = numpy.nan
    with pytest.raises(ValueError, match='NaN'):
        ELBOLoss(model)(x)
