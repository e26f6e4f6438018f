"""What every plotting function shares: a headless pyplot, a figure closed
whatever happens, the check of an output path, and a safe save."""
import contextlib
import os

from vae_avb.utils.atomic_write import check_target
from vae_avb.utils.atomic_write import write_atomic


def pyplot():
    """Returns ``matplotlib.pyplot`` with the non-interactive Agg backend."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def figure_formats():
    """The extensions matplotlib writes a figure in (``png``, ``pdf``,
    ``svg``...), sorted."""
    pyplot()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    return sorted(FigureCanvasAgg.get_supported_filetypes())


def check_path(path, where, extensions=None):
    """Checks that ``path`` can name the output file, before anything is
    drawn or written: a ``str`` or ``os.PathLike``, not empty, not an
    existing folder, not below a file
    (:func:`~vae_avb.utils.atomic_write.check_target`), and ending in one
    of ``extensions`` (case aside; by default a format matplotlib writes,
    or no extension, which writes a PNG). Returns ``path``.

    Raises:
        TypeError: ``path`` is not a str or os.PathLike.
        ValueError: One line naming ``where``, the path and the fix.
    """
    check_target(path, where)
    extension = os.path.splitext(os.fspath(path))[1].lower()
    if extensions is None:
        formats = figure_formats()
        if extension[1:] and extension[1:] not in formats:
            raise ValueError(
                '{}: path {!r} ends in {!r}, a format matplotlib cannot '
                'write; end it in .png (or .{})'.format(
                    where, os.fspath(path), extension,
                    ', .'.join(f for f in formats if f != 'png')))
    elif extension not in extensions:
        raise ValueError('{}: path {!r} {}, but this writes {}; end it in '
                         '{}'.format(
                             where, os.fspath(path),
                             'ends in {!r}'.format(extension) if extension
                             else 'has no extension',
                             extensions[0][1:].upper(),
                             ' or '.join(extensions)))
    return path


def prepare_path(path):
    """Creates the folder of ``path`` if needed; returns ``path``."""
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    return path


def save_file(path, write):
    """Writes ``path`` (folder created) with ``write(f)`` on a binary file,
    atomically (:func:`~vae_avb.utils.atomic_write.write_atomic`): a kill
    or an error leaves the old file or the new one, and whatever is at
    ``path`` (even a FIFO) is replaced, never written into. Returns
    ``path``."""
    write_atomic(prepare_path(path), write,
                 suffix=os.path.splitext(path)[1])
    return path


@contextlib.contextmanager
def new_figure(nrows=1, ncols=1, figsize=None, **kwargs):
    """``pyplot.subplots(nrows, ncols, figsize=figsize, **kwargs)`` as a
    context giving ``(fig, axes)``; the figure is closed when the block
    ends, however it ends, so failed plots leave no figure open."""
    plt = pyplot()
    fig = plt.figure(figsize=figsize)
    try:
        yield fig, fig.subplots(nrows, ncols, **kwargs)
    finally:
        plt.close(fig)


def save_figure(fig, path, **kwargs):
    """Saves a matplotlib figure (folder created) atomically, and closes
    it: a kill leaves the old image or the new one, and whatever is at
    ``path`` (even a FIFO) is replaced, never written into. ``path`` is
    checked first (:func:`check_path`)."""
    try:
        check_path(path, 'save_figure')
        kwargs.setdefault('format', os.path.splitext(path)[1][1:] or 'png')
        save_file(path, lambda f: fig.savefig(f, **kwargs))
    finally:
        pyplot().close(fig)
    return path
