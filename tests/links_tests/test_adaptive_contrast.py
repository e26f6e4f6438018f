"""The adaptive-contrast encoder, loss and adversary (AVB Section 4)."""
import numpy
import pytest

import chainer
import chainer.functions as F
from chainer import gradient_check

from vae_avb import functions
from vae_avb.functions import contrast_gaussian
from vae_avb.links import AdaptiveContrastEncoder
from vae_avb.links import Adversary
from vae_avb.links import BernoulliDecoder
from vae_avb.links import ContrastPosterior
from vae_avb.links import NoiseBases
from vae_avb.losses import AdaptiveContrastLoss
from vae_avb.losses import AdversaryLoss
from vae_avb.losses.adaptive_contrast_loss import kl_terms
from vae_avb.optimizers import Adam


def data(n, d=6):
    return (numpy.random.rand(n, d) < 0.5).astype(numpy.float32)


def encoder(n_noise_layers=1, **kwargs):
    return AdaptiveContrastEncoder(6, 3, n_noise=4, n_basis=5, n_hidden=16,
                                   n_layers=1, n_noise_hidden=8,
                                   n_noise_layers=n_noise_layers, **kwargs)


def test_moments_match_monte_carlo():
    # q(z|x) for one x, sampled 50,000 times: the structural moments of
    # the batch are the sample's moments (the variance up to the batch's
    # chance correlations between bases, O(1 / sqrt(50,000))).
    enc = encoder()
    x = numpy.repeat(data(1), 50000, axis=0)
    z, mean, var = enc(x)
    numpy.testing.assert_allclose(z.array.mean(0), mean.array[0], atol=1e-4)
    numpy.testing.assert_allclose(z.array.var(0), var.array[0], rtol=0.02)
    # All rows share x, so all rows get the same moments.
    numpy.testing.assert_allclose(mean.array, mean.array[:1].repeat(50000, 0),
                                  rtol=1e-5, atol=1e-6)


def naive_coefficients(out, offset):
    # a_i = elu(l_i - offset) + 1 (the authors'), or l_i with None.
    if offset is None:
        return out
    shifted = out.astype(numpy.float64) - offset
    return numpy.where(shifted > 0, shifted, numpy.expm1(shifted)) + 1


@pytest.mark.parametrize('offset', [5., 0., None])
def test_moments_match_closed_form_for_linear_bases(offset):
    # With no hidden layer v_i = W_i^T eps_i + b_i: E[v_i] = b_i and
    # Var[v_i] = the squared column norms of W_i; then E[z|x] and
    # Var[z|x] follow from a_i(x), z0(x).
    enc = encoder(n_noise_layers=0, coefficient_offset=offset)
    W = enc.noise_W[0].W.array          # (n_basis, n_noise, n_latent)
    b = numpy.random.randn(5, 1, 3).astype(numpy.float32)
    enc.noise_b[0].b.array[...] = b
    exact = (b[:, 0], (W.astype(numpy.float64) ** 2).sum(axis=1))
    estimated = enc.noise_moments(400000)
    numpy.testing.assert_allclose(estimated[0], exact[0], atol=0.01)
    numpy.testing.assert_allclose(estimated[1], exact[1], rtol=0.01)
    x = data(4)
    z, mean, var = enc(x, moments=exact)
    out = enc.mlp(2 * x - 1).array
    z0 = out[:, :3]
    a = naive_coefficients(out[:, 3:], offset).reshape(4, 5, 3)
    numpy.testing.assert_allclose(
        mean.array, z0 + (a * exact[0][None]).sum(1), rtol=1e-5, atol=1e-6)
    numpy.testing.assert_allclose(
        var.array, (a ** 2 * exact[1][None]).sum(1), rtol=1e-5, atol=1e-7)


def test_coefficients_start_small_and_stay_positive():
    # The authors' a_i = elu(l_i - 5) + 1: about exp(-5) at the start, so
    # q(z|x) starts narrow; positive, to full relative precision, however
    # negative the outputs l_i grow (elu(s) + 1 itself rounds to 0).
    x = data(50)
    narrow = encoder()(x)[2].array
    linear = encoder(coefficient_offset=None)(x)[2].array
    assert narrow.max() < 1e-2 * linear.mean()
    enc = encoder(n_noise_layers=0)
    enc.mlp[-1].W.array[...] = 0
    enc.mlp[-1].b.array[...] = -15  # a_i = exp(-20), 2e-9
    moments = (numpy.zeros((5, 3)), numpy.ones((5, 3)))
    with chainer.no_backprop_mode():
        var = enc(x, moments=moments)[2].array
    numpy.testing.assert_allclose(var, 5 * numpy.exp(-40.), rtol=1e-5)


