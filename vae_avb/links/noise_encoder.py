import chainer
import chainer.functions as F

from vae_avb.links.mlp import dense_shapes
from vae_avb.links.mlp import MAX_LAYERS
from vae_avb.links.mlp import MLP
from vae_avb.utils import check_batch
from vae_avb.utils.check import check_bool
from vae_avb.utils.check import check_count
from vae_avb.utils.check import check_initializer
from vae_avb.utils.check import check_values
from vae_avb.utils.check import MAX_COUNT
from vae_avb.utils.removed import FUSED_REMOVED
from vae_avb.utils.removed import refuse_removed


class NoiseEncoder(chainer.Chain):

    """AVB's implicit encoder ``z = f(x, eps)`` with ``eps ~ N(0, I)``.

    Mescheder et al. 2017, Section 3 and Algorithm 1: the noise enters the
    network as an input, so ``q(z|x)`` has no closed-form density. The
    network is an MLP on ``concat(x', eps)`` with ``x' = 2x - 1`` when
    ``center_x`` (seed 004) and ``x' = x`` otherwise.

    Args:
        n_in (int): Data size ``D``.
        n_latent (int): Latent size.
        n_noise (int or None): Noise size; ``None`` means ``n_latent``
            (seed 004). The authors use 64 on the toy.
        n_hidden (int): Width of the hidden layers (seed 004: 512).
        n_layers (int): Number of hidden layers (seed 004: 3).
        activation (str or callable): Hidden activation (seed 004: relu).
        center_x (bool): Feed ``2x - 1`` instead of ``x``.
        initialW: Weight initializer; ``None`` gives
            :class:`~vae_avb.initializers.Xavier`.
        initial_bias: Bias initializer; ``None`` gives zeros.
    """

    def __init__(self, n_in, n_latent, n_noise=None, n_hidden=512,
                 n_layers=3, activation='relu', center_x=True,
                 initialW=None, initial_bias=None, fused=None):
        refuse_removed('NoiseEncoder', 'fused', fused, FUSED_REMOVED)
        super(NoiseEncoder, self).__init__()
        where = 'NoiseEncoder'
        n_in, n_latent, n_hidden = (
            check_count(value, name, where) for name, value in (
                ('n_in', n_in), ('n_latent', n_latent),
                ('n_hidden', n_hidden)))
        # At least one noise value: without, the encoder is deterministic.
        n_noise = n_latent if n_noise is None else check_count(
            n_noise, 'n_noise', where)
        if n_in + n_noise > MAX_COUNT:
            raise ValueError(
                '{}: n_in + n_noise is {}, above {} (the network\'s input '
                'size); lower n_noise'.format(where, n_in + n_noise,
                                              MAX_COUNT))
        n_layers = check_count(n_layers, 'n_layers', where, 0, MAX_LAYERS)
        self.center_x = check_bool(center_x, 'center_x', where)
        w_shapes, b_shapes = dense_shapes(
            [n_in + n_noise] + [n_hidden] * n_layers + [n_latent])
        check_initializer(initialW, 'initialW', where, w_shapes)
        check_initializer(initial_bias, 'initial_bias', where, b_shapes)
        self.n_in = n_in
        self.n_latent = n_latent
        self.n_noise = n_noise
        with self.init_scope():
            self.mlp = MLP(n_in + self.n_noise, n_hidden, n_latent, n_layers,
                           activation, initialW=initialW,
                           initial_bias=initial_bias)

    def sample_noise(self, batch_size):
        """Draws ``eps ~ N(0, I)`` of shape ``(batch_size, n_noise)``."""
        batch_size = check_count(batch_size, 'batch_size',
                                 '{}.sample_noise'.format(
                                     type(self).__name__))
        return self.xp.random.standard_normal(
            (batch_size, self.n_noise)).astype(self.dtype, copy=False)

    @property
    def dtype(self):
        """The parameters' dtype."""
        return self.mlp.dtype

    def forward(self, x, eps=None):
        """Draws one ``z`` per example.

        Args:
            x (chainer.Variable or array): Shape ``(B, n_in)``.
            eps (array or None): Noise ``(B, n_noise)``; drawn fresh from
                the global random state when ``None``.

        Returns:
            chainer.Variable: ``z`` of shape ``(B, n_latent)``.
        """
        x, eps = self._inputs(x, eps)
        if isinstance(x, chainer.Variable) or \
                isinstance(eps, chainer.Variable):
            return self.mlp(F.concat((x, eps), axis=1))
        # Data and noise are constants: join them without a graph node.
        return self.mlp(self.xp.concatenate((x, eps), axis=1))

    def sample(self, x, eps=None):
        """Draws one ``z`` per example as an array, without a graph.

        What :meth:`forward` computes, for a step that needs the sample
        but no gradient through it (the adversary's step of AVB); with a
        fused MLP no function node is created.

        Args:
            x (chainer.Variable or array): Shape ``(B, n_in)``.
            eps (array or None): Noise ``(B, n_noise)``; drawn fresh from
                the global random state when ``None``.

        Returns:
            array: ``z`` of shape ``(B, n_latent)``.
        """
        x, eps = self._inputs(chainer.as_array(x), eps)
        return self.mlp.forward_array(
            self.xp.concatenate((x, chainer.as_array(eps)), axis=1))

    def _inputs(self, x, eps):
        """Checked ``x`` (centred when ``center_x``) and ``eps`` (drawn
        when ``None``), for :meth:`forward` and :meth:`sample`."""
        dtype, where = self.dtype, type(self).__name__
        check_batch(x, self.n_in, 'x', where, dtype)
        if eps is None:
            eps = self.sample_noise(x.shape[0])
        else:
            check_batch(eps, self.n_noise, 'eps', where, dtype,
                        'pass noise of shape (batch, {}) or None'.format(
                            self.n_noise))
            check_values(eps, 'eps', where)
        if eps.shape[0] != x.shape[0]:
            raise ValueError(
                '{}: eps has {} rows but x has {}; pass one noise row per '
                'example'.format(where, eps.shape[0], x.shape[0]))
        if self.center_x:
            x = 2 * x - 1
        return x, eps
