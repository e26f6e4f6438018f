"""Reading and writing the JSON and array files of run folders.

Every JSON file and per-image array a script reads goes through
:func:`read_json` and :func:`read_array`: regular files only (a FIFO
would block), of a bounded size, strict JSON (no NaN or infinity), no
pickles, one-line :class:`UsageError` on any problem. :func:`write_json`
writes atomically, so a kill never leaves a torn file.
"""
import json
import math
import os
import zipfile

import numpy

from vae_avb.experiment.errors import UsageError
from vae_avb.utils.archive import ArchiveError
from vae_avb.utils.archive import read_npz
from vae_avb.utils.atomic_write import check_target
from vae_avb.utils.atomic_write import write_atomic
from vae_avb.utils.check import one_line

# The largest JSON file read: run folders hold a few kilobytes.
MAX_JSON_BYTES = 64 * 2 ** 20


def _regular_file(path, what):
    if not os.path.exists(path):
        raise UsageError('{} does not exist; {}'.format(path, what))
    if not os.path.isfile(path):
        raise UsageError('{} is not a regular file; {}'.format(path, what))


def read_json(path, what='pass a file written by vae_avb', keys=()):
    """The object in the JSON file ``path``, a dict holding ``keys``.

    Raises:
        UsageError: ``path`` is missing, not a regular file, too large,
            not strict JSON (``NaN``, infinities and overflowing numbers
            included), not an object, or lacks a key.
    """
    _regular_file(path, what)
    if os.path.getsize(path) > MAX_JSON_BYTES:
        raise UsageError('{} is larger than {} MiB, not a file written by '
                         'vae_avb; {}'.format(path, MAX_JSON_BYTES >> 20,
                                              what))

    def refuse(constant):
        raise ValueError('{} is not valid JSON'.format(constant))

    def finite(text):
        value = float(text)
        if not math.isfinite(value):
            raise ValueError('{} overflows a float'.format(text))
        return value

    def bounded(text):
        # An integer no float holds is no count or size vae_avb writes
        # (and would overflow every float conversion of it).
        if len(text.lstrip('-')) > 18:
            raise ValueError('{}... is too large an integer'.format(
                text[:20]))
        return int(text)
    try:
        with open(path) as f:
            value = json.load(f, parse_constant=refuse, parse_float=finite,
                              parse_int=bounded)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError,
            MemoryError) as e:
        raise UsageError('{} is not a readable JSON file ({}); {}'.format(
            path, one_line(e) if not isinstance(e, RecursionError)
            else 'nested too deeply', what))
    if not isinstance(value, dict):
        raise UsageError('{} holds a {}, not a JSON object; {}'.format(
            path, type(value).__name__, what))
    missing = [key for key in keys if key not in value]
    if missing:
        raise UsageError('{} has no {}; {}'.format(
            path, ', '.join(repr(k) for k in missing), what))
    return value


def check_entries(path, value, checks, what):
    """Checks entries of an object read from ``path``.

    Args:
        checks (dict): ``{key: (test, description)}``; ``test(entry)`` is
            true for a good entry, ``description`` says what it must be.
            Missing keys are not checked.

    Raises:
        UsageError: One line naming the file, the entry and what it must
            be.
    """
    for key, (test, description) in checks.items():
        if key in value and not _passes(test, value[key]):
            raise UsageError('{}: {!r} is {!r}, but must be {}; {}'.format(
                path, key, value[key], description, what))
    return value


def _passes(test, entry):
    try:
        return bool(test(entry))
    except (TypeError, ValueError):
        return False


def is_int(low=None, high=None):
    """A test for :func:`check_entries`: an integer (not a bool) in
    ``[low, high]``."""
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and (
        low is None or v >= low) and (high is None or v <= high)