def test_normalized_sample_is_standardised():
    enc = encoder()
    x = numpy.repeat(data(1), 20000, axis=0)
    z_bar = enc.normalized_sample(x)
    numpy.testing.assert_allclose(z_bar.mean(0), 0, atol=1e-4)
    numpy.testing.assert_allclose(z_bar.var(0), 1, rtol=0.03)


def test_encoder_rejects_bad_input():
    enc = encoder()
    with pytest.raises(ValueError, match='noise_moments'):
        enc(data(1))
    with pytest.raises(ValueError, match='eps has shape'):
        enc(data(4), numpy.zeros((4, 5, 4), numpy.float32))
    with pytest.raises(ValueError, match='n_basis'):
        AdaptiveContrastEncoder(6, 3, n_basis=0)


def loss_on_a_batch(enc):
    """``(decoder, adversary, x, eps, loss value)`` of the AC loss on a
    batch of 8, for the naive references to recompute."""
    dec = BernoulliDecoder(3, 6, 16, 1)
    adv = Adversary(6, 3, 16, 2, prior_term=True, side_terms=True)
    loss = AdaptiveContrastLoss(enc, dec, adv)
    x = data(8)
    eps = enc.sample_noise(8)
    return dec, adv, x, eps, loss(x, eps).array


def test_loss_matches_naive_reference():
    enc = encoder()
    dec, adv, x, eps, value = loss_on_a_batch(enc)
    # The same terms in NumPy, float64.
    z, mean, var = (a.array.astype(numpy.float64) for a in enc(x, eps))
    z_bar = (z - mean) / numpy.sqrt(var)
    p = 1 / (1 + numpy.exp(-dec(z.astype(numpy.float32)).array))
    reconstruction = -(x * numpy.log(p) + (1 - x) * numpy.log(1 - p)).sum(1)
    t = adv(x, z_bar.astype(numpy.float32)).array
    log_r = (-0.5 * z_bar ** 2 - 0.5 * numpy.log(2 * numpy.pi * var)).sum(1)
    log_p = (-0.5 * z ** 2 - 0.5 * numpy.log(2 * numpy.pi)).sum(1)
    expected = (reconstruction + t + log_r - log_p).mean()
    assert value == pytest.approx(expected, rel=1e-4)


def test_loss_trains_encoder_and_decoder_only():
    enc = encoder()
    dec = BernoulliDecoder(3, 6, 16, 1)
    adv = Adversary(6, 3, 16, 2, side_terms=True)
    loss = AdaptiveContrastLoss(enc, dec, adv)
    for link in (loss, adv):
        link.cleargrads()
    loss(data(8)).backward()
    assert all(p.grad is None for p in adv.params())
    assert all(p.grad is not None and numpy.abs(p.grad).sum() > 0
               for p in loss.params())


def variances(n):
    return numpy.random.rand(n, 3) + 0.5


def covariances(n):
    root = numpy.random.randn(n, 3, 3)
    return root @ root.transpose(0, 2, 1) + 0.5 * numpy.eye(3)


class ZeroAdversary(object):

    """T = 0: the part of the KL estimate left in closed form."""

    def constant(self, x, z):
        return F.sum(z * 0, axis=1)


@pytest.mark.parametrize('spread', [variances, covariances])
def test_kl_terms_gradient(spread, path):
    # r(z|x) diagonal (variances) or full (covariance matrices).
    with chainer.using_config('dtype', numpy.float64):
        adv = Adversary(6, 3, 8, 2, prior_term=True, side_terms=True)
    x = data(5).astype(numpy.float64)
    z = numpy.random.randn(5, 3)
    mean = numpy.random.randn(5, 3) * 0.1
    moments = spread(5)

    def f(z):
        t, gaussian = kl_terms(adv, x, z, mean, moments)
        return t + gaussian
    gradient_check.check_backward(f, z, numpy.ones((), numpy.float64),
                                  dtype=numpy.float64, atol=1e-6, rtol=1e-5)


