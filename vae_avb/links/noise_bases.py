import numpy

import chainer
from chainer import backend
from chainer import initializer
import chainer.functions as F

from vae_avb.functions.basis_moments import basis_moments
from vae_avb.initializers import Xavier
from vae_avb.links.mlp import MAX_LAYERS
from vae_avb.functions import get_activation
from vae_avb.utils.check import check_bool
from vae_avb.utils.check import check_count
from vae_avb.utils.check import check_initializer
from vae_avb.utils.check import check_values


class _PerBasis(initializer.Initializer):

    """Applies ``base`` to each basis's matrix in Chainer's ``(out, in)``
    layout, so that it reads the fans of one Linear layer, and stores it
    transposed in the ``(n_basis, in, out)`` weight."""

    def __init__(self, base):
        self.base = base
        super(_PerBasis, self).__init__()

    def __call__(self, array):
        xp = backend.get_array_module(array)
        for i in range(array.shape[0]):
            matrix = xp.empty(array.shape[:0:-1], array.dtype)
            self.base(matrix)
            array[i] = matrix.T


def bases_shapes(n_noise, n_latent, n_basis, n_hidden, n_layers):
    """The shapes of the bases' weights ``(n_basis, in, out)`` and biases
    ``(n_basis, 1, out)``, layer by layer, for
    :func:`~vae_avb.utils.check.check_initializer`."""
    sizes = [n_noise] + [n_hidden] * n_layers + [n_latent]
    return ([(n_basis, a, b) for a, b in zip(sizes[:-1], sizes[1:])],
            [(n_basis, 1, b) for b in sizes[1:]])


