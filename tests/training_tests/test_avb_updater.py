import numpy
import pytest

import chainer
from chainer import training

from vae_avb.datasets import FourPointsIterator
from vae_avb.links import Adversary
from vae_avb.links import BernoulliDecoder
from vae_avb.links import NoiseEncoder
from vae_avb.losses import AdversaryLoss
from vae_avb.losses import AVBLoss
from vae_avb.training import AVBUpdater
from vae_avb.training import StepSizeDecay


def build(n_adversary_steps=2, lr=1e-3):
    encoder = NoiseEncoder(4, 2, 3, 16, 2)
    decoder = BernoulliDecoder(2, 4, 16, 2)
    adversary = Adversary(4, 2, 16, 2)
    optimizers = {}
    for name, target in (('main', AVBLoss(encoder, decoder, adversary)),
                         ('adversary', AdversaryLoss(encoder, adversary))):
        optimizers[name] = chainer.optimizers.Adam(lr)
        optimizers[name].setup(target)
    updater = AVBUpdater(FourPointsIterator(32, seed=0), optimizers,
                         n_adversary_steps)
    return (encoder, decoder, adversary), optimizers, updater


def snapshot(links):
    return [[p.array.copy() for p in link.params()] for link in links]


def changed(before, after):
    return [any(not numpy.array_equal(a, b) for a, b in zip(x, y))
            for x, y in zip(before, after)]


def test_each_step_changes_only_what_its_optimizer_owns():
    links, optimizers, updater = build(n_adversary_steps=2)
    steps = []

    def record(name):
        def hook(optimizer):
            steps.append((name, snapshot(links)))
        return hook

    for name, optimizer in optimizers.items():
        optimizer.add_hook(record(name), name='record', timing='post')
    before = snapshot(links)
    updater.update()
    # Two adversary steps, then one encoder/decoder step.
    assert [name for name, _ in steps] == ['adversary', 'adversary', 'main']
    states = [before] + [state for _, state in steps]
    # (encoder, decoder, adversary) changed at each step:
    expected = [[False, False, True], [False, False, True],
                [True, True, False]]
    for i, flags in enumerate(expected):
        assert changed(states[i], states[i + 1]) == flags


def test_reports_both_objectives(tmp_path):
    _, _, updater = build()
    trainer = training.Trainer(updater, (3, 'iteration'), str(tmp_path))
    log = training.extensions.LogReport(trigger=(3, 'iteration'))
    trainer.extend(log)
    trainer.run()
    assert {'main/loss', 'main/reconstruction', 'main/kl',
            'adversary/loss', 'adversary/accuracy'} <= set(log.log[0])


def test_fresh_noise_every_step():
    links, optimizers, updater = build(n_adversary_steps=1, lr=0)
    draws = []
    encoder = links[0]
    original = encoder.sample_noise
    encoder.sample_noise = lambda n: draws.append(original(n)) or draws[-1]
    updater.update()
    updater.update()
    assert len(draws) == 4
    assert all(not numpy.array_equal(draws[0], d) for d in draws[1:])


@pytest.mark.parametrize('optimizers, steps, message', [
    ({}, 1, "'main'"),
    (None, 0, 'n_adversary_steps'),
])
def test_bad_arguments(optimizers, steps, message):
    if optimizers is None:
        optimizers = build()[1]
    with pytest.raises(ValueError, match=message):
        AVBUpdater(FourPointsIterator(4), optimizers, steps)


def test_step_size_decay_reaches_every_override(tmp_path):
    links, optimizers, updater = build(lr=1e-3)
    decoder = links[1]
    for param in decoder.params():
        param.update_rule.hyperparam.alpha = 5e-3
    decay = StepSizeDecay(list(optimizers.values()), 2, 6, 0.01)
    assert decay.factor(2) == 1 and decay.factor(6) == pytest.approx(0.01)
    assert decay.factor(4) == pytest.approx(0.1)
    trainer = training.Trainer(updater, (4, 'iteration'), str(tmp_path))
    trainer.extend(decay)
    trainer.run()
    assert optimizers['main'].alpha == pytest.approx(1e-4)
    assert optimizers['adversary'].alpha == pytest.approx(1e-4)
    assert decoder.mlp[0].W.update_rule.hyperparam.alpha == pytest.approx(
        5e-4)
    assert links[0].mlp[0].W.update_rule.hyperparam.alpha == pytest.approx(
        1e-4)