def gaussian_encoder():
    # Linear bases of Gaussian noise: q(z|x) is Gaussian. Its dimensions
    # are only weakly correlated here, so the diagonal z_bar is nearly
    # N(0, I) and the optimal adversary nearly T* = 0 (strong correlations
    # are left to T: see the contrast='full' tests below).
    return encoder(n_noise_layers=0)


def analytic_kl(mean, var):
    return 0.5 * (mean ** 2 + var - numpy.log(var) - 1).sum(-1)


def test_kl_estimate_is_the_analytic_kl_when_q_is_gaussian():
    enc = gaussian_encoder()
    x = numpy.repeat(data(2), 100000, axis=0)
    with chainer.no_backprop_mode():
        z, mean, var = enc(x)
    zero = ZeroAdversary()
    for rows in (slice(0, 100000), slice(100000, None)):
        _, gaussian = kl_terms(zero, x[rows], z[rows], mean.array[rows],
                               var.array[rows])
        expected = analytic_kl(mean.array[rows][0], var.array[rows][0])
        assert float(gaussian.array) == pytest.approx(float(expected),
                                                      abs=0.02)


def trained_contrast_adversary(enc, x):
    adv = Adversary(6, 3, 32, 2, prior_term=True, side_terms=True)
    adversary_loss = AdversaryLoss(enc, adv, adaptive_contrast=True)
    optimizer = Adam(3e-3, beta1=0.5)
    optimizer.setup(adversary_loss)
    batch = numpy.repeat(x, 64, axis=0)
    for _ in range(300):
        optimizer.update(adversary_loss, batch)
    return adv, adversary_loss


def test_trained_adversary_finds_nothing_to_contrast_for_gaussian_q():
    # At the optimum T = log q(z_bar|x) - log N(z_bar) = 0: a trained
    # adversary stays at chance and the full estimate T + log r - log p
    # is the analytic KL.
    enc = gaussian_encoder()
    enc.mlp[-1].W.array *= 3  # posteriors far from the prior
    x = data(4)
    adv, adversary_loss = trained_contrast_adversary(enc, x)
    big = numpy.repeat(x, 5000, axis=0)
    with chainer.no_backprop_mode():
        z, mean, var = enc(big)
        t, gaussian = kl_terms(adv, big, z, mean.array, var.array)
    expected = analytic_kl(mean.array, var.array).mean()
    assert expected > 2  # a KL worth estimating
    assert abs(float(t.array)) < 0.1
    assert float(t.array + gaussian.array) == pytest.approx(
        float(expected), abs=0.1)
    assert adversary_loss(big).array == pytest.approx(2 * numpy.log(2),
                                                      abs=0.02)


def test_adversary_loss_needs_an_adaptive_contrast_encoder():
    from vae_avb.links import NoiseEncoder
    with pytest.raises(ValueError, match='AdaptiveContrastEncoder'):
        AdversaryLoss(NoiseEncoder(6, 3), Adversary(6, 3, 8),
                      adaptive_contrast=True)


def test_adversary_side_terms_match_naive_reference():
    adv = Adversary(6, 3, 16, 2, prior_term=True, side_terms=True)
    x = data(5)
    z = numpy.random.randn(10, 3).astype(numpy.float32)
    g = adv.x_tower(2 * x - 1).array
    h = adv.z_tower(z).array
    g2 = numpy.concatenate([g, g])
    expected = ((g2 * h).sum(1) / 16 + (g2 @ adv.x_head.W.array.T)[:, 0]
                + adv.x_head.b.array + (h @ adv.z_head.W.array.T)[:, 0]
                + adv.z_head.b.array + 0.5 * (z ** 2).sum(1))
    numpy.testing.assert_allclose(adv(x, z, shared_x=True).array, expected,
                                  rtol=1e-5, atol=1e-5)
    numpy.testing.assert_allclose(
        adv(numpy.concatenate([x, x]), z).array, expected, rtol=1e-5,
        atol=1e-5)
    # Constant: gradients reach z, no parameter.
    adv.cleargrads()
    zv = chainer.Variable(z)
    F.sum(adv.constant(x, zv, shared_x=True)).backward()
    assert zv.grad is not None
    assert all(p.grad is None for p in adv.params())


