import numpy
import pytest

import chainer
from chainer import training

from vae_avb.links import Adversary
from vae_avb.links import BernoulliDecoder
from vae_avb.links import NoiseEncoder
from vae_avb.links import VAE
from vae_avb.losses import AdversaryLoss
from vae_avb.losses import AVBLoss
from vae_avb.losses import ELBOLoss
from vae_avb.optimizers import Adam
from vae_avb.training import AVBUpdater
from vae_avb.training import FiniteGuard
from vae_avb.training import SkipNonFiniteUpdater

from tests.training_tests.test_finite_guard import PoisonedIterator


def vae_trainer(updater_class, poison_at, tmp_path):
    numpy.random.seed(0)
    loss = ELBOLoss(VAE.mlp(4, 2, 8))
    optimizer = Adam(1e-2)
    optimizer.setup(loss)
    updater = updater_class(PoisonedIterator(poison_at), optimizer)
    trainer = training.Trainer(updater, (10, 'iteration'), str(tmp_path))
    trainer.extend(FiniteGuard())
    return trainer, loss, optimizer


def params(link):
    return {name: p.array.copy() for name, p in link.namedparams()}


def test_skips_the_poisoned_batch_only(tmp_path, capsys):
    trainer, loss, optimizer = vae_trainer(SkipNonFiniteUpdater, 4,
                                           tmp_path)
    with chainer.using_config('type_check', False):
        trainer.run()  # FiniteGuard sees no NaN: the batch was dropped.
    assert trainer.updater.skipped == 1
    assert optimizer.t == 9
    assert all(numpy.isfinite(a).all() for a in params(loss).values())
    err = capsys.readouterr().err
    assert 'iteration 4: main/' in err and 'skipped' in err


def test_same_steps_as_the_standard_updater_without_bad_batches(tmp_path):
    results = []
    for updater_class in (training.updaters.StandardUpdater,
                          SkipNonFiniteUpdater):
        trainer, loss, _ = vae_trainer(updater_class, -1, tmp_path)
        trainer.run()
        results.append(params(loss))
    for name in results[0]:
        numpy.testing.assert_array_equal(results[0][name], results[1][name],
                                         err_msg=name)


def test_the_standard_updater_would_have_stopped(tmp_path):
    trainer, _, _ = vae_trainer(training.updaters.StandardUpdater, 4,
                                tmp_path)
    with chainer.using_config('type_check', False), \
            pytest.raises(FloatingPointError, match='iteration 4'):
        trainer.run(show_loop_exception_msg=False)


def test_avb_updater_skips_each_poisoned_step(tmp_path):
    numpy.random.seed(0)
    encoder = NoiseEncoder(4, 2, 3, 8, 2, 'relu')
    decoder = BernoulliDecoder(2, 4, 8, 2, 'tanh')
    adversary = Adversary(4, 2, 8, 2, 'relu')
    optimizers = {}
    for name, target in (('main', AVBLoss(encoder, decoder, adversary)),
                         ('adversary', AdversaryLoss(encoder, adversary))):
        optimizers[name] = Adam(1e-3)
        optimizers[name].setup(target)
    before = params(adversary)
    iterator = PoisonedIterator(1)
    updater = AVBUpdater(iterator, optimizers, 2, skip_nonfinite=True)
    trainer = training.Trainer(updater, (3, 'iteration'), str(tmp_path))
    trainer.extend(FiniteGuard())
    with chainer.using_config('type_check', False):
        trainer.run()
    assert updater.skipped == 3  # Two adversary steps and the main step.
    assert optimizers['adversary'].t == 4 and optimizers['main'].t == 2
    after = params(adversary)
    assert all(numpy.isfinite(a).all() for a in after.values())
    assert any((after[k] != before[k]).any() for k in after)
