import numpy
import pytest

import chainer
from chainer import gradient_check

from tests.losses_tests import naive
from vae_avb.links import Adversary
from vae_avb.links import BernoulliDecoder
from vae_avb.links import NoiseEncoder
from vae_avb.losses import AdversaryLoss
from vae_avb.losses import AVBLoss


@pytest.fixture
def nets():
    with chainer.using_config('dtype', numpy.float64):
        nets = (NoiseEncoder(4, 2, 3, 6, 2),
                BernoulliDecoder(2, 4, 6, 2),
                Adversary(4, 2, 6, 2, prior_term=True))
    # Zero biases can leave a ReLU input exactly at its kink, where finite
    # differences and backprop legitimately disagree.
    for net in nets:
        for name, param in net.namedparams():
            if name.endswith('/b'):
                param.array[...] = numpy.random.uniform(
                    0.1, 0.5, param.shape)
    return nets


def naive_encoder(encoder, x, eps):
    return naive.mlp(encoder.mlp, numpy.concatenate((2 * x - 1, eps), 1),
                     'relu')


def test_avb_loss_matches_naive_reference(nets, path):
    encoder, decoder, adversary = nets
    x = numpy.eye(4)[[0, 1, 2, 3, 1]]
    eps = numpy.random.standard_normal((5, 3))
    loss = AVBLoss(encoder, decoder, adversary)
    value, observation = naive.call_and_observe(loss, x, eps)
    z = naive_encoder(encoder, x, eps)
    reconstruction = naive.bernoulli_nll(
        x, naive.mlp(decoder.mlp, z, 'tanh')).mean()
    kl = naive.adversary(adversary, x, z).mean()
    numpy.testing.assert_allclose(value, reconstruction + kl, rtol=1e-10)
    numpy.testing.assert_allclose(observation['kl'], kl,
                                  rtol=1e-10)
    numpy.testing.assert_allclose(
        observation['reconstruction'], reconstruction, rtol=1e-10)


def test_avb_loss_gradient(nets, path):
    encoder, decoder, adversary = nets
    x = numpy.random.uniform(0.1, 0.9, (3, 4))
    eps = numpy.random.standard_normal((3, 3))
    loss = AVBLoss(encoder, decoder, adversary)
    # The adversary is only used: its parameters get no gradient.
    params = [p for net in (encoder, decoder)
              for _, p in sorted(net.namedparams())]
    gradient_check.check_backward(
        lambda x: loss(x, eps), x, None, params=params,
        dtype=numpy.float64, eps=1e-6, atol=1e-6, rtol=1e-5)


def test_avb_loss_leaves_the_adversary_without_gradient(nets, path):
    encoder, decoder, adversary = nets
    loss = AVBLoss(encoder, decoder, adversary)
    for net in nets:
        net.cleargrads()
    loss(numpy.eye(4), numpy.random.standard_normal((4, 3))).backward()
    assert all(p.grad is None for p in adversary.params())
    assert all(p.grad is not None
               for net in (encoder, decoder) for p in net.params())


def test_adversary_loss_matches_naive_reference(nets, path):
    encoder, _, adversary = nets
    x = numpy.eye(4)[[0, 1, 2, 3]]
    eps = numpy.random.standard_normal((4, 3))
    z_prior = numpy.random.standard_normal((4, 2))
    value = AdversaryLoss(encoder, adversary)(x, eps, z_prior).array
    t_q = naive.adversary(adversary, x, naive_encoder(encoder, x, eps))
    t_p = naive.adversary(adversary, x, z_prior)
    expected = (numpy.logaddexp(0, -t_q).mean()
                + numpy.logaddexp(0, t_p).mean())
    numpy.testing.assert_allclose(value, expected, rtol=1e-10)


@pytest.mark.parametrize('side_terms', [False, True])
@pytest.mark.parametrize('prior_term', [False, True])
def test_both_paths_match_naive_reference(path, side_terms, prior_term):
    # AdversaryLoss(NoiseEncoder, Adversary(side_terms=True)) on the
    # reference path once raised Chainer's InvalidType (issue 23); both
    # paths now give the reference with every adversary form.
    with chainer.using_config('dtype', numpy.float64):
        encoder = NoiseEncoder(4, 2, 3, 6, 2)
        decoder = BernoulliDecoder(2, 4, 6, 2)
        adversary = Adversary(4, 2, 6, 2, prior_term=prior_term,
                              side_terms=side_terms)
    x = numpy.eye(4)[[0, 1, 2, 3, 1]]
    eps = numpy.random.standard_normal((5, 3))
    z_prior = numpy.random.standard_normal((5, 2))
    z = naive_encoder(encoder, x, eps)
    t_q = naive.adversary(adversary, x, z)
    t_p = naive.adversary(adversary, x, z_prior)
    value = AdversaryLoss(encoder, adversary)(x, eps, z_prior).array
    numpy.testing.assert_allclose(
        value, numpy.logaddexp(0, -t_q).mean()
        + numpy.logaddexp(0, t_p).mean(), rtol=1e-10)
    value = AVBLoss(encoder, decoder, adversary)(x, eps).array
    numpy.testing.assert_allclose(
        value, naive.bernoulli_nll(x, naive.mlp(decoder.mlp, z, 'tanh'))
        .mean() + t_q.mean(), rtol=1e-10)


