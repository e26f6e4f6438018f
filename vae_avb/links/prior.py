import numpy

import chainer
import chainer.distributions as D

from vae_avb.utils.check import check_count

FLOAT_DTYPES = tuple(numpy.dtype(t) for t in (numpy.float16, numpy.float32,
                                              numpy.float64))


class Prior(chainer.Link):

    """The prior ``p(z) = N(loc, diag(scale^2))`` as a Link, by default
    ``N(0, I)`` (Kingma & Welling 2013, Section 3).

    What Chainer's VAE example calls ``prior()``: :meth:`forward` takes no
    input and returns the distribution. ``loc`` and ``scale`` are
    persistent values, not parameters (they move with ``to_device`` and
    are saved by serializers, but no optimizer changes them), with the
    paths ``prior/loc`` and ``prior/scale`` of the example's files.

    Args:
        n_latent (int): Latent size.
        dtype: Their dtype; ``None`` is ``chainer.get_dtype()``.
    """

    def __init__(self, n_latent, dtype=None):
        super(Prior, self).__init__()
        self.n_latent = check_count(n_latent, 'n_latent', 'Prior')
        try:
            known = chainer.get_dtype(dtype)
        except (TypeError, ValueError):
            known = None
        # (A NumPy dtype compares equal to None: test for it first.)
        if known is None or known not in FLOAT_DTYPES:
            raise TypeError(
                'Prior: dtype must be a float type (numpy.float16, float32 '
                'or float64) or None for chainer.get_dtype(), got '
                '{!r}'.format(dtype))
        dtype = known
        self.loc = numpy.zeros(self.n_latent, dtype)
        self.scale = numpy.ones(self.n_latent, dtype)
        self.register_persistent('loc')
        self.register_persistent('scale')

    def forward(self):
        """``p(z)`` over codes ``(..., n_latent)``.

        Returns:
            chainer.distributions.Independent: A
            :class:`~chainer.distributions.Normal`, its last axis an event
            axis; ``.sample(n)`` has shape ``(n, n_latent)``.
        """
        return D.Independent(D.Normal(self.loc, scale=self.scale),
                             reinterpreted_batch_ndims=1)

    @property
    def is_standard(self):
        """Whether ``p(z)`` is ``N(0, I)`` (reads the values: a device
        synchronisation on GPU)."""
        return self.loc.shape == self.scale.shape == (self.n_latent,) and \
            bool((self.loc == 0).all()) and bool((self.scale == 1).all())