class NoiseBases(chainer.Chain):

    """``n_basis`` independent noise networks ``v_i = v_i(eps_i)``.

    The bases of the adaptive-contrast encoder (Mescheder et al. 2017,
    Section 4): each ``v_i`` is a small MLP of its own noise ``eps_i ~
    N(0, I)`` (``n_noise`` values) with outputs of size ``n_latent``. The
    ``n_basis`` networks run as one batched product: layer ``l`` holds
    the weights ``noise_W[l].W`` of shape ``(n_basis, in, out)`` (one
    Xavier matrix per basis) and the biases ``noise_b[l].b`` of shape
    ``(n_basis, 1, out)``.

    Args:
        n_noise (int): Noise size of each basis network.
        n_latent (int): Size of each basis vector.
        n_basis (int): Number of bases.
        n_hidden (int): Width of the hidden layers.
        n_layers (int): Hidden layers of each network (0: linear bases).
        activation (str or callable): Activation of the hidden layers.
        initialW: Weight initializer, applied to each basis's matrix as to
            one Linear layer's; ``None`` gives
            :class:`~vae_avb.initializers.Xavier`.
        initial_bias: Bias initializer; ``None`` gives zeros.
    """

    def __init__(self, n_noise, n_latent, n_basis=32, n_hidden=64,
                 n_layers=2, activation='relu', initialW=None,
                 initial_bias=None):
        super(NoiseBases, self).__init__()
        where = type(self).__name__
        n_noise, n_latent, n_basis, n_hidden = (
            check_count(value, name, where) for name, value in (
                ('n_noise', n_noise), ('n_latent', n_latent),
                ('n_basis', n_basis), ('n_hidden', n_hidden)))
        n_layers = check_count(n_layers, 'n_layers', where, 0, MAX_LAYERS)
        w_shapes, b_shapes = bases_shapes(n_noise, n_latent, n_basis,
                                          n_hidden, n_layers)
        check_initializer(initialW, 'initialW', where, w_shapes)
        check_initializer(initial_bias, 'initial_bias', where, b_shapes)
        if callable(initialW):
            initialW = _PerBasis(initialW)
        self.n_noise = n_noise
        self.n_latent = n_latent
        self.n_basis = n_basis
        self.noise_activation = get_activation(activation)
        self.n_noise_layers = n_layers
        sizes = [n_noise] + [n_hidden] * n_layers + [n_latent]
        with self.init_scope():
            self.noise_W = chainer.ChainList()
            self.noise_b = chainer.ChainList()
        for size_in, size_out in zip(sizes[:-1], sizes[1:]):
            link = chainer.Link()
            with link.init_scope():
                # One Xavier matrix per basis, as n_basis Linear layers.
                link.W = chainer.Parameter(
                    Xavier(size_in, size_out) if initialW is None
                    else initialW, (n_basis, size_in, size_out))
            self.noise_W.append(link)
            bias = chainer.Link()
            with bias.init_scope():
                bias.b = chainer.Parameter(
                    0. if initial_bias is None else initial_bias,
                    (n_basis, 1, size_out))
            self.noise_b.append(bias)

    @property
    def dtype(self):
        return self.noise_W[0].W.dtype

    def _check_eps(self, eps, batch=None):
        """Checks that ``eps`` is an array of this link's dtype and of
        shape ``(n_basis, batch, n_noise)`` (any batch when ``None``)."""
        where = type(self).__name__
        shape = getattr(eps, 'shape', None)
        dtype = getattr(eps, 'dtype', None)
        if shape is None or dtype is None:
            raise TypeError(
                '{}: eps must be an array (NumPy or CuPy) or a '
                'chainer.Variable, got {}; draw it with sample_noise(batch) '
                'or pass None'.format(where, type(eps).__name__))
        shape = tuple(shape)
        if (len(shape) != 3 or shape[0] != self.n_basis
                or shape[2] != self.n_noise
                or (batch is not None and shape[1] != batch)):
            raise ValueError(
                '{}: eps has shape {}; pass ({}, {}, {}) (n_basis, batch, '
                'n_noise) or None'.format(
                    where, shape, self.n_basis,
                    'batch' if batch is None else batch, self.n_noise))
        if numpy.dtype(dtype) != numpy.dtype(self.dtype):
            raise TypeError(
                '{}: eps has dtype {}, expected {}; convert with '
                'eps.astype(numpy.{})'.format(
                    where, numpy.dtype(dtype).name,
                    numpy.dtype(self.dtype).name,
                    numpy.dtype(self.dtype).name))
        check_values(eps, 'eps', where)

    def sample_noise(self, batch_size):
        """Draws ``eps`` of shape ``(n_basis, batch_size, n_noise)``."""
        batch_size = check_count(batch_size, 'batch_size',
                                 '{}.sample_noise'.format(
                                     type(self).__name__))
        return self.xp.random.standard_normal(
            (self.n_basis, batch_size, self.n_noise)).astype(
                self.dtype, copy=False)

    def bases(self, eps):
        """The basis vectors ``v_i(eps_i)``, shape ``(n_basis, B,
        n_latent)``, from ``eps`` of shape ``(n_basis, B, n_noise)``."""
        self._check_eps(eps)
        return self._bases(eps)

    def _bases(self, eps):
        """:meth:`bases` of an ``eps`` already checked or drawn here."""
        h = eps
        last = len(self.noise_W) - 1
        for i, (w, b) in enumerate(zip(self.noise_W, self.noise_b)):
            h = F.matmul(h, w.W)
            h = h + F.broadcast_to(b.b, h.shape)
            if i < last:
                h = self.noise_activation(h)
        return h

    def forward(self, eps):
        """:meth:`bases`."""
        return self.bases(eps)

    def noise_moments(self, n_samples=10000, covariance=False):
        """``E[v_i]`` and ``Var[v_i]`` from ``n_samples`` noise draws.

        For moments that do not depend on the batch (evaluation, a start
        distribution for AIS, batches of one).

        Args:
            n_samples (int): Noise draws, at least 2 (one has no
                variance).
            covariance (bool): Return the covariance matrices
                ``Cov[v_i]``, shape ``(n_basis, n_latent, n_latent)``,
                instead of the variances.

        Returns:
            tuple: Two arrays, ``E[v]`` of shape ``(n_basis, n_latent)``
            and ``Var[v]`` of the same shape (or ``Cov[v]``).
        """
        where = '{}.noise_moments'.format(type(self).__name__)
        n_samples = check_count(n_samples, 'n_samples', where, minimum=2)
        covariance = check_bool(covariance, 'covariance', where)
        with chainer.no_backprop_mode(), \
                chainer.using_config('train', False):
            v = self._bases(self.sample_noise(n_samples)).array
        return basis_moments(v, covariance)
