"""Reading ``.npz`` archives of arrays without trusting them.

Every file the project reads back (snapshots, AIS progress, latent codes,
``--data`` images, Chainer's MNIST cache) goes through :func:`read_npz`:
never a pickle, never more memory than the machine has, one phrase saying
what is wrong. The callers put that phrase in their own one-line error,
with the fix that fits them.
"""
import zipfile

import numpy

from vae_avb.utils.check import one_line
from vae_avb.utils.memory import available_memory


class ArchiveError(ValueError):
    """An ``.npz`` file that cannot be read as arrays.

    ``problem`` says why as a phrase to follow the file's name (``'is not
    an .npz archive'``), without a fix.
    """

    def __init__(self, problem):
        super().__init__(problem)
        self.problem = problem


def starts_as_zip(path):
    """Whether the file ``path`` starts as a zip archive (an ``.npz``)
    does: anything else given to ``numpy.load`` is one ``.npy`` array or,
    with pickles allowed, a pickle.

    Raises:
        OSError: ``path`` cannot be read.
    """
    with open(path, 'rb') as f:
        return f.read(4) in (b'PK\x03\x04', b'PK\x05\x06')


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
        entry_bytes (int or None): The most bytes one entry may declare
            once unpacked.

    Whatever these, the entries read must unpack to at most half the
    memory available (a few compressed bytes can stand for gigabytes of
    zeros).

    Returns:
        dict: Entry name (without ``.npy``) to :class:`numpy.ndarray`.

    Raises:
        OSError: ``path`` cannot be opened (a missing file, permissions).
        ArchiveError: Anything else: not a zip, an entry refused or
            missing, a torn archive, pickled objects, an entry that is not
            an array.
    """
    if not starts_as_zip(path):
        raise ArchiveError('is not an .npz archive')
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except Exception as e:  # BadZipFile, a truncated directory, ...
        raise ArchiveError('is damaged or not an .npz archive ({})'.format(
            _describe(e)))
    sizes = {}
    for info in infos:
        name = info.filename
        key = name[:-4] if name.endswith('.npy') else name
        if allowed is not None and key not in allowed:
            raise ArchiveError('holds an entry {!r}, which this file does '
                               'not have'.format(name))
        if entry_bytes is not None and info.file_size > entry_bytes:
            raise ArchiveError('declares an entry {} of {} bytes, more '
                               'than it can hold'.format(key, info.file_size))
        sizes[key] = sizes.get(key, 0) + info.file_size
    keys = list(sizes) if names is None else list(names)
    for key in keys:
        if key not in sizes:
            raise ArchiveError('has no entry {} (it has {})'.format(
                key, ', '.join(sorted(sizes)) or 'none'))
    unpacked = sum(sizes[key] for key in keys)
    available = available_memory()
    if available is not None and unpacked > available // 2:
        raise ArchiveError(
            'would unpack to {:.1f} GiB, more than half the memory '
            'available ({:.1f} GiB)'.format(unpacked / 2 ** 30,
                                            available / 2 ** 30))
    try:
        with numpy.load(path, allow_pickle=False) as f:
            arrays = {key: f[key] for key in keys}
    except ValueError as e:
        if 'pickle' in str(e):
            raise ArchiveError('holds pickled objects, which are not loaded '
                               '(they could run code)')
        raise ArchiveError('is damaged or not an .npz archive ({})'.format(
            _describe(e)))
    except Exception as e:  # Torn zips, zlib.error, EOFError, MemoryError.
        raise ArchiveError('is damaged or not an .npz archive ({})'.format(
            _describe(e)))
    for key, array in arrays.items():
        if not isinstance(array, numpy.ndarray):
            raise ArchiveError('holds an entry {} that is not an array'
                               .format(key))
    return arrays


def _describe(error):
    return '{}: {}'.format(type(error).__name__, one_line(error))[:200]
