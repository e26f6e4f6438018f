import math
import numbers

from chainer import training


class StepSizeDecay(training.Extension):

    """Exponential decay of Adam's step size over the last iterations.

    From ``start`` to ``stop`` iterations, every step size ``alpha`` of the
    given optimizers (the optimizer's own and any per-parameter override,
    such as a decoder trained faster than its encoder) becomes
    ``alpha0 * final_ratio ** ((iteration - start) / (stop - start))``.
    The ``alpha0`` are read when the extension is built, so build it
    before resuming a snapshot. The step size of the next update is set
    after every iteration and when training starts (Chainer optimizers do
    not save their step size in a snapshot), so a run resumed at any
    iteration, before or after the decay began, updates with the same
    step sizes as one never interrupted.

    Args:
        optimizers (list): The optimizers to decay.
        start (int): Iteration at which the decay begins.
        stop (int): Iteration at which ``final_ratio`` is reached.
        final_ratio (float): Factor reached at ``stop``.
    """

    trigger = 1, 'iteration'
    priority = training.PRIORITY_WRITER

    def __init__(self, optimizers, start, stop, final_ratio):
        where = 'StepSizeDecay'
        for name, value in (('start', start), ('stop', stop)):
            if isinstance(value, bool) or not isinstance(
                    value, numbers.Real) or not math.isfinite(value):
                raise ValueError('{}: {} must be a finite number of '
                                 'iterations, got {!r}'.format(where, name,
                                                               value))
        if not 0 <= start < stop:
            raise ValueError(
                'StepSizeDecay: need 0 <= start < stop, got {} and '
                '{}'.format(start, stop))
        if isinstance(final_ratio, bool) or not isinstance(
                final_ratio, numbers.Real) or \
                not 0 < final_ratio < float('inf'):
            raise ValueError(
                'StepSizeDecay: final_ratio must be positive and finite, got '
                '{!r}'.format(final_ratio))
        # Duck-typed: ChainerMN's multi-node optimizer wraps one.
        if hasattr(optimizers, 'hyperparam') or not hasattr(
                optimizers, '__iter__'):
            optimizers = None
        else:
            optimizers = list(optimizers)
        if optimizers is None or not all(
                hasattr(o, 'hyperparam') and
                getattr(o, 'target', None) is not None
                for o in optimizers):
            raise TypeError(
                'StepSizeDecay: optimizers must be a list of optimizers '
                'already set up on their links (optimizer.setup(link) '
                'first)')
        if not optimizers:
            raise ValueError('StepSizeDecay: optimizers is empty, so nothing '
                             'would decay; pass the optimizers to decay')
        for optimizer in optimizers:
            if not hasattr(optimizer.hyperparam, 'alpha'):
                raise TypeError(
                    'StepSizeDecay: decays Adam\'s step size alpha, which '
                    '{} has not; use vae_avb.optimizers.Adam (or Chainer\'s '
                    'Adam)'.format(type(optimizer).__name__))
        self.start = start
        self.stop = stop
        self.final_ratio = final_ratio
        self.base = []
        for optimizer in optimizers:
            self.base.append((optimizer.hyperparam, optimizer.alpha))
            for param in optimizer.target.params():
                hyperparam = param.update_rule.hyperparam
                if 'alpha' in hyperparam.__dict__:
                    self.base.append((hyperparam, hyperparam.alpha))

    def factor(self, iteration):
        progress = min(1., max(0., iteration - self.start)
                       / (self.stop - self.start))
        return self.final_ratio ** progress

    def initialize(self, trainer):
        self(trainer)

    def __call__(self, trainer):
        factor = self.factor(trainer.updater.iteration)
        for hyperparam, alpha in self.base:
            hyperparam.alpha = alpha * factor
