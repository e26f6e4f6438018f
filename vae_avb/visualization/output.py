"""What every plotting function shares: a headless pyplot and a safe save."""
import os


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
    """Saves a matplotlib figure (folder created) and closes it."""
    fig.savefig(prepare_path(path), **kwargs)
    pyplot().close(fig)
    return path
