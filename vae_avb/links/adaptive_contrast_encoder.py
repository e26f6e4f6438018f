import chainer
import chainer.functions as F
import numpy

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

    The covariance is known too,
    ``Cov[z|x] = sum_i diag(a_i(x)) Cov[v_i] diag(a_i(x))``, from the
    covariances of the ``v_i``; ``contrast='full'`` uses it.

    The coefficients are, as in the authors' code,
    ``a_i(x) = elu(l_i(x) - c) + 1`` of the x network's outputs ``l_i``,
    with ``c = coefficient_offset`` (5): positive, about ``exp(l_i - c)``
    below ``c`` (a log scale, as a VAE's ``ln_var``), and so small at the
    start (``exp(-5)``) that ``q(z|x)`` begins narrow. With
    ``coefficient_offset=None`` the ``a_i`` are the outputs ``l_i``
    themselves.

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
        coefficient_offset (float or None): ``c`` in
            ``a_i = elu(l_i - c) + 1``; ``None`` for ``a_i = l_i``.
        contrast (str): The Gaussian ``r(z|x)`` that adaptive contrast
            fits to ``q(z|x)`` (:meth:`contrast_moments`):
            ``'diagonal'`` (the paper's: mean and variances) or
            ``'full'`` (mean and the full covariance, also known from the
            structure, so that ``r`` takes the correlations of ``q`` off
            the adversary).
    """

    def __init__(self, n_in, n_latent, n_noise=16, n_basis=32,
                 n_hidden=512, n_layers=2, activation='relu',
                 n_noise_hidden=64, n_noise_layers=2,
                 noise_activation='relu', center_x=True,
                 coefficient_offset=5., contrast='diagonal'):
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
        self.coefficient_offset = coefficient_offset
        if contrast not in ('diagonal', 'full'):
            raise ValueError(
                "AdaptiveContrastEncoder: contrast must be 'diagonal' or "
                "'full', got {!r}".format(contrast))
        self.contrast = contrast
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

    def noise_moments(self, n_samples=10000, covariance=False):
        """``E[v_i]`` and ``Var[v_i]`` from ``n_samples`` noise draws.

        For moments that do not depend on the batch (evaluation, a start
        distribution for AIS, batches of one).

        Args:
            n_samples (int): Noise draws.
            covariance (bool): Return the covariance matrices
                ``Cov[v_i]``, shape ``(n_basis, n_latent, n_latent)``,
                instead of the variances.

        Returns:
            tuple: Two arrays, ``E[v]`` of shape ``(n_basis, n_latent)``
            and ``Var[v]`` of the same shape (or ``Cov[v]``).
        """
        with chainer.no_backprop_mode(), \
                chainer.using_config('train', False):
            v = self.bases(self.sample_noise(n_samples)).array
        return basis_moments(v, covariance)

    def _parts(self, x, eps, moments):
        """``(z, z0, a, v)`` with their graphs after the input checks."""
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
        a = out[:, self.n_latent:]
        if self.coefficient_offset is not None:
            # elu(s) + 1, written so that small a keep their precision:
            # exp(s) for s < 0 (elu(s) + 1 would round 1 - tiny), s + 1
            # above.
            s = a - self.coefficient_offset
            a = F.relu(s) + F.exp(-F.relu(-s))
        # a[i] is a_i(x): shape (n_basis, B, n_latent).
        a = F.transpose(F.reshape(a, (batch, self.n_basis, self.n_latent)),
                        (1, 0, 2))
        v = self.bases(eps)
        z = z0 + F.sum(a * v, axis=0)
        return z, z0, a, v

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
        z, z0, a, v = self._parts(x, eps, moments)
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

    def contrast_moments(self, x, eps=None, moments=None):
        """The sample and the Gaussian ``r(z|x)`` that adaptive contrast
        fits to ``q(z|x)``, the moments as constants.

        Args:
            x, eps: As for :meth:`forward`.
            moments (tuple or None): As for :meth:`forward`; for
                ``contrast='full'`` from ``noise_moments(covariance=True)``.

        Returns:
            tuple: ``(z, mean, spread)``: ``z`` the Variable of
            :meth:`forward` (with its graph), ``mean`` an array ``(B,
            n_latent)`` and ``spread`` an array, the variances ``(B,
            n_latent)`` for ``contrast='diagonal'``, the covariance
            matrices ``(B, n_latent, n_latent)`` for ``'full'``.
        """
        # Arrays only: the moments are constants here, so no graph is
        # built for them (forward gives them as Variables).
        z, z0, a, v = self._parts(x, eps, moments)
        full = self.contrast == 'full'
        a, v = a.array, v.array
        if moments is None:
            mean_v, spread_v = basis_moments(v, full)
        else:
            mean_v = self.xp.asarray(moments[0], self.dtype)
            spread_v = self.xp.asarray(moments[1], self.dtype)
            if spread_v.ndim != (3 if full else 2):
                raise ValueError(
                    "AdaptiveContrastEncoder: contrast={!r} needs the basis "
                    "{}; pass moments=encoder.noise_moments(covariance={})"
                    .format(self.contrast,
                            'covariances' if full else 'variances', full))
        mean = z0.array + (a * mean_v[:, None]).sum(axis=0)
        if not full:
            return z, mean, (a * a * spread_v[:, None]).sum(axis=0)
        # sum_i diag(a_i) Cov[v_i] diag(a_i), one (n, n) matrix per row.
        cov = self.xp.einsum('kbi,kij,kbj->bij', a, spread_v, a)
        return z, mean, cov

    def normalized_sample(self, x, eps=None, moments=None):
        """``z_bar``, the sample standardised by ``r(z|x)``, as an array
        without a graph: ``(z - E[z|x]) / std[z|x]`` for
        ``contrast='diagonal'``, ``L^-1 (z - E[z|x])`` with ``L L^T =
        Cov[z|x]`` for ``'full'``.

        What the adversary contrasts with ``N(0, I)`` in adaptive
        contrast (Algorithm 2).
        """
        with chainer.no_backprop_mode():
            z, mean, spread = self.contrast_moments(
                chainer.as_array(x), eps, moments)
        return standardize(z.array, mean, spread)[0]


# The variance is floored here only to keep a degenerate (zero) variance
# from dividing by zero; a covariance gets this much, relative to its
# mean variance, on its diagonal before its Cholesky factorisation.
VAR_FLOOR = 1e-12
COV_JITTER = 1e-6


def basis_moments(v, covariance):
    """``E[v_i]`` and ``Var[v_i]`` (or ``Cov[v_i]``) over the batch axis of
    ``v`` ``(n_basis, B, n)``."""
    if covariance:
        return v.mean(axis=1), basis_covariance(v)
    return v.mean(axis=1), v.var(axis=1)


def basis_covariance(v):
    """``Cov[v_i]`` over the batch axis of ``v`` ``(n_basis, B, n)``:
    shape ``(n_basis, n, n)``."""
    centred = v - v.mean(axis=1, keepdims=True)
    # The divisor in v's dtype (NumPy 1 would promote by a large int).
    return centred.transpose(0, 2, 1) @ centred / v.dtype.type(v.shape[1])


def whitening(cov):
    """``(L^-1, sum log diag L)`` for ``L L^T = cov`` (``(B, n, n)``).

    A jitter of 1e-6 times the mean variance (and at least 1e-12) is added
    to the diagonal first. A ``cov`` that is still not positive definite
    raises ``ValueError``, on the CPU and on a GPU alike.
    """
    xp = chainer.backend.get_array_module(cov)
    n = cov.shape[-1]
    scale = xp.trace(cov, axis1=1, axis2=2) / n
    jitter = xp.maximum(COV_JITTER * scale, VAR_FLOOR)
    work = cov.astype(numpy.float64) + jitter[:, None, None] * xp.eye(n)
    try:
        lower = xp.linalg.cholesky(work)
    except numpy.linalg.LinAlgError:
        lower = None
    # NumPy raises on a matrix that is not positive definite; CuPy returns
    # NaN instead (one check of the small factor, on the GPU one sync).
    if lower is None or not bool(xp.isfinite(lower).all()):
        raise ValueError(
            'AdaptiveContrastEncoder: a covariance of q(z|x) is not '
            'positive definite; use contrast=\'diagonal\' or a larger '
            'batch')
    inverse = lower_inverse(lower)
    log_det = xp.log(xp.diagonal(lower, axis1=1, axis2=2)).sum(axis=1)
    return inverse.astype(cov.dtype), log_det.astype(cov.dtype)


def lower_inverse(lower):
    """``L^-1`` of lower-triangular matrices ``(B, n, n)`` by forward
    substitution, one row at a time for all ``B`` at once (``n`` small
    products instead of ``B`` LAPACK calls, each of which can cost a
    thread wake-up)."""
    xp = chainer.backend.get_array_module(lower)
    n = lower.shape[-1]
    identity = xp.eye(n, dtype=lower.dtype)
    inverse = xp.zeros_like(lower)
    for i in range(n):
        inverse[:, i] = (identity[i] - (lower[:, i:i + 1, :i]
                                        @ inverse[:, :i])[:, 0]) \
            / lower[:, i, i, None]
    return inverse


def standardize(z, mean, spread):
    """``z_bar`` and ``log |Cov|^(1/2)`` of ``r(z|x)``.

    Args:
        z (array or chainer.Variable): Samples ``(B, n)``; a Variable
            keeps its graph (``mean`` and ``spread`` are constants).
        mean (array): ``E[z|x]``, ``(B, n)``.
        spread (array): Variances ``(B, n)`` (floored at 1e-12), or
            covariance matrices ``(B, n, n)``.

    Returns:
        tuple: ``z_bar`` (``(z - mean) / sqrt(var)``, or ``L^-1 (z -
        mean)`` with ``L L^T = Cov``), of ``z``'s kind, and the array of
        ``log |Cov|^(1/2)`` per row.
    """
    xp = chainer.backend.get_array_module(mean)
    if spread.ndim == 2:
        var = xp.maximum(spread, VAR_FLOOR)
        return (z - mean) * (1 / xp.sqrt(var)), 0.5 * xp.log(var).sum(1)
    inverse, half_log_det = whitening(spread)
    if isinstance(z, chainer.Variable):
        z_bar = F.matmul(inverse, F.expand_dims(z - mean, 2))[:, :, 0]
    else:
        z_bar = (inverse @ (z - mean)[:, :, None])[:, :, 0]
    return z_bar, half_log_det
