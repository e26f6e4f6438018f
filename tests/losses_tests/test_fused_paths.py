"""The fused path computes what the reference path computes."""
import numpy
import pytest

import chainer

from vae_avb.links import Adversary
from vae_avb.links import BernoulliDecoder
from vae_avb.links import NoiseEncoder
from vae_avb.links import VAE
from vae_avb.losses import AdversaryLoss
from vae_avb.losses import AVBLoss
from vae_avb.losses import ELBOLoss


def grads(*links):
    return [p.grad for link in links for _, p in sorted(link.namedparams())]


def assert_all_close(a, b):
    assert len(a) == len(b)
    for u, v in zip(a, b):
        numpy.testing.assert_allclose(u, v, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize('k', [1, 2])
@pytest.mark.parametrize('beta', [1.0, 0.5])
def test_elbo_loss(k, beta):
    fused = VAE.mlp(30, 4, 20, 2, 'tanh')
    plain = VAE.mlp(30, 4, 20, 2, 'tanh', fused=False)
    plain.copyparams(fused)
    x = numpy.random.uniform(size=(8, 30)).astype(numpy.float32)
    eps = numpy.random.standard_normal((8 * k, 4)).astype(numpy.float32)
    values = []
    for vae, flag in ((fused, True), (plain, False)):
        vae.cleargrads()
        loss = ELBOLoss(vae, beta=beta, k=k, fused=flag)
        value = loss(x, eps)
        value.backward()
        values.append((float(value.array), grads(vae)))
    numpy.testing.assert_allclose(values[0][0], values[1][0], rtol=1e-6)
    assert_all_close(values[0][1], values[1][1])


def avb_nets(fused):
    numpy.random.seed(1)
    return (NoiseEncoder(12, 2, 3, 16, 2, 'relu', fused=fused),
            BernoulliDecoder(2, 12, 16, 2, 'tanh', fused=fused),
            Adversary(12, 2, 16, 2, 'relu', fused=fused))


@pytest.mark.parametrize('given_noise', [True, False])
def test_avb_losses(given_noise):
    # Both paths from the same weights and the same random draws (given,
    # or drawn from the global state in the same order) give the same
    # losses, accuracy and gradients.
    x = numpy.random.uniform(size=(6, 12)).astype(numpy.float32)
    eps = numpy.random.standard_normal((6, 3)).astype(numpy.float32)
    z_prior = numpy.random.standard_normal((6, 2)).astype(numpy.float32)
    results = []
    for fused in (True, False):
        nets = avb_nets(fused)
        for net in nets:
            net.cleargrads()
        numpy.random.seed(3)
        main = AVBLoss(*nets, fused=fused)(*((x, eps) if given_noise
                                             else (x,)))
        main.backward()
        loss = AdversaryLoss(nets[0], nets[2], fused=fused)
        reporter = chainer.reporter.Reporter()
        reporter.add_observer('adv', loss)
        observation = {}
        with reporter.scope(observation):
            adversary = loss(*((x, eps, z_prior) if given_noise else (x,)))
        adversary.backward()
        results.append(([float(main.array), float(adversary.array),
                         float(observation['adv/accuracy'].array)],
                        grads(*nets)))
    numpy.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-5)
    assert_all_close(results[0][1], results[1][1])