def test_adversary_side_terms_gradient(path):
    with chainer.using_config('dtype', numpy.float64):
        adv = Adversary(6, 3, 8, 2, side_terms=True)
    x = data(4).astype(numpy.float64)
    z = numpy.random.randn(4, 3)
    gradient_check.check_backward(
        lambda x, z: adv(x, z), (x, z), numpy.random.randn(4),
        dtype=numpy.float64, atol=1e-6, rtol=1e-5,
        params=(adv.x_head.W, adv.z_head.W))


@pytest.mark.parametrize('offset', [5., None])
def test_encoder_gradient(offset):
    # z, E[z|x] and Var[z|x] against numerical gradients, in x and in the
    # x network's last layer (where the coefficients a_i come from).
    with chainer.using_config('dtype', numpy.float64):
        enc = encoder(coefficient_offset=offset)
    # Outputs near the offset, where both branches of elu(s) + 1 act.
    enc.mlp[-1].b.array[3:] = 0 if offset is None else offset
    x = numpy.random.rand(4, 6)
    eps = numpy.random.randn(5, 4, 4)

    def f(x):
        return enc(x, eps)
    directions = [numpy.random.randn(4, 3) for _ in range(3)]
    gradient_check.check_backward(
        f, x, directions, params=(enc.mlp[-1].W, enc.mlp[-1].b),
        dtype=numpy.float64, atol=1e-5, rtol=1e-4)


# contrast='full': r(z|x) with the full covariance of q(z|x).

def full_encoder(**kwargs):
    return encoder(contrast='full', **kwargs)


def test_full_covariance_matches_monte_carlo():
    enc = full_encoder()
    x = numpy.repeat(data(1), 50000, axis=0)
    with chainer.no_backprop_mode():
        z, mean, cov = enc.contrast_moments(x)
    z = z.array.astype(numpy.float64)
    assert cov.shape == (50000, 3, 3)
    numpy.testing.assert_allclose(z.mean(0), mean[0], atol=1e-3)
    numpy.testing.assert_allclose(numpy.cov(z.T, bias=True), cov[0],
                                  rtol=0.03, atol=0.02 * cov[0].max())
    # Its diagonal is the variance of forward (the diagonal contrast).
    var = enc(x[:4], moments=enc.noise_moments(covariance=False))[2].array
    fixed = enc.noise_moments(covariance=True)
    _, _, cov4 = enc.contrast_moments(x[:4], moments=fixed)
    numpy.testing.assert_allclose(numpy.diagonal(cov4, axis1=1, axis2=2),
                                  var, rtol=0.05)


def test_full_normalized_sample_is_white():
    # The correlations of q(z|x) are gone after L^-1, not only the scales.
    enc = full_encoder()
    x = numpy.repeat(data(1), 20000, axis=0)
    z_bar = enc.normalized_sample(x).astype(numpy.float64)
    numpy.testing.assert_allclose(z_bar.mean(0), 0, atol=1e-4)
    numpy.testing.assert_allclose(numpy.cov(z_bar.T, bias=True),
                                  numpy.eye(3), atol=0.03)
    z, mean, var = enc(x)
    correlation = numpy.corrcoef(z.array.T)
    assert numpy.abs(correlation - numpy.eye(3)).max() > 0.1  # had some


def analytic_full_kl(mean, cov):
    return 0.5 * (numpy.trace(cov) + mean @ mean - len(mean)
                  - numpy.linalg.slogdet(cov)[1])


def test_full_gaussian_part_is_the_analytic_kl_for_gaussian_q():
    # Linear bases: q(z|x) is a correlated Gaussian; T* = 0 and the
    # closed-form part E[log r - log p] is KL(q, p) with the full
    # covariance (the diagonal r would leave the correlations to T).
    enc = full_encoder(n_noise_layers=0)
    W = enc.noise_W[0].W.array  # (n_basis, n_noise, n_latent)
    W[:, :, 1] = W[:, :, 0] + 0.3 * W[:, :, 1]  # z_0, z_1 correlated
    x = numpy.repeat(data(2), 100000, axis=0)
    zero = ZeroAdversary()
    with chainer.no_backprop_mode():
        z, mean, cov = enc.contrast_moments(x)
    for rows in (slice(0, 100000), slice(100000, None)):
        _, gaussian = kl_terms(zero, x[rows], z[rows], mean[rows],
                               cov[rows])
        expected = analytic_full_kl(mean[rows][0].astype(numpy.float64),
                                    cov[rows][0].astype(numpy.float64))
        assert float(gaussian.array) == pytest.approx(expected, abs=0.02)
        diagonal = analytic_kl(mean[rows][0],
                               numpy.diagonal(cov[rows][0]))
        assert diagonal < expected - 0.3  # the correlations' share


