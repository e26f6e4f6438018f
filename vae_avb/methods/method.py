"""The base of the paper methods: what every method answers."""
import contextlib
import dataclasses
import os

import numpy

import chainer
from chainer.serializers import npz

from vae_avb.optimizers import Adam
from vae_avb.training import load_snapshot
from vae_avb.training import save_atomic


class Model(object):

    """The networks and losses a method built.

    Attributes:
        encoder, decoder: The networks of ``q(z|x)`` and ``p(x|z)``.
        loss: The encoder/decoder loss (owns both; the ``'main'``
            optimizer's target).
        adversary: The adversary ``T(x, z)``, or ``None`` (VAE).
        adversary_loss: Its loss (owns the adversary; the
            ``'adversary'`` optimizer's target), or ``None``.
    """

    def __init__(self, encoder, decoder, loss, adversary=None,
                 adversary_loss=None):
        self.encoder = encoder
        self.decoder = decoder
        self.loss = loss
        self.adversary = adversary
        self.adversary_loss = adversary_loss

    def targets(self):
        """``{'main': loss, 'adversary': adversary_loss}`` (the adversary
        only where there is one)."""
        targets = {'main': self.loss}
        if self.adversary_loss is not None:
            targets['adversary'] = self.adversary_loss
        return targets

    def to_device(self, device):
        for target in self.targets().values():
            target.to_device(device)
        return self


class Method(object):

    """One method of the papers: the single override point.

    A method is built from a :class:`~vae_avb.methods.MethodConfig`;
    :meth:`build` makes its networks and losses, :meth:`make_optimizers`
    and :meth:`make_updater` train them, and the rest answers what
    evaluation needs. Subclasses set :attr:`key` and override
    :meth:`build_model`, :meth:`ais_start` and :meth:`posterior_sample`.
    """

    key = None
    # Whether the reported ELBO uses the adversary's estimate of the KL.
    elbo_is_estimate = False
    # Config entries the method does not use.
    unused = ()
    # The Trainer's report keys of the training losses.
    report_keys = ('main/loss', 'main/reconstruction', 'main/kl')
    # The AIS start distribution, in words.
    ais_start_name = 'encoder Gaussian'

    def __init__(self, config):
        if config.method != self.key:
            raise ValueError('{}: the configuration is for method {!r}, not '
                             '{!r}'.format(type(self).__name__,
                                           config.method, self.key))
        self.config = config

    @property
    def title(self):
        """The paper's name of the model, e.g. ``'AVB + AC (8-dim)'``."""
        raise NotImplementedError

    def settings(self, used_only=True):
        """The configuration's entries, flat (the network family's beside
        the others): with ``used_only``, only those this method uses,
        what tells two runs apart."""
        values = dataclasses.asdict(self.config)
        networks = values.pop('networks')
        values.update(networks)
        values['family'] = self.config.networks.family
        return {k: v for k, v in values.items()
                if not used_only or k not in self.unused}

    def build(self, device=None):
        """Builds the networks and losses (drawing their initial weights
        from NumPy's global random state, decoder first) and sends them
        to ``device``.

        Returns:
            Model: The networks and losses.
        """
        model = self.build_model()
        if device is not None:
            model.to_device(device)
        return model

    def build_model(self):
        raise NotImplementedError

    def make_optimizers(self, model):
        """One Adam per target (Chainer's Adam computed in one compiled
        loop; ``beta1`` from the configuration), the decoder with its own
        step size when ``decoder_lr`` is set."""
        c = self.config
        rates = {'main': c.lr, 'adversary': c.adversary_lr}
        optimizers = {}
        for name, target in model.targets().items():
            optimizers[name] = Adam(rates[name], beta1=c.beta1)
            optimizers[name].setup(target)
        if c.decoder_lr is not None:
            for param in model.decoder.params():
                param.update_rule.hyperparam.alpha = c.decoder_lr
        return optimizers

    def make_updater(self, model, optimizers, iterator, converter, device,
                     skip_nonfinite=False):
        raise NotImplementedError

    def ais_start(self, model, x, batch_size=500):
        """The AIS start distribution for the images ``x``: ``None`` for
        the prior, or ``(mean, std)`` arrays of shape ``(N, dim_z)``."""
        raise NotImplementedError

    def posterior_sample(self, model, x):
        """One ``z ~ q(z|x)`` per row of ``x``, as an array (no graph)."""
        raise NotImplementedError

    def save(self, model, out):
        """Writes ``model.npz`` (the main loss: encoder and decoder) and,
        where there is one, ``adversary.npz``, atomically; refuses
        (:class:`~vae_avb.training.NonFiniteLossError`) weights holding
        NaN or inf."""
        save_atomic(os.path.join(out, 'model.npz'), model.loss,
                    check_finite=True)
        if model.adversary is not None:
            # Used, not owned, by the loss: saved apart.
            save_atomic(os.path.join(out, 'adversary.npz'), model.adversary,
                        check_finite=True)

    def load(self, model, folder, snapshot=None):
        """Loads :meth:`save`'s files from ``folder`` into ``model``,
        without unpickling. The adversary comes from ``adversary.npz``,
        or from ``snapshot`` (a trainer snapshot of the run) when there is
        none.

        Raises:
            vae_avb.training.SnapshotError: A file is missing, corrupt or
                does not match the configuration; ``model`` is then left
                as it was.
        """
        # What the loss holds, put back if the adversary is refused: a
        # refused load leaves the whole model as it was.
        kept = npz.DictionarySerializer()
        model.loss.serialize(kept)
        kept = {key: numpy.array(value, copy=True)
                for key, value in kept.target.items()}
        # A finished run's files: resuming is no fix for them.
        fix = 'pass the --out folder of a finished run, its files as it ' \
            'wrote them'
        load_snapshot(os.path.join(folder, 'model.npz'), model.loss, fix=fix)
        if model.adversary is None:
            return
        path = os.path.join(folder, 'adversary.npz')
        try:
            if os.path.lexists(path) or snapshot is None:
                load_snapshot(path, model.adversary, fix=fix)
            else:
                load_snapshot(snapshot, model.adversary,
                              'updater/model:adversary/adversary/', fix=fix)
        except BaseException:
            npz.NpzDeserializer(kept, strict=False).load(model.loss)
            raise


@contextlib.contextmanager
def no_graph():
    """Test mode, no backpropagation: how evaluation runs the networks."""
    with chainer.no_backprop_mode(), chainer.using_config('train', False):
        yield