def test_adversary_loss_gradient_reaches_adversary_only(nets, path):
    encoder, _, adversary = nets
    x = numpy.eye(4)
    eps = numpy.random.standard_normal((4, 3))
    z_prior = numpy.random.standard_normal((4, 2))
    loss = AdversaryLoss(encoder, adversary)
    loss.cleargrads()
    encoder.cleargrads()
    loss(x, eps, z_prior).backward()
    assert all(p.grad is None for p in encoder.params())
    assert all(p.grad is not None for p in adversary.params())
    params = [p for _, p in sorted(adversary.namedparams())]
    gradient_check.check_backward(
        lambda x: loss(x, eps, z_prior), x, None, params=params,
        dtype=numpy.float64, eps=1e-6, atol=1e-6, rtol=1e-5,
        no_grads=[True])


class ConstantEncoder(chainer.Link):
    """Puts every posterior sample at z = (1, 1)."""

    def forward(self, x, eps=None):
        return chainer.Variable(numpy.ones((len(x), 2)))


class FirstCoordinate(chainer.Link):
    """T(x, z) = scale * z_0: hand-made logits."""

    def __init__(self, scale):
        super(FirstCoordinate, self).__init__()
        self.scale = scale

    def forward(self, x, z):
        return self.scale * z[:, 0]


@pytest.mark.parametrize('scale', [-20., -1., 0., 1., 20.])
def test_label_convention(scale):
    # Posterior pairs get logit +scale, prior pairs -scale.
    x = numpy.eye(4)
    z_prior = -numpy.ones((4, 2))
    loss = AdversaryLoss(ConstantEncoder(), FirstCoordinate(scale))
    value, observation = naive.call_and_observe(loss, x, z_prior=z_prior)
    value = float(value)
    # -log sigmoid(s) - log(1 - sigmoid(-s)) = 2 softplus(-s)
    assert value == pytest.approx(2 * numpy.logaddexp(0, -scale), rel=1e-6)
    if scale > 0:
        # Posterior labelled 1, prior 0: a T that is high on the
        # posterior is right, and the loss tends to 0.
        assert observation['accuracy'] == 1
    if scale == 20:
        assert value < 1e-8
    if scale == 0:
        assert value == pytest.approx(2 * numpy.log(2))
    if scale == -20:
        assert value == pytest.approx(40, rel=1e-6)


def test_adversary_loss_draws_prior_when_not_given(nets, path):
    encoder, _, adversary = nets
    loss = AdversaryLoss(encoder, adversary)
    x = numpy.eye(4)
    eps = numpy.random.standard_normal((4, 3))
    numpy.random.seed(1)
    value = loss(x, eps).array
    numpy.random.seed(1)
    z_prior = numpy.random.standard_normal((4, 2))
    numpy.testing.assert_allclose(value, loss(x, eps, z_prior).array)


def test_losses_own_only_their_networks(nets):
    encoder, decoder, adversary = nets
    owned = {id(p) for p in AVBLoss(encoder, decoder, adversary).params()}
    assert owned == {id(p) for net in (encoder, decoder) for p in
                     net.params()}
    owned = {id(p) for p in AdversaryLoss(encoder, adversary).params()}
    assert owned == {id(p) for p in adversary.params()}


class _OtherDevice(object):
    """Stands for a GPU in a test run without one."""

    def __str__(self):
        return '@cupy:0'


@pytest.mark.parametrize('which', ['AVBLoss', 'AdaptiveContrastLoss',
                                   'AdversaryLoss'])
def test_network_left_on_another_device_is_refused(nets, which):
    # The losses only use one network each (not a child link), so moving
    # a loss leaves that network where it was: a one-line error names it
    # and the fix, instead of a type error deep in a matrix product.
    from vae_avb.links import AdaptiveContrastEncoder
    from vae_avb.losses import AdaptiveContrastLoss
    encoder, decoder, adversary = nets
    x = numpy.eye(4)
    if which == 'AdversaryLoss':
        loss, used, name = AdversaryLoss(encoder, adversary), encoder, \
            'encoder'
    elif which == 'AVBLoss':
        loss, used, name = AVBLoss(encoder, decoder, adversary), \
            adversary, 'adversary'
    else:
        with chainer.using_config('dtype', numpy.float64):
            encoder = AdaptiveContrastEncoder(4, 2, 3, 5, 6, 1)
        loss, used, name = AdaptiveContrastLoss(encoder, decoder,
                                                adversary), adversary, \
            'adversary'
    used._device = _OtherDevice()
    with pytest.raises(ValueError) as info:
        loss(x)
    message = str(info.value)
    assert message.startswith(which + ': the ' + name + ' is on @cupy:0 '
                              'but the loss is on @numpy;')
    assert 'move it too' in message and '\n' not in message
