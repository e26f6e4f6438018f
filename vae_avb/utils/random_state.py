import numpy


def serialize_random_state(serializer, random_state):
    """Saves or restores a ``numpy.random.RandomState`` through a serializer.

    The Mersenne Twister state travels as plain arrays and numbers (key,
    position, cached Gaussian), which ``save_npz``/``load_npz`` store
    without pickling.
    """
    _, key, pos, has_gauss, gauss = random_state.get_state()
    key = serializer('key', key)
    pos = serializer('pos', pos)
    has_gauss = serializer('has_gauss', has_gauss)
    gauss = serializer('gauss', gauss)
    random_state.set_state(('MT19937', numpy.asarray(key, numpy.uint32),
                            int(pos), int(has_gauss), float(gauss)))
