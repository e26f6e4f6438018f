"""The Trainer extensions ``train_vae.py`` and ``train_avb.py`` share."""
from chainer.training import extensions

from vae_avb.training import FiniteGuard
from vae_avb.training import Snapshots


def extend_epoch_trainer(trainer, args, test_iter, loss, converter, keys):
    """Test-set evaluation, snapshots, the NaN guard, the log, ``loss.png``,
    one printed line per epoch (``keys`` then the elapsed time) and a
    progress bar, for a run of ``args.epoch`` epochs."""
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