def test_full_loss_matches_naive_reference():
    enc = full_encoder()
    dec, adv, x, eps, value = loss_on_a_batch(enc)
    # The same terms in NumPy, float64, from the structure: per-basis
    # covariances of the batch's v_i, Cholesky, triangular solve.
    out = enc.mlp(2 * x - 1).array.astype(numpy.float64)
    z0 = out[:, :3]
    a = naive_coefficients(out[:, 3:], 5.).reshape(8, 5, 3)
    v = enc.bases(eps).array.astype(numpy.float64)       # (5, 8, 3)
    centred = v - v.mean(1, keepdims=True)
    cov_v = numpy.einsum('kbi,kbj->kij', centred, centred) / 8
    z = z0 + numpy.einsum('bki,kbi->bi', a, v)
    mean = z0 + numpy.einsum('bki,ki->bi', a, v.mean(1))
    expected = []
    for b in range(8):
        cov = sum(numpy.outer(a[b, k], a[b, k]) * cov_v[k]
                  for k in range(5))
        lower = numpy.linalg.cholesky(cov)
        z_bar = numpy.linalg.solve(lower, z[b] - mean[b])
        logit = dec(z[b:b + 1].astype(numpy.float32)).array[0]
        p = 1 / (1 + numpy.exp(-logit.astype(numpy.float64)))
        reconstruction = -(x[b] * numpy.log(p)
                           + (1 - x[b]) * numpy.log(1 - p)).sum()
        t = adv(x[b:b + 1], z_bar[None].astype(numpy.float32)).array[0]
        log_r = -0.5 * z_bar @ z_bar - numpy.log(numpy.diag(lower)).sum()
        log_p = -0.5 * z[b] @ z[b]
        expected.append(reconstruction + t + log_r - log_p)
    assert value == pytest.approx(numpy.mean(expected), rel=1e-4)


def correlated_gaussian_encoder(contrast):
    # Linear bases whose first two latent outputs are nearly the same:
    # q(z|x) is a strongly correlated Gaussian.
    enc = encoder(n_noise_layers=0, contrast=contrast)
    W = enc.noise_W[0].W.array  # (n_basis, n_noise, n_latent)
    W[:, :, 1] = W[:, :, 0] + 0.2 * W[:, :, 1]
    last = enc.mlp[-1].W.array  # rows: z0 (3), then a_i (5 x 3)
    last *= 3
    last[4::3] = last[3::3]  # a_i of z_1 = a_i of z_0
    return enc


def test_full_trained_adversary_at_chance_for_correlated_gaussian_q():
    # With the full r, z_bar is exactly N(0, I): a trained adversary finds
    # nothing (it cannot beat chance, 2 log 2) and the estimate is the
    # analytic KL. The diagonal r leaves the correlation for the adversary
    # to find, and it does.
    x = data(4)
    state = numpy.random.get_state()
    enc = correlated_gaussian_encoder('full')
    adv, adversary_loss = trained_contrast_adversary(enc, x)
    big = numpy.repeat(x, 5000, axis=0)
    with chainer.no_backprop_mode():
        z, mean, cov = enc.contrast_moments(big)
        t, gaussian = kl_terms(adv, big, z, mean, cov)
        chance = float(adversary_loss(big).array) - 2 * numpy.log(2)
    expected = numpy.mean([analytic_full_kl(
        mean[i * 5000].astype(numpy.float64),
        cov[i * 5000].astype(numpy.float64)) for i in range(4)])
    assert expected > 2
    assert abs(float(t.array)) < 0.1
    assert float(t.array + gaussian.array) == pytest.approx(expected,
                                                            abs=0.1)
    assert -0.01 < chance < 0.05
    # The same encoder and training with the diagonal r.
    numpy.random.set_state(state)
    enc = correlated_gaussian_encoder('diagonal')
    adv, adversary_loss = trained_contrast_adversary(enc, x)
    with chainer.no_backprop_mode():
        chance = float(adversary_loss(big).array) - 2 * numpy.log(2)
    assert chance < -0.1


