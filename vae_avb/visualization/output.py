"""What every plotting function shares: a headless pyplot and a safe save."""
import os

from vae_avb.utils.atomic_write import write_atomic


def pyplot():
    """Returns ``matplotlib.pyplot`` with the non-interactive Agg backend."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def prepare_path(path):
    """Creates the folder of ``path`` if needed; returns ``path``."""
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    return path


def save_figure(fig, path, **kwargs):
    """Saves a matplotlib figure (folder created) atomically, and closes
    it: a kill leaves the old image or the new one, and whatever is at
    ``path`` (even a FIFO) is replaced, never written into."""
    kwargs.setdefault('format', os.path.splitext(path)[1][1:] or 'png')
    try:
        write_atomic(prepare_path(path), lambda f: fig.savefig(f, **kwargs),
                     suffix=os.path.splitext(path)[1])
    finally:
        pyplot().close(fig)
    return path
