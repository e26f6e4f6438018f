import numpy
import pytest

import chainer
from chainer import training

from vae_avb.datasets import FourPointsIterator
from vae_avb.links import VAE
from vae_avb.losses import ELBOLoss
from vae_avb.training import FiniteGuard
from vae_avb.training import NonFiniteLossError


class PoisonedIterator(FourPointsIterator):
    """Four-point batches, one of which (``poison_at``) holds a NaN."""

    def __init__(self, poison_at):
        super(PoisonedIterator, self).__init__(16, seed=0)
        self.poison_at = poison_at

    def __next__(self):
        batch = super(PoisonedIterator, self).__next__()
        if self.iteration == self.poison_at:
            batch[0] = numpy.full(4, numpy.nan, numpy.float32)
        return batch


def poisoned_trainer(tmp_path, poison_at, guard=None):
    """A VAE trained on a stream whose batch ``poison_at`` holds a NaN.

    The data checks are off (``type_check`` False, as in a fast training
    loop), so the NaN reaches the loss and, through its gradient, the
    weights: the situation the guard is for.
    """
    loss = ELBOLoss(VAE.mlp(4, 2, 8))
    optimizer = chainer.optimizers.Adam(1e-3)
    optimizer.setup(loss)
    updater = training.updaters.StandardUpdater(
        PoisonedIterator(poison_at), optimizer)
    trainer = training.Trainer(updater, (10, 'iteration'), str(tmp_path))
    trainer.extend(guard or FiniteGuard())
    trainer.extend(training.extensions.snapshot(
        filename='snapshot_iter_{.updater.iteration}'),
        trigger=(1, 'iteration'))
    return trainer


def test_stops_at_first_non_finite_loss_and_names_it(tmp_path):
    trainer = poisoned_trainer(tmp_path, poison_at=4)
    with chainer.using_config('type_check', False), pytest.raises(
            NonFiniteLossError, match=r'^iteration 4: main/\w+ is nan'):
        trainer.run()
    assert trainer.updater.iteration == 4
    # Snapshots of the finite iterations are kept, none of the bad one.
    assert (tmp_path / 'snapshot_iter_3').exists()
    assert not (tmp_path / 'snapshot_iter_4').exists()
    restored = ELBOLoss(VAE.mlp(4, 2, 8))
    chainer.serializers.load_npz(str(tmp_path / 'snapshot_iter_3'),
                                 restored, path='updater/model:main/')
    assert all(numpy.isfinite(p.array).all() for p in restored.params())


def test_quiet_when_finite(tmp_path):
    trainer = poisoned_trainer(tmp_path, poison_at=100)
    with chainer.using_config('type_check', False):
        trainer.run()
    assert trainer.updater.iteration == 10


def test_a_watched_key_stops_training(tmp_path):
    trainer = poisoned_trainer(tmp_path, poison_at=4,
                               guard=FiniteGuard(['main/loss']))
    with chainer.using_config('type_check', False), pytest.raises(
            NonFiniteLossError, match=r'^iteration 4: main/loss is nan'):
        trainer.run()


@pytest.mark.parametrize('keys', ['main/loss', [1], ['main/loss', None]])
def test_keys_that_are_not_a_list_of_names_are_refused(keys):
    # A string used to be read as its characters: nothing was watched.
    with pytest.raises(TypeError, match='keys must be a list of observation '
                       'keys'):
        FiniteGuard(keys)


def test_a_key_never_reported_is_warned_about(tmp_path):
    trainer = poisoned_trainer(tmp_path, poison_at=100,
                               guard=FiniteGuard(['main/los']))
    with pytest.warns(UserWarning, match=r'FiniteGuard: main/los not '
                      r'reported in 10 iterations.*main/loss'):
        trainer.run()


def test_keys_from_a_generator_are_watched(tmp_path):
    # all() used to consume the generator: nothing was watched.
    guard = FiniteGuard(key for key in ['main/loss'])
    assert guard.keys == ['main/loss']
    trainer = poisoned_trainer(tmp_path, poison_at=4, guard=guard)
    with chainer.using_config('type_check', False), pytest.raises(
            NonFiniteLossError, match=r'^iteration 4: main/loss is nan'):
        trainer.run()


def test_the_message_names_kept_snapshots_only_when_there_are_some(
        tmp_path):
    # It said "the snapshots already in <out> are kept" with none there,
    # and "a lower step size" as the only fix of a loss weight (--beta)
    # too large.
    from vae_avb.training import Snapshots
    from vae_avb.training.snapshots import list_snapshots
    trainer = poisoned_trainer(tmp_path / 'none', poison_at=1)
    with chainer.using_config('type_check', False), pytest.raises(
            NonFiniteLossError) as e:
        trainer.run()
    assert 'no snapshot had been written in ' in str(e.value)
    assert 'are kept' not in str(e.value)
    assert 'smaller loss weights' in str(e.value)
    trainer = poisoned_trainer(tmp_path / 'some', poison_at=4)
    trainer.extend(Snapshots((1, 'iteration'), (10, 'iteration'), 3))
    with chainer.using_config('type_check', False), pytest.raises(
            NonFiniteLossError, match=r'the snapshots already in .* are '
            r'kept \(--resume --skip-nonfinite .*\); or train again'):
        trainer.run()
    assert list_snapshots(str(tmp_path / 'some'))
