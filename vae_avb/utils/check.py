import math
import numbers

import numpy

import chainer
from chainer import backend


class CorruptStateError(ValueError):
    """A state read back (a random state, an iterator's position) is not
    one its writer could have written: the file is corrupt."""


def one_line(error):
    """``error``'s message on one line, for a one-line error report."""
    text = str(error).strip().strip('\'"')
    return ' '.join(text.split()) or type(error).__name__


# Counts beyond this are no size or duration anyone means, and would
# overflow the C integers of NumPy and Chainer.
MAX_COUNT = 2 ** 31 - 1


def check_count(value, name, where, minimum=1, maximum=MAX_COUNT):
    """Checks that ``value`` is an integer (``2``, ``2.0`` or a NumPy
    scalar or 0-d array of one, not ``True``) from ``minimum`` to
    ``maximum`` (by default :data:`MAX_COUNT`).

    Raises:
        ValueError: One line naming ``where``, ``name`` and the value.
    """
    if isinstance(value, numpy.ndarray) and value.ndim == 0 and \
            value.dtype.kind in 'iuf':
        value = value.item()  # numpy.array(3), as NumPy's own calls take.
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or \
            not math.isfinite(value) or int(value) != value or \
            not minimum <= value <= maximum:
        raise ValueError('{}: {} must be an integer from {} to {}, got '
                         '{!r}'.format(where, name, minimum, maximum, value))
    return int(value)


