"""Reading and writing the JSON and array files of run folders.

Every JSON file and per-image array a script reads goes through
:func:`read_json` and :func:`read_array`: regular files only (a FIFO
would block), strict JSON, no pickles, one-line :class:`UsageError` on
any problem.
"""
import json
import math
import os
import zipfile

import numpy

from vae_avb.experiment.errors import UsageError
from vae_avb.utils.check import one_line


def _regular_file(path, what):
    if not os.path.exists(path):
        raise UsageError('{} does not exist; {}'.format(path, what))
    if not os.path.isfile(path):
        raise UsageError('{} is not a regular file; {}'.format(path, what))


def read_json(path, what='pass a file written by vae_avb', keys=()):
    """The object in the JSON file ``path``, a dict holding ``keys``.

    Raises:
        UsageError: ``path`` is missing, not a regular file, not strict
            JSON (``NaN`` included), not an object, or lacks a key.
    """
    _regular_file(path, what)

    def refuse(constant):
        raise ValueError('{} is not valid JSON'.format(constant))
    try:
        with open(path) as f:
            value = json.load(f, parse_constant=refuse)
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise UsageError('{} is not a readable JSON file ({}); {}'.format(
            path, one_line(e), what))
    if not isinstance(value, dict):
        raise UsageError('{} holds a {}, not a JSON object; {}'.format(
            path, type(value).__name__, what))
    missing = [key for key in keys if key not in value]
    if missing:
        raise UsageError('{} has no {}; {}'.format(
            path, ', '.join(repr(k) for k in missing), what))
    return value


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


def write_json(path, value):
    """Writes ``value`` as strict JSON (NaN and inf become ``null``)."""
    with open(path, 'w') as f:
        json.dump(_finite(value), f, indent=2, allow_nan=False)


def read_array(path, what='pass a file written by vae_avb'):
    """The array in the ``.npy`` file ``path``, read without pickles."""
    _regular_file(path, what)
    try:
        return numpy.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise UsageError('{} is not a readable .npy array ({}); {}'.format(
            path, one_line(e), what))
