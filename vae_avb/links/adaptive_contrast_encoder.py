import chainer
import chainer.functions as F

from vae_avb.initializers import Xavier
from vae_avb.links.mlp import MLP
from vae_avb.utils import check_batch
from vae_avb.utils import get_activation


class AdaptiveContrastEncoder(chainer.Chain):

    """AVB's encoder for adaptive contrast: ``z = z0(x) + sum_i a_i(x) v_i``.

    Mescheder et al. 2017, Section 4 and Algorithm 2. An MLP on ``x``
    gives ``z0(x)`` and ``n_basis`` coefficient vectors ``a_i(x)``; each
    basis ``v_i = v_i(eps_i)`` is a small MLP of its own noise
    ``eps_i ~ N(0, I)`` (``n_noise`` values), independent of ``x``. The
    product is elementwise, so ``q(z|x)`` is implicit but its moments
    follow from the structure::

        E[z|x]   = z0(x) + sum_i a_i(x) E[v_i]
        Var[z|x] = sum_i a_i(x)^2 Var[v_i]

    (the ``v_i`` are independent), with ``E[v_i]`` and ``Var[v_i]``
    estimated over a batch of noise, the batch the ``z`` come from by
    default. The ``n_basis`` noise networks run as one batched product
    (weights of shape ``(n_basis, in, out)``).

    Args:
        n_in (int): Data size ``D``.
        n_latent (int): Latent size.
        n_noise (int): Noise size of each basis network.
        n_basis (int): Number of bases (the authors: 32).
        n_hidden (int): Width of the x network's hidden layers.
        n_layers (int): Hidden layers of the x network.
        activation (str or callable): Activation of the x network.
        n_noise_hidden (int): Width of the basis networks' hidden layers.
        n_noise_layers (int): Hidden layers of each basis network.
        noise_activation (str or callable): Their activation.
        center_x (bool): Feed ``2x - 1`` to the x network.
    """

    def __init__(self, n_in, n_latent, n_noise=16, n_basis=32,
                 n_hidden=512, n_layers=2, activation='relu',
                 n_noise_hidden=64, n_noise_layers=2,
                 noise_activation='relu', center_x=True):
        super(AdaptiveContrastEncoder, self).__init__()
        for name, value in (('n_noise', n_noise), ('n_basis', n_basis),
                            ('n_noise_hidden', n_noise_hidden)):
            if int(value) != value or value < 1:
                raise ValueError(
                    'AdaptiveContrastEncoder: {} must be a positive '
                    'integer, got {!r}'.format(name, value))
        self.n_in = n_in
        self.n_latent = n_latent
        self.n_noise = n_noise
        self.n_basis = n_basis
        self.center_x = center_x
        self.noise_activation = get_activation(noise_activation)
        sizes = ([n_noise] + [n_noise_hidden] * n_noise_layers
                 + [n_latent])
        with self.init_scope():
            self.mlp = MLP(n_in, n_hidden, n_latent * (1 + n_basis),
                           n_layers, activation)
            self.noise_W = chainer.ChainList()
            self.noise_b = chainer.ChainList()
        self.n_noise_layers = n_noise_layers
        for size_in, size_out in zip(sizes[:-1], sizes[1:]):
            link = chainer.Link()
            with link.init_scope():
                # One Xavier matrix per basis, as n_basis Linear layers.
                link.W = chainer.Parameter(
                    Xavier(size_in, size_out), (n_basis, size_in, size_out))
            self.noise_W.append(link)
            bias = chainer.Link()
            with bias.init_scope():
                bias.b = chainer.Parameter(0., (n_basis, 1, size_out))
            self.noise_b.append(bias)

    @property
    def dtype(self):
        return self.mlp[0].W.dtype

    def sample_noise(self, batch_size):
        """Draws ``eps`` of shape ``(n_basis, batch_size, n_noise)``."""
        return self.xp.random.standard_normal(
            (self.n_basis, batch_size, self.n_noise)).astype(
                self.dtype, copy=False)

    def bases(self, eps):
        """The basis vectors ``v_i(eps_i)``, shape ``(n_basis, B,
        n_latent)``."""
        h = eps
        last = len(self.noise_W) - 1
        for i, (w, b) in enumerate(zip(self.noise_W, self.noise_b)):
            h = F.matmul(h, w.W)
            h = h + F.broadcast_to(b.b, h.shape)
            if i < last:
                h = self.noise_activation(h)
        return h

    def noise_moments(self, n_samples=10000):
        """``E[v_i]`` and ``Var[v_i]`` from ``n_samples`` noise draws.

        For moments that do not depend on the batch (evaluation, a start
        distribution for AIS, batches of one).

        Returns:
            tuple: Two arrays of shape ``(n_basis, n_latent)``.
        """
        with chainer.no_backprop_mode(), \
                chainer.using_config('train', False):
            v = self.bases(self.sample_noise(n_samples)).array
        return v.mean(axis=1), v.var(axis=1)

    def forward(self, x, eps=None, moments=None):
        """Draws one ``z`` per example with the moments of ``q(z|x)``.

        Args:
            x (chainer.Variable or array): Shape ``(B, n_in)``.
            eps (array or None): Noise ``(n_basis, B, n_noise)``; drawn
                fresh when ``None``.
            moments (tuple or None): ``(E[v], Var[v])`` arrays from
                :meth:`noise_moments`; ``None`` estimates them over this
                batch of noise (it then needs ``B >= 2``).

        Returns:
            tuple: ``(z, mean, var)`` Variables of shape ``(B,
            n_latent)``: the sample and the mean and variance of
            ``q(z|x)``.
        """
        check_batch(x, self.n_in, 'x', 'AdaptiveContrastEncoder',
                    self.dtype)
        batch = x.shape[0]
        if eps is None:
            eps = self.sample_noise(batch)
        expected = (self.n_basis, batch, self.n_noise)
        if tuple(eps.shape) != expected:
            raise ValueError(
                'AdaptiveContrastEncoder: eps has shape {}; pass {} '
                '(n_basis, batch, n_noise) or None'.format(
                    tuple(eps.shape), expected))
        if moments is None and batch < 2:
            raise ValueError(
                'AdaptiveContrastEncoder: a batch of {} cannot estimate '
                'the noise moments; pass moments=encoder.noise_moments() '
                'or at least 2 examples'.format(batch))
        if self.center_x:
            x = 2 * x - 1
        out = self.mlp(x)
        z0 = out[:, :self.n_latent]
        # a[i] is a_i(x): shape (n_basis, B, n_latent).
        a = F.transpose(F.reshape(out[:, self.n_latent:],
                                  (batch, self.n_basis, self.n_latent)),
                        (1, 0, 2))
        v = self.bases(eps)
        z = z0 + F.sum(a * v, axis=0)
        if moments is None:
            mean_v = F.mean(v, axis=1, keepdims=True)
            var_v = F.mean(F.square(v - F.broadcast_to(mean_v, v.shape)),
                           axis=1, keepdims=True)
        else:
            mean_v = self.xp.asarray(moments[0], self.dtype)[:, None]
            var_v = self.xp.asarray(moments[1], self.dtype)[:, None]
        mean = z0 + F.sum(a * F.broadcast_to(mean_v, a.shape), axis=0)
        var = F.sum(F.square(a) * F.broadcast_to(var_v, a.shape), axis=0)
        return z, mean, var

    def normalized_sample(self, x, eps=None, moments=None):
        """``(z - E[z|x]) / std[z|x]`` as an array, without a graph.

        What the adversary contrasts with ``N(0, I)`` in adaptive
        contrast (Algorithm 2).
        """
        with chainer.no_backprop_mode():
            z, mean, var = self.forward(chainer.as_array(x), eps, moments)
        return normalize(z.array, mean.array, var.array)


# The variance is floored here only to keep a degenerate (zero) variance
# from dividing by zero.
VAR_FLOOR = 1e-12


def normalize(z, mean, var):
    """``(z - mean) / sqrt(var)`` on arrays, ``var`` floored at 1e-12."""
    xp = chainer.backend.get_array_module(z)
    return (z - mean) / xp.sqrt(xp.maximum(var, VAR_FLOOR))

