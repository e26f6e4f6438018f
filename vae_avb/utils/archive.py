"""Reading ``.npz`` archives of arrays without trusting them.

Every file the project reads back (snapshots, AIS progress, latent codes,
``--data`` images, Chainer's MNIST cache) goes through :func:`read_npz`:
never a pickle, never more memory than the machine has, one phrase saying
what is wrong. The callers put that phrase in their own one-line error,
with the fix that fits them.
"""
import os
import stat
import zipfile

import numpy

from vae_avb.utils.memory import available_memory


class ArchiveError(ValueError):
    """An ``.npz`` file that cannot be read as arrays.

    ``problem`` says why as a phrase to follow the file's name (``'is not
    an .npz archive'``), without a fix.
    """

    def __init__(self, problem):
        super().__init__(problem)
        self.problem = problem


def read_npz(path, names=None, allowed=None, entry_bytes=None):
    """The arrays of the ``.npz`` file ``path``, each read to its end (so
    that a torn or altered entry is found by its checksum), with pickles
    refused.

    Args:
        path (str): The file.
        names (iterable of str or None): The entries to read, each of
            which must be there; ``None`` reads them all.
        allowed (iterable of str or None): When given, the only entries
            the file may hold: another one is refused before anything is
            unpacked.
        entry_bytes (int, dict or None): The most bytes one entry may
            declare once unpacked; a dict gives it by entry name (an
            entry it does not name is bounded by the memory only).

    Whatever these, the entries read must unpack to at most half the
    memory available (a few compressed bytes can stand for gigabytes of
    zeros). Only stored and deflated entries are read (what
    :func:`numpy.savez` and :func:`numpy.savez_compressed` write): their
    readers never unpack more than an entry declares, where bzip2 and
    LZMA unpack a whole block first.

    Returns:
        dict: Entry name (without ``.npy``) to :class:`numpy.ndarray`.

    Raises:
        OSError: ``path`` cannot be opened (a missing file, permissions).
        ArchiveError: Anything else: not a regular file, not a zip, an
            entry refused or missing, a torn archive, pickled objects, an
            entry that is not an ``.npy`` array.
    """
    for label, value in (('names', names), ('allowed', allowed)):
        if isinstance(value, (str, bytes)):
            raise TypeError('read_npz: {} must be a list of entry names or '
                            'None, got the string {!r}'.format(label, value))
    if allowed is not None:
        allowed = frozenset(allowed)
    # Non-blocking, so that a FIFO put in the file's place is refused
    # rather than waited on.
    fd = os.open(path, os.O_RDONLY | getattr(os, 'O_NONBLOCK', 0))
    try:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
    except OSError:
        os.close(fd)
        raise
    if not regular:
        os.close(fd)
        raise ArchiveError('is not a regular file')
    with os.fdopen(fd, 'rb') as f:
        if f.read(4) not in (b'PK\x03\x04', b'PK\x05\x06'):
            raise ArchiveError('is not an .npz archive')
        f.seek(0)
        try:
            with zipfile.ZipFile(f) as z:
                return _read_entries(z, names, allowed, entry_bytes)
        except ArchiveError:
            raise
        except Exception as e:  # BadZipFile, zlib.error, EOFError, ...
            raise ArchiveError('is damaged or not an .npz archive ({})'
                               .format(_describe(e)))


def _read_entries(z, names, allowed, entry_bytes):
    infos = {}
    sizes = {}
    for info in z.infolist():
        name = info.filename
        if not name.endswith('.npy'):
            raise ArchiveError('holds an entry {!r} that is not an .npy '
                               'array'.format(name))
        key = name[:-4]
        if allowed is not None and key not in allowed:
            raise ArchiveError('holds an entry {!r}, which this file does '
                               'not have'.format(name))
        if info.compress_type not in (zipfile.ZIP_STORED,
                                      zipfile.ZIP_DEFLATED):
            raise ArchiveError(
                'holds an entry {!r} compressed with method {}, not stored '
                'or deflated as numpy.savez writes them'.format(
                    name, info.compress_type))
        bound = entry_bytes.get(key) if isinstance(entry_bytes, dict) \
            else entry_bytes
        if bound is not None and info.file_size > bound:
            raise ArchiveError('declares an entry {!r} of {} bytes, more '
                               'than it can hold'.format(key, info.file_size))
        sizes[key] = sizes.get(key, 0) + info.file_size
        infos.setdefault(key, []).append(info)
    keys = list(sizes) if names is None else list(names)
    for key in keys:
        if key not in sizes:
            raise ArchiveError('has no entry {!r} (it has {})'.format(
                key, ', '.join(repr(k) for k in sorted(sizes)) or 'none'))
    unpacked = sum(sizes[key] for key in keys)
    available = available_memory()
    if available is not None and unpacked > available // 2:
        raise ArchiveError(
            'would unpack to {:.1f} GiB, more than half the memory '
            'available ({:.1f} GiB)'.format(unpacked / 2 ** 30,
                                            available / 2 ** 30))
    arrays = {}
    for key in keys:
        for info in infos[key]:  # Each copy is checked; the last is kept.
            arrays[key] = _read_entry(z, info)
    return arrays


def _read_entry(z, info):
    with z.open(info) as f:
        try:
            array = numpy.lib.format.read_array(f, allow_pickle=False)
        except ValueError as e:
            if 'Object arrays cannot be loaded' in str(e):
                raise ArchiveError('holds pickled objects in {!r}, which are '
                                   'not loaded (they could run code)'.format(
                                       info.filename))
            raise
        # Read what follows the array too: the checksum is checked only
        # at the entry's end (stored and deflated readers stop at its
        # declared size).
        while f.read(2 ** 20):
            pass
    if not isinstance(array, numpy.ndarray):
        raise ArchiveError('holds an entry {!r} that is not an array'
                           .format(info.filename))
    return array


def _describe(error):
    text = ' '.join(str(error).split()) or 'no detail'
    return '{}: {}'.format(type(error).__name__, text)[:200]