def is_finite_number(value):
    """A test for :func:`check_entries`: an integer or float (not a bool)
    that is neither NaN nor infinite."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return isinstance(value, int) or math.isfinite(value)


def all_finite(value):
    """Whether no float in ``value`` (nested dicts and lists included) is
    NaN or infinite: what :func:`write_json` writes unchanged."""
    return _finite(value) == value


def _finite(value):
    """``value`` with every non-finite float replaced by ``None`` (strict
    JSON has no NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def check_output_files(paths):
    """Refuses, before any work, a file a script will write whose path
    cannot be one: an existing folder (or link to one) there, a file
    where a folder above it should be, an empty path. Returns ``paths``.

    Raises:
        UsageError: One line naming the path and the fix.
    """
    for path in paths:
        try:
            check_target(path, 'write')
        except ValueError as e:
            if os.path.isdir(path):
                raise UsageError(
                    '{} is a folder, where this script writes a file; move '
                    'it out of the way, or choose another --out'.format(
                        path)) from None
            # check_target's own reason, without its "write: path" head.
            reason = str(e).split(': ', 1)[-1].split('; ', 1)[0]
            raise UsageError('{} cannot be written ({}); choose another '
                             '--out'.format(path, reason)) from None
    return paths


def write_json(path, value):
    """Writes ``value`` as strict JSON (NaN and inf become ``null``),
    atomically: to a temporary file in the same folder, then renamed over
    ``path``, so a kill leaves the old file or the new one, never a torn
    one. A path that cannot name a file is a one-line
    :class:`UsageError` (:func:`check_output_files`)."""
    check_output_files([path])
    text = json.dumps(_finite(value), indent=2, allow_nan=False)
    write_atomic(path, lambda f: f.write(text + '\n'), binary=False,
                 suffix='.json')


def read_arrays(path, shapes, what='pass a file written by vae_avb'):
    """The numeric arrays ``shapes`` names in the ``.npz`` file ``path``,
    read without pickles; ``shapes`` maps each name to its number of
    dimensions.

    Raises:
        UsageError: ``path`` is missing, not a regular file, not an
            ``.npz`` archive, or an array is missing, not numbers, of
            another number of dimensions, empty or not finite.
    """
    _regular_file(path, what)
    try:
        arrays = read_npz(path, names=shapes)
    except OSError as e:
        raise UsageError('{} cannot be read ({}); {}'.format(
            path, e.strerror or e, what))
    except ArchiveError as e:
        raise UsageError('{} {} (an .npz archive holding {} is expected); '
                         '{}'.format(path, e.problem, ', '.join(shapes), what))
    for name, array in arrays.items():
        if not isinstance(array, numpy.ndarray) or array.dtype.kind not in \
                'biuf' or array.ndim != shapes[name] or not array.size or \
                not numpy.isfinite(array).all():
            raise UsageError('{}: {} is not a non-empty finite {}-D array of '
                             'numbers; {}'.format(path, name, shapes[name],
                                                  what))
    return arrays


def write_text(path, text):
    """Writes ``text`` to ``path`` atomically (a kill leaves the old file or
    the new one; a FIFO or link there is replaced, never written into;
    a path that cannot name a file is refused, :func:`check_output_files`).
    """
    check_output_files([path])
    write_atomic(path, lambda f: f.write(text), binary=False,
                 suffix=os.path.splitext(path)[1])


def write_array(path, array):
    """Writes ``array`` to the ``.npy`` file ``path`` atomically (a kill
    leaves the old file or the new one; a path that cannot name a file
    is refused, :func:`check_output_files`)."""
    check_output_files([path])
    write_atomic(path, lambda f: numpy.save(f, array), suffix='.npy')


def read_array(path, what='pass a file written by vae_avb'):
    """The numeric array in the ``.npy`` file ``path``, read without
    pickles.

    Raises:
        UsageError: ``path`` is missing, not a regular file, not an
            ``.npy`` array of numbers (an ``.npz``, strings, objects), or
            too large for memory.
    """
    _regular_file(path, what)
    try:
        array = numpy.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile,
            MemoryError) as e:
        raise UsageError('{} is not a readable .npy array ({}); {}'.format(
            path, one_line(e), what))
    if not isinstance(array, numpy.ndarray):
        array.close()
        raise UsageError('{} is an .npz archive, not an .npy array; '
                         '{}'.format(path, what))
    if array.dtype.kind not in 'fiu':
        raise UsageError('{} holds {} values, not numbers; {}'.format(
            path, array.dtype, what))
    return array