def check_positive(value, name, where, upper=None):
    """Checks that ``value`` is a finite number above 0 (and below
    ``upper`` if given).

    Raises:
        ValueError: One line naming ``where``, ``name`` and the value.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or \
            not 0 < value < (math.inf if upper is None else upper):
        raise ValueError('{}: {} must be a finite number above 0{}, got '
                         '{!r}'.format(where, name, '' if upper is None
                                       else ' and below {}'.format(upper),
                                       value))
    return float(value)


def check_rows(x, name, where):
    """Checks that ``x`` (an array or a dataset) holds at least one row.

    Raises:
        ValueError: ``x`` is empty.
    """
    if len(x) == 0:
        raise ValueError('{}: {} is empty; pass at least one example'.format(
            where, name))


def check_batch(x, n_features, name='x', where='input', dtype=None,
                hint=None):
    """Checks that ``x`` is a float batch of shape ``(B, n_features)``.

    Shape and dtype are read from metadata only, so this costs nothing and
    always runs.

    Args:
        x (chainer.Variable or array): The batch.
        n_features (int): Expected size of the second axis.
        name (str): Name of the argument, used in the message.
        where (str): What is checking, used in the message.
        dtype: Expected dtype; ``None`` accepts any floating dtype.
        hint (str or None): How to fix a wrong shape; by default, to
            flatten images.

    Raises:
        ValueError: The shape is not ``(B, n_features)`` with ``B >= 1``.
        TypeError: ``x`` is not an array, or its dtype is not floating or
            is not ``dtype``.
    """
    shape = getattr(x, 'shape', None)
    if shape is None:
        raise TypeError(
            '{}: {} must be an array (NumPy or CuPy) or a chainer.Variable, '
            'got {}; convert it with numpy.asarray({}, numpy.{})'.format(
                where, name, type(x).__name__, name,
                'float32' if dtype is None else numpy.dtype(dtype).name))
    if len(shape) != 2 or shape[1] != n_features:
        if hint is None:
            hint = 'flatten images to vectors of {} features'.format(
                n_features)
        raise ValueError('{}: {} has shape {}, expected (batch, {}); '
                         '{}'.format(where, name, tuple(shape), n_features,
                                     hint))
    if shape[0] == 0:
        raise ValueError('{}: {} is an empty batch; pass at least one '
                         'example'.format(where, name))
    kind = numpy.dtype(x.dtype).kind
    if kind != 'f' or (dtype is not None and x.dtype != dtype):
        expected = numpy.dtype(dtype).name if dtype is not None else 'float'
        raise TypeError(
            '{}: {} has dtype {}, expected {}; convert with '
            '{}.astype(numpy.{})'.format(
                where, name, numpy.dtype(x.dtype).name, expected, name,
                expected if dtype is not None else 'float32'))


def check_values(x, name='x', where='input', unit_interval=False):
    """Checks that ``x`` is finite and, optionally, inside ``[0, 1]``.

    This reads the data (a device synchronisation on GPU), so it runs only
    while ``chainer.config.type_check`` is ``True`` (Chainer's default).
    A training loop that validated its dataset once may switch it off.

    Args:
        x (chainer.Variable or array): Values to check.
        name (str): Name of the argument, used in the message.
        where (str): What is checking, used in the message.
        unit_interval (bool): Also require ``0 <= x <= 1``, as a Bernoulli
            likelihood does.

    Raises:
        ValueError: ``x`` holds NaN or inf, or leaves ``[0, 1]``.
    """
    if not chainer.config.type_check:
        return
    array = x.array if isinstance(x, chainer.Variable) else x
    xp = backend.get_array_module(array)
    if not bool(xp.isfinite(array).all()):
        raise ValueError(
            '{}: {} contains NaN or inf; clean the data (for instance '
            'numpy.nan_to_num) before training'.format(where, name))
    if unit_interval and array.size:
        low, high = float(array.min()), float(array.max())
        if low < 0 or high > 1:
            raise ValueError(
                '{}: {} must lie in [0, 1] for a Bernoulli likelihood, found '
                'values in [{:g}, {:g}]; rescale it (images: divide by '
                '255)'.format(where, name, low, high))


def check_same_device(owner, used, name, where):
    """Checks that the link ``used`` (not a child of ``owner``, so not
    moved with it) is on ``owner``'s device.

    Args:
        owner (chainer.Link): The loss that owns its other networks.
        used (chainer.Link): The network it uses but does not own.
        name (str): ``used``'s name in the message.
        where (str): What is checking, used in the message.

    Raises:
        ValueError: The two links are on different devices.
    """
    if used.device != owner.device:
        raise ValueError(
            '{}: the {} is on {} but the loss is on {}; the loss does not '
            'own the {}, so move it too (or move both AVB losses) with '
            'to_device'.format(where, name, used.device, owner.device,
                               name))


def largest_value(dtype=None):
    """The largest finite number of ``dtype`` (``None``: the dtype that
    Chainer gives new parameters, :func:`chainer.get_dtype`)."""
    return float(numpy.finfo(chainer.get_dtype(dtype)).max)


def check_initializer(value, name, where, shapes=(), dtype=None):
    """Checks that ``value`` can initialise a Link's parameters: ``None``
    (the Link's default), a finite number, an array, or a callable such as
    a :mod:`chainer.initializers` object.

    A number or an array is copied into every parameter it initialises,
    so it must fit their dtype (``dtype``; ``None`` is
    :func:`chainer.get_dtype`, the dtype new parameters get) and an array
    must broadcast to each of ``shapes``, the shapes of those parameters.

    Args:
        value: The initializer.
        name (str): Its argument name, used in the message.
        where (str): What is checking, used in the message.
        shapes (sequence of tuple): Shapes of the parameters ``value``
            initialises (empty: not checked).
        dtype: The parameters' dtype.

    Raises:
        TypeError: Anything else (a string, a list).
        ValueError: A NaN, infinite or overflowing number; an array that
            does not fit one of ``shapes``.
    """
    if value is None or callable(value):
        return value
    if hasattr(value, 'shape') and hasattr(value, 'dtype') and \
            not numpy.isscalar(value):
        xp = backend.get_array_module(value)
        if value.dtype.kind not in 'biuf' or \
                not bool(xp.isfinite(value).all()):
            raise ValueError('{}: {} must hold finite numbers, got an array '
                             'of {} with NaN, inf or non-numbers'.format(
                                 where, name, value.dtype))
        limit = largest_value(dtype)
        if value.size and float(
                xp.abs(value.astype(numpy.float64)).max()) > limit:
            raise ValueError(
                '{}: {} holds numbers beyond {:g}, the largest {} number; '
                'pass smaller values'.format(
                    where, name, limit, chainer.get_dtype(dtype).name))
        for shape in shapes:
            try:
                fits = numpy.broadcast_shapes(value.shape, shape) == \
                    tuple(shape)
            except ValueError:
                fits = False
            if not fits:
                raise ValueError(
                    '{}: {} is an array of shape {} but it initialises '
                    'layers of shapes {}; pass an array that fits all of '
                    'them, a number, or an initializer such as '
                    'chainer.initializers.Normal(0.01)'.format(
                        where, name, tuple(value.shape),
                        ', '.join(str(tuple(s)) for s in
                                  dict.fromkeys(map(tuple, shapes)))))
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            '{}: {} must be None, a number, an array or an initializer such '
            'as chainer.initializers.LeCunNormal(), got {!r}'.format(
                where, name, value))
    try:
        magnitude = abs(float(value))
    except OverflowError:  # An int beyond any float.
        magnitude = math.inf
    if math.isnan(magnitude) or (math.isinf(magnitude) and
                                 not isinstance(value, numbers.Integral)):
        raise ValueError('{}: {} must be finite, got {!r}'.format(
            where, name, value))
    limit = largest_value(dtype)
    if magnitude > limit:
        raise ValueError(
            '{}: {} must fit the parameters\' dtype {} (at most {:g} in '
            'magnitude), got {!r}; pass a smaller number'.format(
                where, name, chainer.get_dtype(dtype).name, limit, value))
    return value


def check_bool(value, name, where):
    """``value`` as a ``bool``: ``True``, ``False`` or a NumPy boolean
    (``'False'`` would be true, ``None`` or ``0`` is a mistake).

    Raises:
        TypeError: One line naming ``where``, ``name`` and the value.
    """
    if not isinstance(value, (bool, numpy.bool_)):
        raise TypeError('{}: {} must be True or False, got {!r}'.format(
            where, name, value))
    return bool(value)


def check_float(arrays, names, where):
    """Checks that ``arrays`` share one floating dtype (float16, float32 or
    float64), reading their dtypes only.

    Args:
        arrays (tuple): Arrays or :class:`chainer.Variable` objects.
        names (tuple of str): Their names, used in the message.
        where (str): What is checking, used in the message.

    Raises:
        TypeError: One line naming ``where``, each name and dtype, and the
            conversion that fixes it.
    """
    dtypes = [numpy.dtype(a.dtype) for a in arrays]
    if dtypes[0].kind == 'f' and all(d == dtypes[0] for d in dtypes):
        return
    target = next((d for d in dtypes if d.kind == 'f'),
                  numpy.dtype(numpy.float32))
    bad = next(n for n, d in zip(names, dtypes) if d != target)
    found = ['{} {}'.format(n, d.name) for n, d in zip(names, dtypes)]
    found[0] = '{} has dtype {}'.format(names[0], dtypes[0].name)
    raise TypeError(
        '{}: {}; pass {} float dtype (float32 or float64), e.g. '
        '{}.astype(numpy.{})'.format(
            where, ' and '.join(found),
            'a' if len(arrays) == 1 else 'them in one', bad, target.name))
