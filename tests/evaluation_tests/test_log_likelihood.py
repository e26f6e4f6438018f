import itertools

import numpy
import pytest

import chainer

from vae_avb.evaluation import importance_weighted_log_likelihood
from vae_avb.evaluation import latent_grid
from vae_avb.evaluation import mean_report
from vae_avb.evaluation import quadrature_log_likelihood
from vae_avb.links import VAE
from vae_avb.losses import ELBOLoss


ALL_BINARY_4D = numpy.array(list(itertools.product([0, 1], repeat=4)),
                            dtype=numpy.float32)


@pytest.fixture
def vae():
    """A small 2-D latent VAE with weights large enough to matter."""
    model = VAE.mlp(n_in=4, n_latent=2, n_hidden=16)
    for param in model.params():
        param.array *= 3
    return model


def test_quadrature_matches_closed_form_when_decoder_ignores_z(vae):
    # With W = 0 in the first decoder layer, p(x|z) = p(x) is a fixed
    # product of Bernoullis and the integral is that product.
    vae.decoder.mlp[0].W.array[...] = 0
    logits = vae.decoder(numpy.zeros((1, 2), numpy.float32)).array[0]
    p = 1 / (1 + numpy.exp(-logits.astype(numpy.float64)))
    expected = numpy.log(numpy.where(ALL_BINARY_4D == 1, p, 1 - p)).sum(1)
    numpy.testing.assert_allclose(
        quadrature_log_likelihood(vae.decoder, ALL_BINARY_4D), expected,
        atol=1e-5)


def test_quadrature_is_a_normalised_distribution(vae):
    # p(x) summed over every binary vector of R^4 is 1.
    log_p = quadrature_log_likelihood(vae.decoder, ALL_BINARY_4D)
    assert numpy.exp(log_p).sum() == pytest.approx(1, abs=1e-4)


def test_quadrature_grid():
    z, volume = latent_grid(2, n_points=4, limit=2.)
    assert z.shape == (16, 2) and volume == 1.
    assert sorted(set(z[:, 0])) == [-1.5, -0.5, 0.5, 1.5]
    with pytest.raises(ValueError, match='1-D or 2-D'):
        latent_grid(3)


@pytest.fixture(scope='module')
def trained_vae():
    """A 2-D latent VAE trained 400 steps on the four points."""
    numpy.random.seed(0)
    loss = ELBOLoss(VAE.mlp(n_in=4, n_latent=2, n_hidden=32, n_layers=2))
    optimizer = chainer.optimizers.Adam(3e-3)
    optimizer.setup(loss)
    for _ in range(400):
        optimizer.update(loss, numpy.eye(4, dtype=numpy.float32)[
            numpy.random.randint(0, 4, 64)])
    return loss.vae


def test_iwae_bounds_exact_log_likelihood_and_tightens(trained_vae):
    vae = trained_vae
    x = numpy.eye(4, dtype=numpy.float32)
    exact = quadrature_log_likelihood(vae.decoder, x)
    # Averages over many repetitions, so that noise is far below the gaps.
    estimates = {}
    for k, repeats in ((1, 20000), (10, 2000), (1000, 20)):
        values = importance_weighted_log_likelihood(
            vae, numpy.tile(x, (repeats, 1)), k=k, batch_size=1000)
        estimates[k] = values.reshape(repeats, 4).mean(axis=0)
    # Lower bound in expectation, increasing with k.
    assert (estimates[1] < estimates[10]).all()
    assert (estimates[10] < estimates[1000] + 1e-3).all()
    assert (estimates[1000] <= exact + 0.01).all()
    numpy.testing.assert_allclose(estimates[1000], exact, atol=0.05)


def test_iwae_at_k1_is_elbo_in_expectation(vae, path):
    x = numpy.repeat(ALL_BINARY_4D[[1, 6]], 5000, axis=0)
    iwae = importance_weighted_log_likelihood(vae, x, k=1)
    elbo = -mean_report(ELBOLoss(vae), x, batch_size=1000)['loss']
    standard_error = iwae.std() / numpy.sqrt(len(iwae))
    assert abs(iwae.mean() - elbo) < 4 * standard_error


def test_iwae_chunking_does_not_change_the_estimate(vae):
    x = ALL_BINARY_4D[:6]
    numpy.random.seed(3)
    whole = importance_weighted_log_likelihood(vae, x, k=50, batch_size=6)
    numpy.random.seed(3)
    chunked = importance_weighted_log_likelihood(vae, x, k=50, batch_size=6,
                                                 max_rows=24)
    numpy.testing.assert_allclose(whole, chunked, rtol=1e-12)


def test_iwae_bad_arguments(vae):
    with pytest.raises(ValueError, match='k must be an integer from 1'):
        importance_weighted_log_likelihood(vae, ALL_BINARY_4D, k=0)
    with pytest.raises(ValueError, match=r'\[0, 1\]'):
        importance_weighted_log_likelihood(vae, ALL_BINARY_4D * 2, k=2)


def test_mean_report_weights_batches_by_size(vae):
    x = ALL_BINARY_4D[:10]
    loss = ELBOLoss(vae)
    eps_free = mean_report(loss, x, batch_size=3)
    assert set(eps_free) == {'loss', 'reconstruction', 'kl'}
    with chainer.no_backprop_mode():
        mu, ln_var = vae.encode(x)
    kl = 0.5 * (mu.array ** 2 + numpy.exp(ln_var.array) - ln_var.array
                - 1).sum(axis=1)
    assert eps_free['kl'] == pytest.approx(kl.mean(), rel=1e-5)


def test_mean_report_never_makes_a_batch_of_one(vae):
    seen = []

    class Recording(chainer.Chain):
        device = vae.device

        def forward(self, x):
            seen.append(len(x))
            chainer.report({'loss': float(len(x))}, self)

    assert mean_report(Recording(), ALL_BINARY_4D[:7], batch_size=3) == {
        'loss': (3 * 3 + 4 * 4) / 7.}
    assert seen == [3, 4]
