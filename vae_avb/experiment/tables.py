"""Paper-vs-ours tables: Markdown cells and rows, the paper's numbers
passed in as data."""
import math
import numbers
import re
import reprlib

import numpy

from vae_avb.evaluation import mean_and_standard_error


def _cell_text(cell):
    """A cell's text: ``|`` escaped (it would end the cell), with the
    backslashes before it (``\\|`` would be a backslash, then the end
    of the cell), and a line break made a space (it would end the row).
    """
    return ' '.join(re.sub(r'(\\*)\|', lambda m: m.group(1) * 2 + '\\|',
                           str(cell)).splitlines())


def markdown_table(header, rows):
    """A Markdown table: ``header`` and ``rows`` are lists of cells (any
    value, shown by ``str``; a ``|`` in one is escaped), each row as long
    as the header.

    Raises:
        TypeError: ``header`` or a row is not a list or tuple of cells.
        ValueError: The header is empty, or a row is not as long.
    """
    where = 'markdown_table'
    if not isinstance(header, (list, tuple)):
        raise TypeError('{}: header must be a list of cells, got {!r}'.format(
            where, header))
    if not header:
        raise ValueError('{}: header is empty; pass the column names'.format(
            where))
    rows = list(rows)
    for i, row in enumerate(rows):
        if not isinstance(row, (list, tuple)):
            raise TypeError('{}: row {} must be a list of cells, got '
                            '{!r}'.format(where, i, row))
        if len(row) != len(header):
            raise ValueError('{}: row {} has {} cells, the header {}; pass '
                             'one cell per column'.format(
                                 where, i, len(row), len(header)))
    lines = ['| ' + ' | '.join(_cell_text(c) for c in header) + ' |',
             '| ' + ' | '.join('---' for _ in header) + ' |']
    lines += ['| ' + ' | '.join(_cell_text(c) for c in row) + ' |'
              for row in rows]
    return '\n'.join(lines)


def _number(value, name, where, optional=False):
    if optional and value is None:
        return None
    if isinstance(value, (bool, numpy.bool_)) or \
            not isinstance(value, numbers.Real):
        raise TypeError('{}: {} must be a number, got {!r}'.format(
            where, name, value))
    try:
        finite = math.isfinite(value)
    except OverflowError:  # An integer beyond any float.
        finite = False
    if not finite:
        raise ValueError('{}: {} must be finite, got {}; a diverged '
                         'result has no cell'.format(where, name,
                                                     reprlib.repr(value)))
    return value


def estimate_cell(value, error=None, digits=1, approximate=False,
                  signed=False):
    """``~-83.6 +- 0.4``: a number, its +- (if any), ``~`` for an
    estimate.

    Raises:
        TypeError: ``value`` or ``error`` is not a number, or ``digits``
            not an integer.
        ValueError: ``value`` or ``error`` is NaN or infinite, or
            ``digits`` is negative.
    """
    where = 'estimate_cell'
    value = _number(value, 'value', where)
    error = _number(error, 'error', where, optional=True)
    if isinstance(digits, bool) or not isinstance(digits, numbers.Integral):
        raise TypeError('{}: digits must be an integer, got {!r}'.format(
            where, digits))
    if digits < 0:
        raise ValueError('{}: digits must be 0 or more, got {}'.format(
            where, digits))
    fmt = '{:+.%df}' % digits if signed else '{:.%df}' % digits
    text = ('~' if approximate else '') + fmt.format(value)
    if error is not None:
        text += (' +- {:.%df}' % digits).format(error)
    return text


def spread(values, fmt='{:.1f}'):
    """``mean (min to max)`` of a list of numbers; one number alone.

    Raises:
        TypeError: ``values`` is not a list of numbers.
        ValueError: ``values`` is empty or not one-dimensional.
    """
    where = 'spread'
    try:
        array = None if values is None or isinstance(values, (
            str, bytes)) else numpy.asarray(values, dtype=float)
    except OverflowError:  # An integer beyond any float.
        raise ValueError('{}: values hold a number beyond any float, got '
                         '{}; a diverged result has no cell'.format(
                             where, reprlib.repr(values))) from None
    except (TypeError, ValueError):
        array = None
    if array is None or array.ndim != 1:
        raise TypeError('{}: values must be a list of numbers, got '
                        '{!r}'.format(where, values))
    values = array
    if len(values) == 0:
        raise ValueError('{}: values is empty; pass at least one '
                         'number'.format(where))
    if not numpy.isfinite(values).all():
        raise ValueError('{}: values hold NaN or inf, got {!r}; a diverged '
                         'result has no cell'.format(where, values.tolist()))
    if len(values) == 1:
        return fmt.format(values[0])
    with numpy.errstate(over='ignore'):
        mean = values.mean()
    if not numpy.isfinite(mean):  # Finite values whose sum overflows.
        raise ValueError('{}: the mean of {} is beyond any float; a '
                         'diverged result has no cell'.format(
                             where, values.tolist()))
    return '{} ({} to {})'.format(fmt.format(mean),
                                  fmt.format(values.min()),
                                  fmt.format(values.max()))


def paired_differences(log_px, pairs):
    """``(a, b, mean, error)`` for each pair ``(a, b)`` of keys of
    ``log_px`` (per-image estimates on the same images, same length;
    arrays or lists): the mean of ``log_px[a] - log_px[b]`` and its
    standard error. Pairs missing a key, of other lengths or of one image
    are left out.

    Raises:
        ValueError: A pair is not two keys.
    """
    found = []
    for pair in pairs:
        if isinstance(pair, (str, bytes)) or not hasattr(pair, '__len__') \
                or len(pair) != 2:
            raise ValueError('paired_differences: each pair must be two '
                             'keys (a, b), got {!r}'.format(pair))
        a, b = pair
        if a in log_px and b in log_px and len(log_px[a]) == len(log_px[b]):
            # Lists as arrays; arrays where they are (NumPy or CuPy), in
            # float64 (float16 estimates would round the differences).
            first, second = (v.astype(numpy.float64) if hasattr(v, 'astype')
                             else numpy.asarray(v, dtype=numpy.float64)
                             for v in (log_px[a], log_px[b]))
            mean, error = mean_and_standard_error(first - second)
            if error is not None:
                found.append((a, b, mean, error))
    return found
