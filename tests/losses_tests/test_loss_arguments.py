"""The losses' arguments: the networks in their roles, the noise passed
to them, and the adaptive-contrast flag; each refused in one line
before anything is computed."""
import numpy
import pytest

import chainer

from vae_avb.links import AdaptiveContrastEncoder
from vae_avb.links import Adversary
from vae_avb.links import BernoulliDecoder
from vae_avb.links import GaussianEncoder
from vae_avb.links import NoiseEncoder
from vae_avb.links import Prior
from vae_avb.links import VAE
from vae_avb.losses import AdaptiveContrastLoss
from vae_avb.losses import AdversaryLoss
from vae_avb.losses import AvgELBOLoss
from vae_avb.losses import AVBLoss
from vae_avb.losses import ELBOLoss


def x_batch(n=3):
    return (numpy.arange(n * 6).reshape(n, 6) % 2).astype(numpy.float32)


@pytest.fixture
def nets():
    numpy.random.seed(0)
    return {'noise': NoiseEncoder(6, 2, 2, 8), 'decoder': BernoulliDecoder(
        2, 6, 8), 'adversary': Adversary(6, 2, 8, 2), 'gaussian':
        GaussianEncoder(6, 2, 8), 'ac': AdaptiveContrastEncoder(
            6, 2, 2, 3, 8, n_noise_hidden=4, n_noise_layers=1),
        'prior': Prior(2)}


def one_line_error(error, match, make):
    with pytest.raises(error, match=match) as info:
        make()
    assert '\n' not in str(info.value)


@pytest.mark.parametrize('make, match', [
    (lambda n: AVBLoss(n['noise'], n['decoder'], n['decoder']),
     r'AVBLoss: the adversary must be a Adversary or a HeadsAdversary \(or '
     r'a chainer.Link with constant\), got BernoulliDecoder; pass them in '
     r'the order AVBLoss\(encoder, decoder, adversary\)'),
    (lambda n: AVBLoss(n['noise'], n['decoder'], None),
     'the adversary must be .* got NoneType'),
    (lambda n: AVBLoss(n['gaussian'], n['decoder'], n['adversary']),
     'AVBLoss: the encoder must be a NoiseEncoder .* got GaussianEncoder'),
    (lambda n: AVBLoss(n['decoder'], n['noise'], n['adversary']),
     'AVBLoss: the encoder must be a NoiseEncoder .* got BernoulliDecoder'),
    (lambda n: AdaptiveContrastLoss(n['noise'], n['decoder'],
                                    n['adversary']),
     'AdaptiveContrastLoss: the encoder must be a AdaptiveContrastEncoder '
     r'\(or a chainer.Link with posterior\), got NoiseEncoder'),
    (lambda n: AdversaryLoss(n['adversary'], n['noise']),
     'AdversaryLoss: the encoder must be .* got Adversary; pass them in '
     r'the order AdversaryLoss\(encoder, adversary\)'),
    (lambda n: AdversaryLoss(n['noise'], None),
     'AdversaryLoss: the adversary must be .* got NoneType'),
    (lambda n: ELBOLoss(n['decoder']),
     r'ELBOLoss: the vae must be a VAE \(or a chainer.Link with encoder, '
     r'decode\), got BernoulliDecoder'),
    (lambda n: ELBOLoss(None), 'ELBOLoss: the vae must be a VAE'),
    (lambda n: AvgELBOLoss(n['decoder'], n['gaussian'], n['prior']),
     'AvgELBOLoss: the encoder must be a GaussianEncoder .* got '
     'BernoulliDecoder'),
    (lambda n: AvgELBOLoss(n['gaussian'], n['decoder'], None),
     'AvgELBOLoss: the prior must be a Prior'),
])
def test_networks_in_the_wrong_role_are_refused(nets, make, match):
    one_line_error(TypeError, match, lambda: make(nets))