def test_full_contrast_bad_settings():
    with pytest.raises(ValueError, match="'diagonal' or 'full'"):
        encoder(contrast='ful')
    enc = full_encoder()
    with pytest.raises(ValueError, match='covariance=True'):
        enc.contrast_moments(data(4), moments=enc.noise_moments())
    # The diagonal contrast wants variances, not covariances.
    enc = encoder()
    with pytest.raises(ValueError, match='covariance=False'):
        enc.contrast_moments(data(4),
                             moments=enc.noise_moments(covariance=True))


@pytest.mark.parametrize('fixed', [False, True])
def test_diagonal_contrast_moments_are_forwards_constants(fixed):
    # contrast_moments gives forward's mean and variance as arrays, on the
    # same noise, with the batch's moments or fixed ones.
    enc = encoder()
    x = data(7)
    eps = enc.sample_noise(7)
    moments = enc.noise_moments() if fixed else None
    z, mean, var = enc(x, eps, moments)
    z2, mean2, var2 = enc.contrast_moments(x, eps, moments)
    assert isinstance(mean2, numpy.ndarray)
    assert isinstance(var2, numpy.ndarray)
    numpy.testing.assert_allclose(z2.array, z.array, rtol=1e-6)
    numpy.testing.assert_allclose(mean2, mean.array, rtol=1e-5, atol=1e-6)
    numpy.testing.assert_allclose(var2, var.array, rtol=1e-5, atol=1e-7)


# The structure: the noise bases as a Link, one posterior, r(z|x) from
# vae_avb.functions (the algebra is tested in functions_tests).

def test_algebra_still_importable_from_the_encoder_module():
    from vae_avb.links import adaptive_contrast_encoder as module
    for name in ('basis_moments', 'basis_covariance', 'whitening',
                 'lower_inverse', 'standardize'):
        assert getattr(module, name) is getattr(functions, name)
    assert module.VAR_FLOOR == 1e-12 and module.COV_JITTER == 1e-6


def test_parameter_paths_are_those_of_earlier_model_files():
    enc = encoder()
    assert isinstance(enc, NoiseBases)
    assert [name for name, _ in enc.namedparams()] == [
        '/mlp/0/W', '/mlp/0/b', '/mlp/1/W', '/mlp/1/b', '/noise_W/0/W',
        '/noise_W/1/W', '/noise_b/0/b', '/noise_b/1/b']
    assert enc.noise_W[0].W.shape == (5, 4, 8)
    assert enc.noise_b[1].b.shape == (5, 1, 3)


def test_noise_bases_alone():
    bases = NoiseBases(4, 3, n_basis=5, n_hidden=8, n_layers=1)
    assert [name for name, _ in bases.namedparams()] == [
        '/noise_W/0/W', '/noise_W/1/W', '/noise_b/0/b', '/noise_b/1/b']
    eps = bases.sample_noise(7)
    assert eps.shape == (5, 7, 4) and eps.dtype == numpy.float32
    v = bases(eps)
    assert v.shape == (5, 7, 3)
    # Basis i is its own MLP of eps_i.
    h = numpy.maximum(eps[2] @ bases.noise_W[0].W.array[2]
                      + bases.noise_b[0].b.array[2], 0)
    expected = h @ bases.noise_W[1].W.array[2] + bases.noise_b[1].b.array[2]
    numpy.testing.assert_allclose(v.array[2], expected, rtol=1e-5,
                                  atol=1e-6)
    mean, var = bases.noise_moments(1000)
    assert mean.shape == var.shape == (5, 3)
    with pytest.raises(ValueError, match='NoiseBases: eps has shape'):
        bases(numpy.zeros((5, 7, 3), numpy.float32))
    with pytest.raises(ValueError, match='NoiseBases: n_hidden'):
        NoiseBases(4, 3, n_hidden=0)


def test_encoder_bases_are_a_noise_bases_with_its_parameters():
    enc = encoder()
    bases = NoiseBases(4, 3, n_basis=5, n_hidden=8, n_layers=1)
    bases.copyparams(enc)  # the same paths
    eps = enc.sample_noise(6)
    numpy.testing.assert_array_equal(bases(eps).array, enc.bases(eps).array)


