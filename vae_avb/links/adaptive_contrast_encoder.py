import collections
import math
import numbers

import numpy

import chainer
import chainer.functions as F

from vae_avb.functions.basis_covariance import basis_covariance  # NOQA
from vae_avb.functions.basis_moments import basis_moments  # NOQA
from vae_avb.functions.contrast_gaussian import contrast_gaussian
from vae_avb.functions.lower_inverse import lower_inverse  # NOQA
from vae_avb.functions.posterior_moments import posterior_moments
from vae_avb.functions.standardize import standardize  # NOQA
from vae_avb.functions.whitening import COV_JITTER  # NOQA
from vae_avb.functions.whitening import VAR_FLOOR  # NOQA
from vae_avb.functions.whitening import whitening  # NOQA
from vae_avb.links.mlp import dense_shapes
from vae_avb.links.mlp import MAX_LAYERS
from vae_avb.links.mlp import MLP
from vae_avb.links.noise_bases import bases_shapes
from vae_avb.links.noise_bases import NoiseBases
from vae_avb.utils import check_batch
from vae_avb.utils.check import check_bool
from vae_avb.utils.check import check_count
from vae_avb.utils.check import check_initializer
from vae_avb.utils.check import check_values
from vae_avb.utils.check import MAX_COUNT

# basis_moments, basis_covariance, whitening, lower_inverse, standardize,
# VAR_FLOOR and COV_JITTER lived here before vae_avb.functions; they are
# still importable from this module.


class ContrastPosterior(collections.namedtuple(
        'ContrastPosterior', ('z', 'mean', 'spread'))):

    """A draw from ``q(z|x)`` with the moments that ``r(z|x)`` takes.

    What :meth:`AdaptiveContrastEncoder.posterior` returns;
    ``vae_avb.functions.contrast_gaussian(mean, spread)`` is the Gaussian
    ``r(z|x)``.

    Attributes:
        z (chainer.Variable): The sample ``(B, n_latent)``, with its graph.
        mean (array): ``E[z|x]``, ``(B, n_latent)``, a constant.
        spread (array): ``Var[z|x]`` ``(B, n_latent)`` (``contrast=
            'diagonal'``) or ``Cov[z|x]`` ``(B, n_latent, n_latent)``
            (``'full'``), a constant.
    """

    __slots__ = ()