def test_networks_of_other_packages_are_taken(nets):
    """Links of the user's own (not vae_avb's) need only what the loss
    calls."""
    class MyAdversary(chainer.Chain):
        def __init__(self, inner):
            super(MyAdversary, self).__init__()
            with self.init_scope():
                self.inner = inner

        def forward(self, x, z):
            return self.inner(x, z)

        def constant(self, x, z):
            return self.inner.constant(x, z)

    adversary = MyAdversary(nets['adversary'])
    loss = AVBLoss(nets['noise'], nets['decoder'], adversary)
    assert numpy.isfinite(float(loss(x_batch()).array))
    assert numpy.isfinite(float(AdversaryLoss(nets['noise'], adversary)(
        x_batch()).array))


def test_adversary_loss_flag_and_removed_fused(nets):
    one_line_error(TypeError, 'adaptive_contrast must be True or False, got '
                   "'no'", lambda: AdversaryLoss(
                       nets['ac'], nets['adversary'],
                       adaptive_contrast='no'))
    # The docstring's order, with the flag given by position: its third
    # argument is the removed fused=, and the message says so.
    one_line_error(TypeError, r'fused= was removed; .* for adaptive '
                   r'contrast pass adaptive_contrast=True by keyword \(the '
                   r'third positional argument is the removed fused=\)',
                   lambda: AdversaryLoss(nets['ac'], nets['adversary'],
                                         True))
    one_line_error(ValueError, 'an AdaptiveContrastEncoder is contrasted '
                   'through its normalized sample; pass '
                   'adaptive_contrast=True', lambda: AdversaryLoss(
                       nets['ac'], nets['adversary']))
    loss = AdversaryLoss(nets['ac'], nets['adversary'],
                         adaptive_contrast=numpy.bool_(True))
    assert loss.adaptive_contrast is True
    assert numpy.isfinite(float(loss(x_batch()).array))


@pytest.mark.parametrize('x, error, match', [
    (numpy.full((3, 6), numpy.nan, numpy.float32), ValueError,
     'AdversaryLoss: x contains NaN or inf'),
    (x_batch() * 2, ValueError, r'AdversaryLoss: x must lie in \[0, 1\]'),
    (x_batch() - 5, ValueError, r'x must lie in \[0, 1\]'),
    ([[0.] * 6] * 3, TypeError, 'AdversaryLoss: x must be an array'),
])
def test_adversary_loss_checks_x(nets, x, error, match):
    loss = AdversaryLoss(nets['noise'], nets['adversary'])
    one_line_error(error, match, lambda: loss(x))


@pytest.mark.parametrize('z_prior, error, match', [
    (numpy.zeros((3, 5), numpy.float32), ValueError,
     r'z_prior has shape \(3, 5\), expected \(3, 2\)'),
    (numpy.zeros((6, 2), numpy.float32), ValueError,
     r'z_prior has shape \(6, 2\), expected \(3, 2\)'),
    (numpy.zeros(3, numpy.float32), ValueError, 'z_prior has shape'),
    (numpy.zeros((3, 2)), TypeError, 'z_prior has dtype float64, expected '
     r'float32; convert with z_prior.astype\(numpy.float32\)'),
    ([[0., 0.]] * 3, TypeError, 'z_prior must be an array'),
    (numpy.full((3, 2), numpy.nan, numpy.float32), ValueError,
     'z_prior contains NaN or inf'),
])
def test_adversary_loss_checks_z_prior(nets, z_prior, error, match):
    loss = AdversaryLoss(nets['noise'], nets['adversary'])
    one_line_error(error, match, lambda: loss(x_batch(), z_prior=z_prior))


def test_adversary_loss_takes_z_prior_as_a_variable(nets):
    loss = AdversaryLoss(nets['noise'], nets['adversary'])
    z = numpy.random.standard_normal((3, 2)).astype(numpy.float32)
    eps = numpy.random.standard_normal((3, 2)).astype(numpy.float32)
    assert float(loss(x_batch(), eps, chainer.Variable(z)).array) == \
        float(loss(x_batch(), eps, z).array)


