import os
import tempfile


def write_atomic(path, write, binary=True, prefix='.tmp_', suffix='.tmp'):
    """Writes a file so that a kill never tears it.

    ``write(f)`` fills a temporary file in ``path``'s folder (named
    ``prefix...suffix``), which is flushed and synced to disk, given the
    permissions any other new file there would get, then renamed over
    ``path`` (a rename within one file system is atomic); the folder is
    synced so the rename survives a power cut. A kill at any moment leaves
    ``path`` absent, as it was, or complete; on an error the temporary
    file is removed.
    """
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
