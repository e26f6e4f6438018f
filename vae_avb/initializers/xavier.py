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
        if dtype is not None:
            try:
                dtype = numpy.dtype(dtype)
            except TypeError:
                raise TypeError('Xavier: dtype {!r} is not a NumPy dtype; use '
                                'a float type such as numpy.float32'.format(
                                    dtype))
            if dtype.kind != 'f':
                raise TypeError('Xavier: dtype must be a float type, got {}'
                                .format(dtype))
        if rng is not None and not callable(getattr(rng, 'uniform', None)):
            raise TypeError('Xavier: rng must be a numpy.random.RandomState '
                            '(or cupy.random.RandomState) or None, got {}'
                            .format(type(rng).__name__))
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
        if array.dtype.kind != 'f':
            raise TypeError(
                'Xavier: draws floats, the array has dtype {}; initialise a '
                'float array (float16, float32 or float64)'.format(
                    array.dtype))
        if array.size == 0:
            return  # Nothing to draw (and no fans to divide by).
        bound = self.bound(array.shape)
        # The law's width, 2 * bound, must be a number too.
        if not bound < numpy.finfo(array.dtype).max / 2:
            raise ValueError(
                'Xavier: the bound {:g} (constant {:g}) overflows {}; use a '
                'smaller constant'.format(bound, self.constant, array.dtype))
        # GlorotUniform reads the fans from the shape; rescale its
        # ``scale`` so that its bound equals ours.
        glorot_bound = numpy.sqrt(
            6. / sum(initializer.get_fans(array.shape)))
        chainer.initializers.GlorotUniform(
            scale=bound / glorot_bound,
            rng=self.rng)(array)
