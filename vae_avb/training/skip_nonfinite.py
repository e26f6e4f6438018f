import sys

import numpy

import chainer
from chainer.backends import cuda
from chainer import training

from vae_avb.training.finite_guard import first_nonfinite
from vae_avb.utils import mpi


def convert_batch(updater, batch):
    """``updater.converter(batch, updater.input_device)``, as Chainer's
    ``StandardUpdater`` calls it.

    A :class:`chainer.dataset.Converter` (:func:`~vae_avb.datasets.send_array`,
    :func:`~chainer.dataset.concat_examples`, any function decorated with
    :func:`chainer.dataset.converter`) gets the device itself. A plain
    function (an old-style converter) gets what ``StandardUpdater`` gives
    it: ``-1`` for the CPU, the GPU's id for CuPy, ``None`` for no device.
    """
    converter = updater.converter
    device = updater.input_device
    if device is None or isinstance(converter, chainer.dataset.Converter):
        return converter(batch, device)
    if device.xp is numpy:
        return converter(batch, -1)
    if device.xp is cuda.cupy:
        return converter(batch, device.device.id)
    raise RuntimeError(
        'an old-style converter (a plain function) cannot send a batch to '
        '{}; decorate it with chainer.dataset.converter()'.format(device))


def update_unless_nonfinite(optimizer, lossfun, *args):
    """One ``optimizer.update(lossfun, *args)``, skipped if the loss is not
    finite.

    The loss is computed first, with the values it reports held back; if
    the loss and every reported value are finite, they are reported and
    the optimizer makes its usual step from that loss (the same
    operations as ``optimizer.update(lossfun, *args)``, so a run without
    bad batches is bit-identical to one without this guard). Otherwise
    nothing is reported and no parameter, optimizer state or step count
    changes. With a ChainerMN multi-node optimizer the ranks decide
    together: a step is skipped on every rank when any rank's is not
    finite.

    Returns:
        str or None: ``None`` if the step was made, else the name of the
        first non-finite quantity (``'main/kl'``, ``'adversary/loss'``,
        ...).
    """
    reporter = chainer.get_current_reporter()
    held = {}
    with reporter.scope(held):
        loss = lossfun(*args)
    bad = first_nonfinite(held) or first_nonfinite({'loss': loss})
    bad = None if bad is None else bad[0]
    # A ChainerMN multi-node optimizer: every rank skips the step when one
    # does (the others would wait for its gradients).
    comm = getattr(optimizer, 'communicator', None)
    if comm is not None and comm.size > 1:
        found = [(rank, name) for rank, name in enumerate(
            comm.mpi_comm.allgather(bad)) if name is not None]
        bad = None if not found else found[0][1] if found[0][0] == \
            comm.rank else 'rank {}: {}'.format(*found[0])
    if bad is not None:
        return bad
    reporter.observation.update(held)
    optimizer.update(lambda: loss)
    return None


class SkipNonFiniteUpdater(training.updaters.StandardUpdater):

    """A ``StandardUpdater`` that skips batches whose loss is NaN or inf.

    Off by default in the examples (``--skip-nonfinite``): a NaN usually
    means the step size is too large or the data are broken, which
    :class:`~vae_avb.training.FiniteGuard` reports. With this updater a
    rare bad batch is dropped instead: one line on stderr names the
    iteration and the quantity, the parameters and optimizer state are
    left as they were, and :attr:`skipped` counts the batches dropped.

    Takes the arguments of ``StandardUpdater``.
    """

    def __init__(self, *args, **kwargs):
        super(SkipNonFiniteUpdater, self).__init__(*args, **kwargs)
        self.skipped = 0

    def update_core(self):
        iterator = self.get_iterator('main')
        in_arrays = convert_batch(self, iterator.next())
        optimizer = self.get_optimizer('main')
        loss_func = self.loss_func or optimizer.target
        if not isinstance(in_arrays, tuple):
            in_arrays = (in_arrays,)
        report_skip(self, update_unless_nonfinite(
            optimizer, loss_func, *in_arrays))
        if self.auto_new_epoch and iterator.is_new_epoch:
            optimizer.new_epoch(auto=True)


def report_skip(updater, bad):
    """Counts and prints a skipped step of ``updater``, if ``bad`` names one.

    The count (``updater.skipped``) is per process, not saved in snapshots,
    so a run that stopped on a NaN can be resumed with skipping switched on.
    """
    if bad is None:
        return
    updater.skipped += 1
    if not mpi.is_root():
        return  # Every rank skipped it: rank 0 says so.
    print('iteration {}: {} is not finite; batch skipped ({} so far, '
          '--skip-nonfinite)'.format(updater.iteration + 1, bad,
                                     updater.skipped),
          file=sys.stderr, flush=True)
