import hashlib
import os
import tempfile

# The longest file name, in bytes, of the usual file systems (ext4, XFS,
# Btrfs, tmpfs, APFS), and the random characters mkstemp puts in one.
NAME_MAX = 255
_RANDOM_CHARACTERS = 8


def as_path(value, name, where, kind='file'):
    """``value`` (a ``str`` or ``os.PathLike``) as a ``str``.

    Raises:
        TypeError: One line naming ``where``, ``name`` and the value.
    """
    try:
        text = os.fspath(value)
    except TypeError:
        text = None
    if not isinstance(text, str):
        raise TypeError('{}: {} must be a {} path (a str or os.PathLike), '
                        'got {!r}'.format(where, name, kind, value))
    return text


def check_target(path, where='write_atomic'):
    """Checks, before anything is created, that ``path`` can name a file
    for :func:`write_atomic`: a ``str`` or ``os.PathLike``, not empty,
    without a NUL character, not an existing folder nor ending in a
    separator, ``.`` or ``..``, and not below a file. Returns ``path``.

    Raises:
        TypeError: ``path`` is not a str or os.PathLike.
        ValueError: One line naming ``where``, the path and the fix.
    """
    name = as_path(path, 'path', where)
    if not name:
        raise ValueError('{}: path is empty; pass the path of the file to '
                         'write'.format(where))
    if '\0' in name:
        raise ValueError('{}: path {!r} holds a NUL character, which no file '
                         'name can; pass another path'.format(where, name))
    if os.path.isdir(name):
        raise ValueError('{}: path {!r} is an existing folder; pass the path '
                         'of a file inside it'.format(where, name))
    if os.path.basename(name) in ('', '.', '..'):
        raise ValueError('{}: path {!r} names a folder, not a file; pass the '
                         'path of a file'.format(where, name))
    # The nearest existing folder above: a file there would be the folder.
    above = os.path.dirname(os.path.abspath(name))
    while not os.path.lexists(above) and os.path.dirname(above) != above:
        above = os.path.dirname(above)
    if not os.path.isdir(above):
        raise ValueError('{}: path {!r} lies below {!r}, which is a file, not '
                         'a folder; pass a path in a folder'.format(
                             where, name, above))
    return path


def temporary_prefix(prefix, suffix='.tmp'):
    """``prefix`` as :func:`write_atomic` uses it: unchanged where a
    temporary name (``prefix``, 8 random characters, ``suffix``) fits in
    :data:`NAME_MAX` bytes, else cut and ended by a hash of it, so that
    the name fits and stays the prefix's own."""
    room = NAME_MAX - _RANDOM_CHARACTERS - len(os.fsencode(suffix))
    if len(os.fsencode(prefix)) <= room:
        return prefix
    end = '~{}.'.format(hashlib.sha256(os.fsencode(prefix)).hexdigest()[:12])
    cut = prefix
    while cut and len(os.fsencode(cut)) + len(end) > room:
        cut = cut[:-1]
    return cut + end


def _naming(error, path, doing=None):
    """``error`` (an OSError) again, naming the target ``path`` instead of
    the temporary file, with the same errno (and so the same class)."""
    if error.errno is None:
        return error
    return OSError(error.errno, error.strerror if doing is None else
                   '{} ({})'.format(error.strerror, doing), path)


def write_atomic(path, write, binary=True, prefix='.tmp_', suffix='.tmp'):
    """Writes a file so that a kill never tears it.

    ``write(f)`` fills a temporary file in ``path``'s folder (named
    ``prefix...suffix``), which is flushed and synced to disk, given the
    permissions any other new file there would get, then renamed over
    ``path`` (a rename within one file system is atomic); the folder is
    synced so the rename survives a power cut. A kill at any moment leaves
    ``path`` absent, as it was, or complete; on an error the temporary
    file is removed.

    ``path`` is checked first (:func:`check_target`), so a bad one raises
    before any temporary file exists, and the temporary file is always
    created in the target's own folder (its name cut to fit, see
    :func:`temporary_prefix`). An ``OSError`` of the temporary file (a
    folder that cannot be written, a name too long) is raised again
    naming ``path``, on one line, with the same ``errno``.
    """
    check_target(path)
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, temp = tempfile.mkstemp(dir=folder, suffix=suffix,
                                    prefix=temporary_prefix(prefix, suffix))
    except OSError as e:
        raise _naming(e, os.fspath(path), 'creating a temporary file in '
                      'its folder') from None
    try:
        with os.fdopen(fd, 'wb' if binary else 'w') as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp creates the file readable by its owner only.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, path)
    except BaseException as e:
        if os.path.exists(temp):
            os.remove(temp)
        if isinstance(e, OSError) and e.filename in (None, temp):
            raise _naming(e, os.fspath(path)) from None
        raise
    _fsync_folder(folder)


def _fsync_folder(folder):
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # Some file systems refuse to sync a folder.
        pass
    finally:
        os.close(fd)