@pytest.mark.parametrize('contrast', ['diagonal', 'full'])
def test_posterior_is_the_one_route(contrast):
    enc = encoder(contrast=contrast)
    x = data(6)
    eps = enc.sample_noise(6)
    posterior = enc.posterior(x, eps)
    assert isinstance(posterior, ContrastPosterior)
    assert isinstance(posterior.z, chainer.Variable)
    assert posterior.z.creator is not None
    assert isinstance(posterior.mean, numpy.ndarray)
    assert posterior.spread.shape == ((6, 3, 3) if contrast == 'full'
                                      else (6, 3))
    for a, b in zip(enc.contrast_moments(x, eps), posterior):
        numpy.testing.assert_array_equal(chainer.as_array(a),
                                         chainer.as_array(b))
    r = contrast_gaussian(posterior.mean, posterior.spread)
    numpy.testing.assert_array_equal(enc.normalized_sample(x, eps),
                                     r.whiten(posterior.z.array))
    # forward: the diagonal posterior with the moments' graph.
    moments = enc.noise_moments()
    z, mean, var = enc(x, eps, moments)
    diagonal = enc.posterior(x, eps, moments, contrast='diagonal')
    numpy.testing.assert_array_equal(z.array, diagonal.z.array)
    numpy.testing.assert_array_equal(mean.array, diagonal.mean)
    numpy.testing.assert_array_equal(var.array, diagonal.spread)
    with pytest.raises(ValueError, match="'diagonal' or 'full'"):
        enc.posterior(x, eps, contrast='ful')
    with pytest.raises(ValueError, match='forward.*covariance=False'):
        enc(x, eps, enc.noise_moments(covariance=True))


def test_ais_start_from_the_contrast_gaussian():
    # The start distribution AIS takes: r(z|x) with fixed noise moments,
    # diagonal whatever the encoder's contrast.
    enc = encoder(contrast='full')
    x = data(1)
    moments = enc.noise_moments()
    with chainer.no_backprop_mode(), chainer.using_config('train', False):
        r = contrast_gaussian(*enc.posterior(
            x, moments=moments, contrast='diagonal')[1:])
        _, mean, var = enc(x, moments=moments)
    numpy.testing.assert_array_equal(r.mean, mean.array)
    numpy.testing.assert_array_equal(r.scale, numpy.sqrt(var.array))


@pytest.mark.parametrize('n_samples', [0, 1, -1, 2.5, True, None])
def test_noise_moments_need_two_draws(n_samples):
    """Defect 02: 0 gave NaN moments, 1 zero variances (a normalized
    sample of -1e4), -1 and 2.5 NumPy's errors."""
    enc = encoder()
    with pytest.raises(ValueError, match='AdaptiveContrastEncoder.'
                       'noise_moments: n_samples must be an integer from 2 '
                       'to 2147483647'):
        enc.noise_moments(n_samples)
    mean, var = enc.noise_moments(2.0)
    assert mean.shape == var.shape == (5, 3)


def test_noise_moments_covariance_must_be_a_bool():
    """Defect 13."""
    with pytest.raises(TypeError, match='noise_moments: covariance must be '
                       "True or False, got 'yes'"):
        encoder().noise_moments(100, covariance='yes')


@pytest.mark.parametrize('bad, items', [
    (lambda m: (m[0],), '1 item'), (lambda m: 5, 'a int'),
    (lambda m: {'a': 1}, 'a dict'), (lambda m: (m[0], m[1], 'junk'),
                                     '3 item')])
@pytest.mark.parametrize('method', ['forward', 'posterior',
                                    'normalized_sample'])
def test_moments_must_be_a_pair(bad, items, method):
    """Defect 03: (E,) was an IndexError, 5 a TypeError, a dict a KeyError,
    and a 3-tuple was silently cut to two."""
    enc = encoder()
    m = enc.noise_moments(100)
    with pytest.raises(ValueError, match=r'moments must be a pair \(E\[v\], '
                       r'Var\[v\]\), got {}'.format(items)):
        getattr(enc, method)(data(1), moments=bad(m))


def test_moments_must_be_arrays_of_numbers():
    enc = encoder()
    m = enc.noise_moments(100)
    for bad in ((m[0], 'junk'), (None, m[1])):
        with pytest.raises(TypeError, match=r'AdaptiveContrastEncoder: '
                           r'moments\[\d\] must be an array of numbers'):
            enc(data(1), moments=bad)
    # Lists of numbers are arrays still, as before.
    x, eps = data(2), enc.sample_noise(2)
    lists = enc.posterior(x, eps, moments=[m[0].tolist(), m[1].tolist()])
    numpy.testing.assert_array_equal(
        lists.spread, enc.posterior(x, eps, moments=m).spread)


