import math
import warnings

import chainer
from chainer import training


class NonFiniteLossError(FloatingPointError):
    """Raised by :class:`FiniteGuard` when a reported value is NaN or inf."""


def first_nonfinite(observation, keys=None):
    """The first ``(key, value)`` of ``observation`` that is NaN or inf.

    Looks at ``keys`` (default: every key, sorted); an array counts by its
    first element that is NaN or inf (not by its sum, which overflows for
    large finite values). Returns ``None`` when every value is finite.
    """
    for key in sorted(observation) if keys is None else keys:
        if key not in observation:
            continue
        array = chainer.as_array(observation[key])
        if getattr(array, 'ndim', 0):
            xp = chainer.backend.get_array_module(array)
            bad = ~xp.isfinite(array)
            if bool(bad.any()):
                return key, float(array[bad].ravel()[0])
            continue
        value = float(array)
        if not math.isfinite(value):
            return key, value
    return None


class FiniteGuard(training.Extension):

    """Stops training at the first NaN or inf among the reported values.

    Runs after every iteration, before any other extension (in particular
    before snapshots), and raises :class:`NonFiniteLossError` with a
    one-line message naming the iteration and the quantity
    (``main/reconstruction``, ``main/kl``, ``adversary/loss``, ...). A NaN
    loss poisons the weights through the same iteration's update, so the
    snapshots already written hold finite weights. Weights made non-finite
    by an update whose loss was still finite are caught by
    :class:`Snapshots`, which checks every parameter and optimizer state
    before writing and never writes or prunes on a non-finite one.

    Args:
        keys (list or None): Observation keys to watch; ``None`` watches
            every reported value. A key not reported in the first 10
            iterations (a misspelt name) is warned about once.
    """

    trigger = 1, 'iteration'
    priority = training.PRIORITY_WRITER + 1

    def __init__(self, keys=None):
        if keys is not None:
            if not isinstance(keys, str) and hasattr(keys, '__iter__'):
                keys = list(keys)
            if isinstance(keys, str) or not isinstance(keys, list) or not all(
                    isinstance(key, str) for key in keys):
                raise TypeError(
                    'FiniteGuard: keys must be a list of observation keys '
                    '(such as [\'main/loss\']) or None, got {!r}'.format(
                        keys))
            if not keys:
                raise ValueError(
                    'FiniteGuard: keys is empty, so nothing would be '
                    'watched; name the observation keys (such as '
                    '[\'main/loss\']) or pass None to watch every one')
            keys = list(keys)
        self.keys = keys
        self._unseen = None if keys is None else set(keys)

    def __call__(self, trainer):
        if self._unseen:
            self._unseen -= set(trainer.observation)
            if trainer.updater.iteration >= 10 and self._unseen:
                warnings.warn(
                    'FiniteGuard: {} not reported in 10 iterations, so not '
                    'watched; check the names (reported: {})'.format(
                        ', '.join(sorted(self._unseen)),
                        ', '.join(sorted(trainer.observation))))
                self._unseen = None
        error = nonfinite_error(trainer, self.keys)
        if error is not None:
            raise error


def nonfinite_error(trainer, keys=None):
    """The :class:`NonFiniteLossError` :class:`FiniteGuard` raises for
    ``trainer``'s observation (``keys`` of it), or ``None``."""
    bad = first_nonfinite(trainer.observation, keys)
    if bad is None:
        return None
    # (Imported here: the snapshots module imports this one.)
    from vae_avb.training.snapshots import list_snapshots
    kept = ('the snapshots already in {} are kept (--resume '
            '--skip-nonfinite goes on past such batches); or'.format(
                trainer.out) if list_snapshots(trainer.out) else
            'no snapshot had been written in {};'.format(trainer.out))
    return NonFiniteLossError(
        'iteration {}: {} is {}; training stopped, {} train again in a '
        'new --out with a lower step size, smaller loss weights or '
        'cleaned data'.format(
            trainer.updater.iteration, bad[0], bad[1], kept))
