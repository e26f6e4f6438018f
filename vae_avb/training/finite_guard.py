import math

import chainer
from chainer import training


class NonFiniteLossError(FloatingPointError):
    """Raised by :class:`FiniteGuard` when a reported value is NaN or inf."""


class FiniteGuard(training.Extension):

    """Stops training at the first NaN or inf among the reported values.

    Runs after every iteration, before any other extension (in particular
    before snapshots), and raises :class:`NonFiniteLossError` with a
    one-line message naming the iteration and the quantity
    (``main/reconstruction``, ``main/kl``, ``adversary/loss``, ...). A NaN
    loss poisons the weights through the same iteration's update, so the
    snapshots already written hold finite weights. (Weights made non-finite
    by an update whose loss was still finite are caught one iteration
    later, after that iteration's snapshot, if one was due.)

    Args:
        keys (list or None): Observation keys to watch; ``None`` watches
            every reported value.
    """

    trigger = 1, 'iteration'
    priority = training.PRIORITY_WRITER + 1

    def __init__(self, keys=None):
        self.keys = keys

    def __call__(self, trainer):
        observation = trainer.observation
        keys = self.keys if self.keys is not None else sorted(observation)
        for key in keys:
            if key not in observation:
                continue
            value = float(chainer.as_array(observation[key]))
            if not math.isfinite(value):
                raise NonFiniteLossError(
                    'iteration {}: {} is {}; training stopped, snapshots '
                    'already in {} are kept (lower the step size or check '
                    'the data, then --resume from one)'.format(
                        trainer.updater.iteration, key, value, trainer.out))
