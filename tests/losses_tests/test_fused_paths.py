"""The fused path computes what the reference path computes: the same
links and losses run under both (one forward each, the path chosen by
``chainer.config.vae_avb_fused``)."""
import numpy
import pytest

import chainer

from vae_avb.functions import reference_path
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
    vae = VAE.mlp(30, 4, 20, 2, 'tanh')
    loss = ELBOLoss(vae, beta=beta, k=k)
    x = numpy.random.uniform(size=(8, 30)).astype(numpy.float32)
    eps = numpy.random.standard_normal((8 * k, 4)).astype(numpy.float32)
    values = []
    for reference in (False, True):
        vae.cleargrads()
        with reference_path(reference):
            value = loss(x, eps)
            value.backward()
        values.append((float(value.array), grads(vae)))
    numpy.testing.assert_allclose(values[0][0], values[1][0], rtol=1e-6)
    assert_all_close(values[0][1], values[1][1])


def avb_nets():
    numpy.random.seed(1)
    return (NoiseEncoder(12, 2, 3, 16, 2, 'relu'),
            BernoulliDecoder(2, 12, 16, 2, 'tanh'),
            Adversary(12, 2, 16, 2, 'relu', prior_term=True,
                      side_terms=True))


@pytest.mark.parametrize('given_noise', [True, False])
def test_avb_losses(given_noise):
    # Both paths from the same weights and the same random draws (given,
    # or drawn from the global state in the same order) give the same
    # losses, accuracy and gradients.
    x = numpy.random.uniform(size=(6, 12)).astype(numpy.float32)
    eps = numpy.random.standard_normal((6, 3)).astype(numpy.float32)
    z_prior = numpy.random.standard_normal((6, 2)).astype(numpy.float32)
    results = []
    nets = avb_nets()
    for reference in (False, True):
        for net in nets:
            net.cleargrads()
        numpy.random.seed(3)
        with reference_path(reference):
            main = AVBLoss(*nets)(*((x, eps) if given_noise else (x,)))
            main.backward()
            loss = AdversaryLoss(nets[0], nets[2])
            reporter = chainer.reporter.Reporter()
            reporter.add_observer('adv', loss)
            observation = {}
            with reporter.scope(observation):
                adversary = loss(*((x, eps, z_prior) if given_noise
                                   else (x,)))
            adversary.backward()
        results.append(([float(main.array), float(adversary.array),
                         float(observation['adv/accuracy'].array)],
                        grads(*nets)))
    numpy.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-5)
    assert_all_close(results[0][1], results[1][1])


def test_the_reference_path_builds_chainers_own_nodes():
    # Under the switch no fused node appears in the graph.
    vae = VAE.mlp(30, 4, 20, 2, 'tanh')
    x = numpy.random.uniform(size=(8, 30)).astype(numpy.float32)

    def node_names(value):
        names, stack = set(), [value.creator_node]
        while stack:
            node = stack.pop()
            if node is None or node.label in names:
                continue
            names.add(node.label)
            stack.extend(v.creator_node for v in node.inputs)
        return names
    fused = node_names(ELBOLoss(vae)(x))
    with reference_path():
        reference = node_names(ELBOLoss(vae)(x))
    assert {'DenseStack', 'GaussianSampleKL', 'BernoulliNLLMean'} <= fused
    assert not reference & {'DenseStack', 'GaussianSampleKL',
                            'BernoulliNLLMean'}
    assert 'LinearFunction' in reference


@pytest.mark.parametrize('make', [
    lambda: VAE.mlp(30, 4, 20, 2, 'tanh', fused=False),
    lambda: ELBOLoss(VAE.mlp(30, 4, 20), fused=True),
    lambda: NoiseEncoder(12, 2, fused=False),
    lambda: BernoulliDecoder(2, 12, fused=False),
    lambda: Adversary(12, 2, fused=True),
    lambda: AVBLoss(*avb_nets(), fused=False),
    lambda: AdversaryLoss(*avb_nets()[::2], fused=False),
])
def test_removed_fused_argument_names_its_replacement(make):
    with pytest.raises(TypeError, match='fused= was removed; the path is '
                       'chosen by chainer.config.vae_avb_fused') as e:
        make()
    assert '\n' not in str(e.value)


def test_removed_frozen_argument_names_its_replacement():
    encoder, decoder, adversary = avb_nets()
    x = numpy.eye(12, dtype=numpy.float32)[:3]
    z = numpy.zeros((3, 2), numpy.float32)
    for call in (lambda: adversary(x, z, frozen=True),
                 lambda: decoder.mlp(z, frozen=True)):
        with pytest.raises(TypeError, match='frozen= was removed; call '
                           'the link.s constant'):
            call()
