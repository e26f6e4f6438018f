import itertools

import numpy
import pytest

import chainer

from vae_avb.evaluation import importance_weighted_log_likelihood
from vae_avb.evaluation import latent_grid
from vae_avb.evaluation import mean_report
from vae_avb.evaluation import quadrature_log_likelihood
from vae_avb.evaluation.log_weights import logsumexp
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


def test_logsumexp_of_zero_weights_is_minus_infinity():
    # Hostile review of 2026-12-06: NaN (-inf - -inf).
    a = numpy.array([[-numpy.inf, 0., -numpy.inf, numpy.inf],
                     [-numpy.inf, 0., -1., -1.]])
    got = logsumexp(a)
    assert got[0] == -numpy.inf and got[3] == numpy.inf
    assert got[1] == numpy.log(2.) and got[2] == -1.
    # Finite slices: the maximum is the shift, as before.
    b = numpy.random.RandomState(0).normal(size=(5, 3)) * 100
    top = b.max(axis=0)
    numpy.testing.assert_array_equal(
        logsumexp(b), top + numpy.log(numpy.exp(b - top).sum(axis=0)))


def test_iwae_refuses_a_nan_estimate_of_float16():
    """float16 with large weights overflows: one line saying so, not NaN
    (hostile review of 2026-12-06)."""
    numpy.random.seed(0)
    with chainer.using_config('dtype', numpy.float16):
        model = VAE.mlp(n_in=784, n_latent=3, n_hidden=16)
    for param in model.params():
        param.array *= 1000
    x = (numpy.random.rand(4, 784) < 0.5).astype(numpy.float16)
    with pytest.raises(ValueError, match='NaN for 4 of the examples 0 to 3: '
                       "the model's float16 overflows") as info:
        importance_weighted_log_likelihood(model, x, k=3)
    assert 'float32' in str(info.value) and '\n' not in str(info.value)


def test_iwae_takes_a_variable_and_refuses_odd_input(vae):
    numpy.random.seed(1)
    want = importance_weighted_log_likelihood(vae, ALL_BINARY_4D, k=3)
    numpy.random.seed(1)
    got = importance_weighted_log_likelihood(
        vae, chainer.Variable(ALL_BINARY_4D), k=3)
    numpy.testing.assert_array_equal(got, want)
    for x, match in ((None, 'x must be an array'),
                     (numpy.float32(1), 'scalar'),
                     (ALL_BINARY_4D.astype(object), 'holds object'),
                     (ALL_BINARY_4D + 1j, 'complex')):
        with pytest.raises(TypeError, match=match):
            importance_weighted_log_likelihood(vae, x, k=2)
    with pytest.raises(TypeError, match=r'vae must be the whole model .* '
                       r'the arguments are \(vae, x'):
        importance_weighted_log_likelihood(vae.decoder, ALL_BINARY_4D, k=2)


def test_quadrature_takes_a_variable_and_refuses_odd_input(vae):
    want = quadrature_log_likelihood(vae.decoder, ALL_BINARY_4D, n_points=8)
    got = quadrature_log_likelihood(vae.decoder,
                                    chainer.Variable(ALL_BINARY_4D),
                                    n_points=8)
    numpy.testing.assert_array_equal(got, want)
    with pytest.raises(TypeError, match='x is complex'):
        quadrature_log_likelihood(vae.decoder, ALL_BINARY_4D + 5j)
    with pytest.raises(TypeError, match='return_error must be True or '
                       'False'):
        quadrature_log_likelihood(vae.decoder, ALL_BINARY_4D, n_points=8,
                                  return_error='no')
    z, volume = latent_grid(2.0, n_points=4, limit=2.)
    assert z.shape == (16, 2) and volume == 1.


def test_mean_report_refuses_what_reports_nothing_and_takes_lists(vae):
    # A VAE instead of its loss reported nothing and gave {}.
    with pytest.raises(ValueError, match='VAE reported nothing'):
        mean_report(vae, ALL_BINARY_4D)
    with pytest.raises(TypeError, match='loss must be a loss calculator'):
        mean_report(None, ALL_BINARY_4D)

    class Fixed(chainer.Chain):
        device = vae.device

        def forward(self, x):
            chainer.report({'loss': float(x.sum())}, self)

    want = mean_report(Fixed(), ALL_BINARY_4D, batch_size=4)
    assert mean_report(Fixed(), ALL_BINARY_4D.tolist(), batch_size=4) == \
        want
    assert mean_report(Fixed(), chainer.Variable(ALL_BINARY_4D),
                       batch_size=4) == want
