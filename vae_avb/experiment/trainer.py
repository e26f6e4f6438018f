"""Trainer set-up shared by the training scripts."""
import numpy

import chainer
from chainer.training import extensions

from vae_avb.training import FiniteGuard
from vae_avb.training import Snapshots


def seed_and_use(device, seed):
    """Seeds NumPy's (and the device's) global random state; selects it."""
    numpy.random.seed(seed)
    device.use()
    if device.xp is not numpy:
        device.xp.random.seed(seed)


def extend_epoch_trainer(trainer, args, test_iter, loss, converter, keys):
    """Test-set evaluation, snapshots, the NaN guard, the log, ``loss.png``,
    one printed line per epoch (``keys`` then the elapsed time) and a
    progress bar, for a run of ``args.epoch`` epochs (``args`` also gives
    ``device``, ``snapshot_every`` and ``keep_snapshots``)."""
    trainer.extend(extensions.Evaluator(test_iter, loss, converter=converter,
                                        device=args.device))
    trainer.extend(Snapshots(args.snapshot_every, (args.epoch, 'epoch'),
                             args.keep_snapshots))
    trainer.extend(FiniteGuard())
    trainer.extend(extensions.LogReport())
    trainer.extend(extensions.PlotReport(
        ['main/loss', 'validation/main/loss'], 'epoch',
        file_name='loss.png'))
    trainer.extend(extensions.PrintReport(
        ['epoch'] + keys + ['elapsed_time']))
    trainer.extend(extensions.ProgressBar(update_interval=10))


def run_trainer(trainer, type_check=False):
    """Runs ``trainer`` with Chainer's per-call type checks off (the data
    were checked once when loaded) and without Chainer's traceback of the
    loop; returns the training seconds (those before a resume included)."""
    with chainer.using_config('type_check', type_check):
        trainer.run(show_loop_exception_msg=False)
    return trainer.elapsed_time
