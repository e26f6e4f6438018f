"""Trainer set-up shared by the training scripts."""
import numpy

import chainer
from chainer.training import extensions

from vae_avb.experiment.distributed import Ranks
from vae_avb.training import FiniteGuard
from vae_avb.training import RunFlags
from vae_avb.training import StepSizeDecay

# Flags that do not change what is trained: a run may be resumed with
# other values of these (on another device, with --skip-nonfinite after a
# NaN, with a larger evaluation).
NOT_TRAINING = ('out', 'resume', 'device', 'snapshot_every',
                'keep_snapshots', 'skip_nonfinite', 'eval_k', 'eval_size',
                'eval_samples', 'eval_rows', 'config', 'communicator')


# Flags added after runs were first written, with the value that means
# what those runs did: a run kept without them (or with these values)
# resumes under either form.
NEUTRAL_FLAGS = {'adversary_heads': 0, 'adversary_activation': 'relu',
                 'conv_padding': 'same'}


def neutral_flags_dropped(flags):
    """``flags`` without the settings that change nothing: those at their
    :data:`NEUTRAL_FLAGS` value, and both decay flags when the decay
    starts at the end (``decay_start`` 1, or absent)."""
    flags = {key: value for key, value in flags.items()
             if key not in NEUTRAL_FLAGS or value != NEUTRAL_FLAGS[key]}
    if flags.get('decay_start', 1) == 1:
        flags.pop('decay_start', None)
        flags.pop('decay_ratio', None)
    return flags


def keep_run_flags(trainer, args):
    """Keeps ``args``' training flags in the run's snapshots, so that a
    ``--resume`` with other ones is refused, naming them
    (:class:`~vae_avb.training.RunFlags`). Flags in :data:`NOT_TRAINING`
    and the ``--ais-*`` flags may change. Settings that change nothing
    (:func:`neutral_flags_dropped`) are compared as absent, so runs from
    before those flags existed resume, and so do the runs that stored
    them."""
    flags = {key: value for key, value in vars(args).items()
             if key not in NOT_TRAINING and not key.startswith('ais_')}
    trainer.extend(RunFlags(flags, normalize=neutral_flags_dropped))


def seed_and_use(device, seed):
    """Seeds NumPy's (and the device's) global random state; selects it."""
    numpy.random.seed(seed)
    device.use()
    if device.xp is not numpy:
        device.xp.random.seed(seed)


def extend_step_size_decay(trainer, optimizers, args, n_iterations):
    """Adam's step sizes decay from ``args.decay_start`` of the run's
    ``n_iterations`` to its end, to ``args.decay_ratio`` times their value
    (:class:`~vae_avb.training.StepSizeDecay`; nothing when the decay would
    start at the end). Extend before resuming."""
    start = int(args.decay_start * n_iterations)
    if start < n_iterations:
        trainer.extend(StepSizeDecay(list(optimizers), start, n_iterations,
                                     args.decay_ratio))


def extend_epoch_trainer(trainer, args, test_iter, loss, converter, keys,
                         ranks=None):
    """Test-set evaluation, snapshots, the NaN guard, the log, ``loss.png``,
    one printed line per epoch (``keys`` then the elapsed time) and a
    progress bar, for a run of ``args.epoch`` epochs (``args`` also gives
    ``device``, ``snapshot_every`` and ``keep_snapshots``). With several
    :class:`~vae_avb.experiment.distributed.Ranks`, ``test_iter`` is this
    rank's share of the test set, the results are averaged over the ranks
    and rank 0 alone logs and prints."""
    ranks = ranks or Ranks()
    trainer.extend(ranks.evaluator(extensions.Evaluator(
        test_iter, loss, converter=converter, device=args.device)))
    trainer.extend(ranks.snapshots(args.snapshot_every, (args.epoch, 'epoch'),
                                   args.keep_snapshots))
    trainer.extend(FiniteGuard())
    keep_run_flags(trainer, args)
    ranks.extend(trainer)
    if not ranks.is_root:
        return
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
