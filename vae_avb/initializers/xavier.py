import numpy

import chainer
from chainer import initializer

from vae_avb.utils.check import check_count
from vae_avb.utils.check import check_positive


class Xavier(initializer.Initializer):

    """Xavier (Glorot) uniform initializer, as in the seeds' ``Xavier``.

    Draws every element from ``U(-s, s)`` with
    ``s = constant * sqrt(6 / (fan_in + fan_out))`` (Glorot & Bengio 2010,
    Eq. 16). It delegates the draw to
    :class:`chainer.initializers.GlorotUniform`; the only addition is that
    the fans may be given explicitly, as the seed 001 constructor
    ``Xavier(fan_in, fan_out, constant=1)`` does. By default they are read
    from the array's shape.

    Giving the fans explicitly is how a fused layer keeps the statistics of
    the separate layers it replaces: the ``(2 * n_latent, n_hidden)``
    weight of :class:`~vae_avb.links.GaussianEncoder`'s head is initialised
    with ``Xavier(n_hidden, n_latent)``, exactly like the two
    ``(n_latent, n_hidden)`` heads of the seeds.

    Args:
        fan_in (int or None): Number of input units. ``None`` reads it from
            the array's shape.
        fan_out (int or None): Number of output units. ``None`` reads it
            from the array's shape.
        constant (float): Scale of the bound (the seeds' ``constant``).
        dtype: Data type specifier, as for any Chainer initializer.
        rng (numpy.random.RandomState or cupy.random.RandomState or None):
            Generator to draw from; ``None`` uses the global one.
    """

    def __init__(self, fan_in=None, fan_out=None, constant=1.0, dtype=None,
                 rng=None):
        if fan_in is not None:
            fan_in = check_count(fan_in, 'fan_in', 'Xavier')
        if fan_out is not None:
            fan_out = check_count(fan_out, 'fan_out', 'Xavier')
        constant = check_positive(constant, 'constant', 'Xavier')
        self.fan_in = fan_in
        self.fan_out = fan_out
        self.constant = constant
        self.rng = rng
        super(Xavier, self).__init__(dtype)

    def bound(self, shape):
        """Returns the half-width ``s`` of the uniform law for ``shape``."""
        fan_in, fan_out = initializer.get_fans(shape)
        fan_in = self.fan_in or fan_in
        fan_out = self.fan_out or fan_out
        return self.constant * numpy.sqrt(6. / (fan_in + fan_out))

    def __call__(self, array):
        if self.dtype is not None and array.dtype != self.dtype:
            raise TypeError(
                'Xavier: array dtype {} differs from the initializer dtype '
                '{}'.format(array.dtype, self.dtype))
        # GlorotUniform reads the fans from the shape; rescale its
        # ``scale`` so that its bound equals ours.
        glorot_bound = numpy.sqrt(
            6. / sum(initializer.get_fans(array.shape)))
        chainer.initializers.GlorotUniform(
            scale=self.bound(array.shape) / glorot_bound,
            rng=self.rng)(array)
