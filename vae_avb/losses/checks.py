"""The checks the losses share: the networks they are given, and the
noise passed to them."""
import chainer

from vae_avb.utils.check import check_values


def check_link(link, role, where, kinds, needs=(), call=None):
    """Checks that ``link`` can play ``role`` in the loss ``where``.

    One of vae_avb's own Links must be one of ``kinds`` (a decoder given
    as the adversary, or the arguments in another order, is refused);
    a Link of the user's own must have the attributes ``needs``.

    Args:
        link: The argument.
        role (str): Its name in the loss (``'encoder'``, ...).
        where (str): The loss, for the message.
        kinds (tuple): vae_avb classes accepted for the role.
        needs (tuple): Attributes a Link of another package must have.
        call (str or None): The loss's arguments in order, for the fix.

    Raises:
        TypeError: One line naming the role, what was given and the fix.
    """
    if isinstance(link, chainer.Link):
        if type(link).__module__.startswith('vae_avb.'):
            if isinstance(link, kinds):
                return link
        elif all(hasattr(link, name) for name in needs):
            return link
    expected = ' or '.join('a {}'.format(kind.__name__) for kind in kinds)
    if needs:
        expected += ' (or a chainer.Link with {})'.format(', '.join(needs))
    raise TypeError('{}: the {} must be {}, got {}{}'.format(
        where, role, expected, type(link).__name__,
        '; pass them in the order {}({})'.format(where, call)
        if call else ''))


def check_noise(eps, shape, dtype, where, name='eps'):
    """``eps`` as an array of ``shape`` and ``dtype`` with finite values
    (the values while ``chainer.config.type_check`` is on, as for data),
    or ``None`` when it is ``None``.

    Raises:
        TypeError: ``eps`` is not an array, or of another dtype.
        ValueError: Another shape, or NaN or inf.
    """
    if eps is None:
        return None
    if isinstance(eps, chainer.Variable):  # Noise takes no gradient.
        eps = eps.array
    if getattr(eps, 'shape', None) is None or \
            getattr(eps, 'dtype', None) is None:
        raise TypeError(
            '{}: {} must be an array (NumPy or CuPy), got {}; pass None to '
            'draw it'.format(where, name, type(eps).__name__))
    if tuple(eps.shape) != tuple(shape):
        raise ValueError('{}: {} has shape {}, expected {}; pass None to '
                         'draw it'.format(where, name, tuple(eps.shape),
                                          tuple(shape)))
    if eps.dtype != dtype:
        raise TypeError('{}: {} has dtype {}, expected {}; convert with '
                        '{}.astype(numpy.{})'.format(where, name, eps.dtype,
                                                     dtype, name, dtype))
    check_values(eps, name, where)
    return eps
