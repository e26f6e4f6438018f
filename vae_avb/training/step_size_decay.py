from chainer import training


class StepSizeDecay(training.Extension):

    """Exponential decay of Adam's step size over the last iterations.

    From ``start`` to ``stop`` iterations, every step size ``alpha`` of the
    given optimizers (the optimizer's own and any per-parameter override,
    such as a decoder trained faster than its encoder) becomes
    ``alpha0 * final_ratio ** ((iteration - start) / (stop - start))``.
    The ``alpha0`` are read when the extension is built, so build it
    before resuming a snapshot; the decay depends only on the iteration
    and so resumes exactly.

    Args:
        optimizers (list): The optimizers to decay.
        start (int): Iteration at which the decay begins.
        stop (int): Iteration at which ``final_ratio`` is reached.
        final_ratio (float): Factor reached at ``stop``.
    """

    trigger = 1, 'iteration'
    priority = training.PRIORITY_WRITER

    def __init__(self, optimizers, start, stop, final_ratio):
        if not 0 <= start < stop:
            raise ValueError(
                'StepSizeDecay: need 0 <= start < stop, got {} and '
                '{}'.format(start, stop))
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

    def __call__(self, trainer):
        factor = self.factor(trainer.updater.iteration)
        for hyperparam, alpha in self.base:
            hyperparam.alpha = alpha * factor