@pytest.mark.parametrize('contrast', ['diagonal', 'full'])
def test_moments_values_are_checked(contrast):
    """Defect 03: NaN moments gave a NaN mean, negative variances a
    negative spread; the moments are small (n_basis, n) arrays, so they
    are read while type_check is on."""
    enc = full_encoder() if contrast == 'full' else encoder()
    mean, spread = enc.noise_moments(100, covariance=contrast == 'full')
    nan_mean = mean.copy()
    nan_mean[1, 2] = numpy.nan
    with pytest.raises(ValueError, match=r'AdaptiveContrastEncoder: '
                       r'moments\[0\] \(E\[v\]\) contains NaN or inf'):
        enc.posterior(data(2), moments=(nan_mean, spread))
    negative = spread.copy()
    if contrast == 'full':
        negative[0, 1, 1] = -1
    else:
        negative[0, 1] = -1
    with pytest.raises(ValueError, match=r'AdaptiveContrastEncoder: '
                       r'moments\[1\] holds negative variances \(down to '
                       r'-1\)'):
        enc.posterior(data(2), moments=(mean, negative))
    # With type_check off nothing is read, as check_values does.
    with chainer.using_config('type_check', False):
        assert numpy.isnan(enc.posterior(
            data(2), moments=(nan_mean, spread)).mean).any()


@pytest.mark.parametrize('kwargs, message', [
    (dict(n_basis=2 ** 30), r'n_latent \* \(1 \+ n_basis\) \(the x '
     r'network\'s outputs\) is 3221225475, above 2147483647; lower n_basis'),
    (dict(n_in=0), 'n_in must be an integer from 1'),
    (dict(n_hidden=1.5), 'n_hidden must be an integer from 1'),
    (dict(n_layers='2'), 'n_layers must be an integer from 0 to 1000'),
    (dict(center_x='False'), 'center_x must be True or False'),
    (dict(initialW=numpy.zeros((16, 6), 'f')),
     r'initialW is an array of shape \(16, 6\) but it initialises layers of '
     r'shapes \(16, 6\), \(12, 16\), \(3, 2, 3\)'),
    (dict(initial_bias=numpy.zeros((3, 1, 3), 'f')),
     r'initial_bias is an array of shape \(3, 1, 3\)'),
    (dict(initialW=1e39), 'initialW must fit'),
])
def test_encoder_checks_its_own_settings(kwargs, message):
    """Defects 06, 11, 13: sizes refused by MLP under its name (n_basis
    2**30 as 'MLP: n_out ... 3221225475'), flags taken as they came."""
    args = dict(n_in=6, n_latent=3, n_noise=2, n_basis=3, n_hidden=16,
                n_layers=1, n_noise_hidden=8, n_noise_layers=0)
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError),
                       match='AdaptiveContrastEncoder: ' + message) as info:
        AdaptiveContrastEncoder(**args)
    assert '\n' not in str(info.value)


def test_noise_bases_sample_noise_count():
    """Defect 12."""
    with pytest.raises(ValueError, match='NoiseBases.sample_noise: '
                       'batch_size must be an integer from 1'):
        NoiseBases(2, 3, 4, 5, 1).sample_noise(0)


@pytest.mark.parametrize('dtype, offset, fits', [
    (numpy.float32, 3e38, True), (numpy.float32, -1e39, False),
    (numpy.float32, 1e300, False), (numpy.float64, 1e300, True),
    (numpy.float16, 7e4, False)])
def test_coefficient_offset_must_fit_the_networks_floats(dtype, offset,
                                                         fits):
    # An offset beyond the dtype's range was inf in the forward pass: every
    # coefficient 0 (a warning, not an error).
    with chainer.using_config('dtype', dtype):
        if fits:
            assert encoder(coefficient_offset=offset).coefficient_offset \
                == offset
            return
        with pytest.raises(ValueError, match='coefficient_offset .* does not '
                           'fit the networks\' ' + numpy.dtype(dtype).name):
            encoder(coefficient_offset=offset)