class AdaptiveContrastEncoder(NoiseBases):

    """AVB's encoder for adaptive contrast: ``z = z0(x) + sum_i a_i(x) v_i``.

    Mescheder et al. 2017, Section 4 and Algorithm 2. An MLP on ``x``
    gives ``z0(x)`` and ``n_basis`` coefficient vectors ``a_i(x)``; each
    basis ``v_i = v_i(eps_i)`` is a small MLP of its own noise
    ``eps_i ~ N(0, I)`` (``n_noise`` values), independent of ``x``. The
    product is elementwise, so ``q(z|x)`` is implicit but its moments
    follow from the structure
    (:func:`~vae_avb.functions.posterior_moments`)::

        E[z|x]   = z0(x) + sum_i a_i(x) E[v_i]
        Var[z|x] = sum_i a_i(x)^2 Var[v_i]

    (the ``v_i`` are independent), with ``E[v_i]`` and ``Var[v_i]``
    estimated over a batch of noise, the batch the ``z`` come from by
    default. The covariance is known too,
    ``Cov[z|x] = sum_i diag(a_i(x)) Cov[v_i] diag(a_i(x))``, from the
    covariances of the ``v_i``; ``contrast='full'`` uses it.

    The encoder is a :class:`~vae_avb.links.NoiseBases` (the ``n_basis``
    noise networks, run as one batched product) with the x network
    ``mlp`` added: it extends the bases rather than holding them as a
    child so that their parameters keep the paths ``/noise_W/<l>/W`` and
    ``/noise_b/<l>/b`` of earlier ``model.npz`` files and snapshots.

    :meth:`posterior` is the one route to ``q(z|x)``: a sample and its
    moments as constants, from which ``r(z|x)``
    (:func:`~vae_avb.functions.contrast_gaussian`), :meth:`contrast_moments`
    and :meth:`normalized_sample` follow; :meth:`forward` is the same
    computation with the moments' graph, diagonal.

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
            fits to ``q(z|x)`` (:meth:`posterior`):
            ``'diagonal'`` (the paper's: mean and variances) or
            ``'full'`` (mean and the full covariance, also known from the
            structure, so that ``r`` takes the correlations of ``q`` off
            the adversary).
        initialW: Weight initializer of the x network and the bases;
            ``None`` gives :class:`~vae_avb.initializers.Xavier`.
        initial_bias: Bias initializer; ``None`` gives zeros.
    """

    def __init__(self, n_in, n_latent, n_noise=16, n_basis=32,
                 n_hidden=512, n_layers=2, activation='relu',
                 n_noise_hidden=64, n_noise_layers=2,
                 noise_activation='relu', center_x=True,
                 coefficient_offset=5., contrast='diagonal', initialW=None,
                 initial_bias=None):
        where = 'AdaptiveContrastEncoder'
        n_in, n_latent, n_basis, n_hidden = (
            check_count(value, name, where) for name, value in (
                ('n_in', n_in), ('n_latent', n_latent),
                ('n_basis', n_basis), ('n_hidden', n_hidden)))
        n_layers = check_count(n_layers, 'n_layers', where, 0, MAX_LAYERS)
        # The x network first: its initial draws come before the bases'.
        self._build(lambda: MLP(
            n_in, n_hidden, n_latent * (1 + n_basis), n_layers, activation,
            initialW=initialW, initial_bias=initial_bias), n_latent,
            n_noise, n_basis, n_noise_hidden, n_noise_layers,
            noise_activation, center_x, coefficient_offset, contrast,
            initialW, initial_bias,
            lambda n_out: dense_shapes(
                [n_in] + [n_hidden] * n_layers + [n_out]))

    def _build(self, make_x_network, n_latent, n_noise, n_basis,
               n_noise_hidden, n_noise_layers, noise_activation, center_x,
               coefficient_offset, contrast, initialW, initial_bias,
               x_shapes=None):
        """Checks, then the x network (``make_x_network()``, outputs
        ``n_latent * (1 + n_basis)``) and the bases, in that order.

        ``x_shapes(n_out)`` gives the x network's weight and bias shapes,
        checked here with the bases' against ``initialW`` and
        ``initial_bias``; ``None`` leaves them to the x network."""
        where = type(self).__name__
        if n_latent * (1 + n_basis) > MAX_COUNT:
            raise ValueError(
                '{}: n_latent * (1 + n_basis) (the x network\'s outputs) is '
                '{}, above {}; lower n_basis'.format(
                    where, n_latent * (1 + n_basis), MAX_COUNT))
        n_noise, n_noise_hidden = (
            check_count(value, name, where) for name, value in (
                ('n_noise', n_noise), ('n_noise_hidden', n_noise_hidden)))
        n_noise_layers = check_count(n_noise_layers, 'n_noise_layers', where,
                                     0, MAX_LAYERS)
        center_x = check_bool(center_x, 'center_x', where)
        w_shapes, b_shapes = bases_shapes(n_noise, n_latent, n_basis,
                                          n_noise_hidden, n_noise_layers)
        if x_shapes is not None:
            x_w, x_b = x_shapes(n_latent * (1 + n_basis))
            w_shapes, b_shapes = x_w + w_shapes, x_b + b_shapes
        check_initializer(initialW, 'initialW', where, w_shapes)
        check_initializer(initial_bias, 'initial_bias', where, b_shapes)
        if coefficient_offset is not None and (
                isinstance(coefficient_offset, bool) or
                not isinstance(coefficient_offset, numbers.Real) or
                not math.isfinite(coefficient_offset)):
            raise ValueError(
                '{}: coefficient_offset must be a finite number or None, '
                'got {!r}'.format(where, coefficient_offset))
        _check_contrast(contrast)
        mlp = make_x_network()
        if coefficient_offset is not None and abs(coefficient_offset) > \
                float(numpy.finfo(mlp.dtype).max):
            # Cast to the networks' floats it would be inf, and every
            # coefficient 0 or NaN.
            raise ValueError(
                '{}: coefficient_offset {!r} does not fit the networks\' '
                '{} (at most {:g} in size); give a smaller offset'.format(
                    where, coefficient_offset, numpy.dtype(mlp.dtype).name,
                    float(numpy.finfo(mlp.dtype).max)))
        NoiseBases.__init__(
            self, n_noise, n_latent, n_basis, n_noise_hidden, n_noise_layers,
            noise_activation, initialW, initial_bias)
        with self.init_scope():
            self.mlp = mlp
        self.n_in = mlp.n_in
        self.center_x = center_x
        self.coefficient_offset = coefficient_offset
        self.contrast = contrast

    @property
    def dtype(self):
        return self.mlp.dtype

    def _parts(self, x, eps, moments):
        """``(z, z0, a, v)`` with their graphs after the input checks."""
        check_batch(x, self.n_in, 'x', 'AdaptiveContrastEncoder',
                    self.dtype)
        batch = x.shape[0]
        if eps is None:
            eps = self.sample_noise(batch)
        self._check_eps(eps, batch)
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
        v = self._bases(eps)  # Checked above.
        z = z0 + F.sum(a * v, axis=0)
        return z, z0, a, v

    def _posterior(self, x, eps, moments, full, graph, what):
        """``ContrastPosterior`` with the moments as Variables (``graph``)
        or arrays; ``what`` names the caller in errors."""
        z, z0, a, v = self._parts(x, eps, moments)
        if not graph:
            z0, a, v = z0.array, a.array, v.array
        if isinstance(moments, (tuple, list)) and len(moments) == 2:
            moments = self._basis_moments(moments, full, what)
        # posterior_moments refuses anything but None or a pair.
        mean, spread = posterior_moments(z0, a, v, moments, full)
        return ContrastPosterior(z, mean, spread)

    def _basis_moments(self, moments, full, what):
        """The pair ``moments`` as arrays of the encoder's dtype, after
        checks: arrays, the variances (``full``: covariances) as such and,
        while ``chainer.config.type_check`` is on, finite with no negative
        variance (a read of ``n_basis`` small arrays)."""
        where = type(self).__name__
        arrays = []
        for i, m in enumerate(moments):
            m = chainer.as_array(m)
            try:
                if isinstance(m, (list, tuple)):
                    m = numpy.asarray(m)
                kind = numpy.dtype(m.dtype).kind
            except (AttributeError, TypeError, ValueError):
                kind = None
            if kind is None or kind not in 'biuf':
                raise TypeError(
                    '{}: moments[{}] must be an array of numbers, got {}; '
                    'pass moments=encoder.noise_moments()'.format(
                        where, i, type(m).__name__ if kind is None
                        else 'an array of {}'.format(m.dtype)))
            arrays.append(self.xp.asarray(m, self.dtype))
        mean, spread = arrays
        if spread.ndim != (3 if full else 2):
            raise ValueError(
                '{}: {} needs the basis {}; pass '
                'moments=encoder.noise_moments(covariance={})'.format(
                    where, what, 'covariances' if full else 'variances',
                    full))
        if chainer.config.type_check:
            check_values(mean, 'moments[0] (E[v])', where)
            check_values(spread, 'moments[1] ({}[v])'.format(
                'Cov' if full else 'Var'), where)
            variances = self.xp.diagonal(spread, axis1=1, axis2=2) \
                if full else spread
            if variances.size and float(variances.min()) < 0:
                raise ValueError(
                    '{}: moments[1] holds negative variances (down to {:g}); '
                    'pass moments=encoder.noise_moments({})'.format(
                        where, float(variances.min()),
                        'covariance=True' if full else ''))
        return mean, spread

    def posterior(self, x, eps=None, moments=None, contrast=None):
        """A sample of ``q(z|x)`` and its moments as constants.

        The one route to ``q(z|x)`` for adaptive contrast: ``r(z|x)`` is
        ``vae_avb.functions.contrast_gaussian(p.mean, p.spread)`` of the
        result ``p``.

        Args:
            x (chainer.Variable or array): Shape ``(B, n_in)``.
            eps (array or None): Noise ``(n_basis, B, n_noise)``; drawn
                fresh when ``None``.
            moments (tuple or None): ``(E[v], Var[v])`` arrays from
                :meth:`noise_moments` (``(E[v], Cov[v])`` from
                ``noise_moments(covariance=True)`` for ``'full'``);
                ``None`` estimates them over this batch of noise (it then
                needs ``B >= 2``). Anything but a pair is refused, and,
                while ``chainer.config.type_check`` is on (reading these
                small arrays), NaN, inf or negative variances.
            contrast (str or None): ``'diagonal'`` (variances) or
                ``'full'`` (covariances); ``None`` for the encoder's
                ``contrast``.

        Returns:
            ContrastPosterior: ``(z, mean, spread)``: ``z`` a Variable
            ``(B, n_latent)`` with its graph, ``mean`` an array ``(B,
            n_latent)`` and ``spread`` an array, the variances ``(B,
            n_latent)`` (``'diagonal'``) or the covariance matrices ``(B,
            n_latent, n_latent)`` (``'full'``).
        """
        if contrast is None:
            contrast = self.contrast
        _check_contrast(contrast)
        return self._posterior(x, eps, moments, contrast == 'full', False,
                               'contrast={!r}'.format(contrast))

    def forward(self, x, eps=None, moments=None):
        """Draws one ``z`` per example with the moments of ``q(z|x)``.

        :meth:`posterior` with ``contrast='diagonal'``, the moments as
        Variables with their graph.

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
        return tuple(self._posterior(x, eps, moments, False, True,
                                     'forward (the variances)'))

    def contrast_moments(self, x, eps=None, moments=None):
        """:meth:`posterior` with the encoder's ``contrast``.

        Returns:
            ContrastPosterior: ``(z, mean, spread)``, as before this
            method was :meth:`posterior`.
        """
        return self.posterior(x, eps, moments)

    def normalized_sample(self, x, eps=None, moments=None):
        """``z_bar``, the sample standardised by ``r(z|x)``, as an array
        without a graph: ``(z - E[z|x]) / std[z|x]`` for
        ``contrast='diagonal'``, ``L^-1 (z - E[z|x])`` with ``L L^T =
        Cov[z|x]`` for ``'full'``.

        What the adversary contrasts with ``N(0, I)`` in adaptive
        contrast (Algorithm 2).
        """
        with chainer.no_backprop_mode():
            z, mean, spread = self.posterior(chainer.as_array(x), eps,
                                             moments)
        return contrast_gaussian(mean, spread).whiten(z.array)


def _check_contrast(contrast):
    if contrast not in ('diagonal', 'full'):
        raise ValueError(
            "AdaptiveContrastEncoder: contrast must be 'diagonal' or "
            "'full', got {!r}".format(contrast))
