from chainer.dataset import convert
from chainer import training

from vae_avb.training.skip_nonfinite import convert_batch
from vae_avb.training.skip_nonfinite import report_skip
from vae_avb.training.skip_nonfinite import update_unless_nonfinite
from vae_avb.utils.check import check_count


class AVBUpdater(training.updaters.StandardUpdater):

    """Alternating updates of Adversarial Variational Bayes.

    Mescheder et al. 2017, Algorithm 1: each iteration takes one batch
    ``x``, makes ``n_adversary_steps`` steps on the adversary objective
    (Eq. 3.3), then one step on the encoder/decoder objective (Eq. 3.7).
    Every step draws fresh encoder noise and fresh prior samples (seed 004
    drew them once and reused them, which biases both objectives).

    Each network has one optimizer and is chosen by object: the
    ``'main'`` optimizer is set up on an :class:`~vae_avb.losses.AVBLoss`,
    which owns the encoder and decoder; the ``'adversary'`` optimizer on an
    :class:`~vae_avb.losses.AdversaryLoss`, which owns the adversary. The
    Trainer reports their values as ``main/...`` and ``adversary/...``.

    Args:
        iterator: Iterator over data examples (``'main'``).
        optimizers (dict): ``{'main': ..., 'adversary': ...}``.
        n_adversary_steps (int): Adversary steps per iteration.
        converter: Batch converter, as for ``StandardUpdater``.
        device: Device the batches are sent to.
        skip_nonfinite (bool): Skip a step whose loss or reported values
            are NaN or inf instead of applying it (see
            :class:`~vae_avb.training.SkipNonFiniteUpdater`); the other
            steps of the iteration still run.
    """

    def __init__(self, iterator, optimizers, n_adversary_steps=1,
                 converter=convert.concat_examples, device=None,
                 skip_nonfinite=False):
        if not isinstance(optimizers, dict) or \
                set(optimizers) != {'main', 'adversary'}:
            raise ValueError(
                "AVBUpdater: optimizers must be a dict with the keys 'main' "
                "(set up on an AVBLoss) and 'adversary' (on an "
                "AdversaryLoss)")
        n_adversary_steps = check_count(n_adversary_steps,
                                        'n_adversary_steps', 'AVBUpdater')
        if not isinstance(skip_nonfinite, bool):
            raise TypeError('AVBUpdater: skip_nonfinite must be True or '
                            'False, got {!r}'.format(skip_nonfinite))
        super(AVBUpdater, self).__init__(
            iterator, optimizers, converter=converter, device=device)
        self.n_adversary_steps = int(n_adversary_steps)
        self.skip_nonfinite = skip_nonfinite
        self.skipped = 0

    def _step(self, optimizer, x):
        if self.skip_nonfinite:
            report_skip(self, update_unless_nonfinite(
                optimizer, optimizer.target, x))
        else:
            optimizer.update(optimizer.target, x)

    def update_core(self):
        iterator = self.get_iterator('main')
        x = convert_batch(self, iterator.next())
        adversary = self.get_optimizer('adversary')
        for _ in range(self.n_adversary_steps):
            self._step(adversary, x)
        main = self.get_optimizer('main')
        self._step(main, x)
        if iterator.is_new_epoch:
            adversary.new_epoch(auto=True)
            main.new_epoch(auto=True)