@pytest.mark.parametrize('k, eps, error, match', [
    (1, numpy.zeros((6, 2), numpy.float32), ValueError,
     r'ELBOLoss: eps has shape \(6, 2\), expected \(3, 2\)'),
    (2, numpy.zeros((3, 2), numpy.float32), ValueError,
     r'eps has shape \(3, 2\), expected \(6, 2\)'),
    (1, numpy.zeros((3, 2)), TypeError, 'eps has dtype float64, expected '
     'float32'),
    (1, numpy.zeros((3, 2), bool), TypeError, 'eps has dtype bool'),
    (1, numpy.zeros((3, 2), numpy.float16), TypeError,
     'eps has dtype float16'),
    (1, [[0., 0.]] * 3, TypeError, 'ELBOLoss: eps must be an array'),
    (1, numpy.full((3, 2), numpy.inf, numpy.float32), ValueError,
     'ELBOLoss: eps contains NaN or inf'),
])
def test_elbo_loss_checks_eps(nets, k, eps, error, match):
    loss = ELBOLoss(VAE(nets['gaussian'], nets['decoder']), k=k)
    one_line_error(error, match, lambda: loss(x_batch(), eps))


def test_elbo_loss_takes_eps_as_a_variable(nets):
    loss = ELBOLoss(VAE(nets['gaussian'], nets['decoder']))
    eps = numpy.random.standard_normal((3, 2)).astype(numpy.float32)
    assert float(loss(x_batch(), chainer.Variable(eps)).array) == \
        float(loss(x_batch(), eps).array)


def test_avg_elbo_loss_with_another_prior_goes_through_distributions(nets):
    """A prior other than N(0, I) with vae_avb's networks: the KL against
    it, from the same draws as with the standard prior (the reconstruction
    term is the same), so the difference of the two losses is the
    difference of the two closed-form KLs."""
    encoder, decoder = nets['gaussian'], nets['decoder']
    shifted = Prior(2)
    shifted.loc += 1
    x = x_batch(5)
    losses = []
    for prior in (nets['prior'], shifted):
        numpy.random.seed(1)
        losses.append(float(AvgELBOLoss(encoder, decoder, prior, k=3)(
            x).array))
    mu, ln_var = (v.array.astype(numpy.float64)
                  for v in encoder.moments(x))
    kl = [0.5 * numpy.sum((mu - m) ** 2 + numpy.exp(ln_var) - ln_var - 1,
                          axis=1).mean() for m in (0, 1)]
    numpy.testing.assert_allclose(losses[1] - losses[0], kl[1] - kl[0],
                                  rtol=1e-5)


@pytest.mark.parametrize('loss', ['avb', 'adversary', 'ac', 'ac_adversary'])
def test_noise_with_nan_is_refused_not_a_nan_loss(nets, loss):
    x = x_batch()
    if loss.startswith('ac'):
        eps = numpy.zeros((3, 3, 2), numpy.float32)
        eps[1, 2, 0] = numpy.nan
        make = {'ac': lambda: AdaptiveContrastLoss(
            nets['ac'], nets['decoder'], nets['adversary']),
            'ac_adversary': lambda: AdversaryLoss(
                nets['ac'], nets['adversary'], adaptive_contrast=True)}
        where = 'AdaptiveContrastEncoder'
    else:
        eps = numpy.full((3, 2), numpy.nan, numpy.float32)
        make = {'avb': lambda: AVBLoss(nets['noise'], nets['decoder'],
                                       nets['adversary']),
                'adversary': lambda: AdversaryLoss(nets['noise'],
                                                   nets['adversary'])}
        where = 'NoiseEncoder'
    one_line_error(ValueError, '{}: eps contains NaN or inf'.format(where),
                   lambda: make[loss]()(x, eps))
