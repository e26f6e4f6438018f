import numpy

import chainer

from vae_avb.utils.check import CorruptStateError


def serialize_random_state(serializer, random_state):
    """Saves or restores a ``numpy.random.RandomState`` through a serializer.

    The Mersenne Twister state travels as plain arrays and numbers (key,
    position, cached Gaussian), which ``save_npz``/``load_npz`` store
    without pickling.
    """
    _, key, pos, has_gauss, gauss = random_state.get_state()
    # Read back as stored (a copy into the key would broadcast or fail
    # before the state is checked).
    key = serializer('key', None if loading(serializer) else key)
    pos = serializer('pos', pos)
    has_gauss = serializer('has_gauss', has_gauss)
    gauss = serializer('gauss', gauss)
    if key is None:
        return  # Not in the file (a non-strict load): left as it is.
    set_mt19937(random_state, key, pos, has_gauss, gauss)


def loading(serializer):
    """Whether ``serializer`` reads a snapshot back."""
    return isinstance(serializer, chainer.serializer.Deserializer)


def set_mt19937(random_state, key, pos, has_gauss, gauss):
    """Sets ``random_state`` to a Mersenne Twister state read back
    (key, position, cached Gaussian), checked first.

    Raises:
        CorruptStateError: One line (a ``ValueError``): the values are no
            MT19937 state (a key of
            other than 624 words of 32 bits, a position outside 0 to 624,
            a cached Gaussian that is not a finite number).
    """
    key = numpy.asarray(key)
    problem = None
    if key.shape != (624,) or key.dtype.kind not in 'iu' or (
            key.size and (key.min() < 0 or key.max() > 2 ** 32 - 1)):
        problem = 'a key of {} {}'.format(key.dtype, key.shape)
    else:
        try:
            pos, has_gauss, gauss = int(pos), int(has_gauss), float(gauss)
        except (TypeError, ValueError, OverflowError):
            problem = 'a position, flag or Gaussian that is not a number'
        else:
            if not 0 <= pos <= 624:
                problem = 'the position {}'.format(pos)
            elif has_gauss not in (0, 1) or not numpy.isfinite(gauss):
                problem = 'a cached Gaussian {} {}'.format(has_gauss, gauss)
    if problem is not None:
        raise CorruptStateError(
            'the random state read back is not a Mersenne Twister state '
            '({}); resume from another snapshot'.format(problem))
    random_state.set_state(('MT19937', key.astype(numpy.uint32), pos,
                            has_gauss, gauss))
