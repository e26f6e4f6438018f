import os
import tempfile


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
    for :func:`write_atomic`: a ``str`` or ``os.PathLike``, not empty, not
    an existing folder nor ending in a separator, ``.`` or ``..``, and not
    below a file. Returns ``path``.

    Raises:
        TypeError: ``path`` is not a str or os.PathLike.
        ValueError: One line naming ``where``, the path and the fix.
    """
    name = as_path(path, 'path', where)
    if not name:
        raise ValueError('{}: path is empty; pass the path of the file to '
                         'write'.format(where))
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
    created in the target's own folder.
    """
    check_target(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=suffix)
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
    except BaseException:
        if os.path.exists(temp):
            os.remove(temp)
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
