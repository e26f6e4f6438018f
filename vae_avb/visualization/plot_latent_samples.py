import numpy

from vae_avb.utils.check import check_positive
from vae_avb.visualization.checks import check_codes
from vae_avb.visualization.checks import host_array
from vae_avb.visualization.output import check_path
from vae_avb.visualization.output import new_figure
from vae_avb.visualization.output import pyplot
from vae_avb.visualization.output import save_figure


def plot_latent_samples(panels, path, limit=3.0, centers=False,
                        point_size=1.0):
    """Scatter plots of 2-D latent codes, one colour per class.

    The layout of Mescheder et al. 2017, Figure 6 (codes of the four
    points under the VAE and under AVB) and of seed 001's MNIST latent
    map (``centers=True`` writes each class label at its mean).

    Every argument is checked (one-line errors) before a figure is made.

    Args:
        panels (list): ``(title, z, labels)`` triples, at least one, one
            panel each; ``z`` is ``(N, 2)`` real numbers (NaN or inf codes
            are left out of the plot), ``labels`` ``(N,)``, one class per
            code.
        path (str): Output PNG; its folder is created.
        limit (float): The axes span ``[-limit, limit]``; finite, above 0.
        centers (bool): Label each class at the mean of its codes.
        point_size (float): Marker size; finite, above 0.

    Returns:
        str: ``path``.
    """
    where = 'plot_latent_samples'
    check_path(path, where)
    panels = _check_panels(panels, where)
    check_positive(limit, 'limit', where)
    check_positive(point_size, 'point_size', where)
    plt = pyplot()

    with new_figure(1, len(panels), squeeze=False,
                    figsize=(4.2 * len(panels), 4.2)) as (fig, axes):
        for ax, (title, z, labels) in zip(axes[0], panels):
            classes = numpy.unique(labels)
            cmap = plt.get_cmap('tab10' if len(classes) <= 10 else 'tab20')
            for i, label in enumerate(classes):
                mine = z[labels == label]
                ax.scatter(mine[:, 0], mine[:, 1], s=point_size,
                           color=cmap(i % cmap.N), label=str(label),
                           rasterized=True)
                if centers:
                    center = mine.mean(axis=0)
                    ax.text(center[0], center[1], str(label), fontsize=14,
                            weight='bold', ha='center', va='center')
            ax.set_xlim(-limit, limit)
            ax.set_ylim(-limit, limit)
            ax.set_aspect('equal')
            ax.set_title(title)
            ax.legend(markerscale=6 / max(point_size, 0.1), fontsize=8,
                      loc='upper right')
        fig.tight_layout()
        return save_figure(fig, path, dpi=100)


def _check_panels(panels, where):
    """``panels`` as a list of ``(title, z, labels)`` with NumPy arrays,
    checked."""
    if panels is None or isinstance(panels, (str, bytes)):
        panels = None
    else:
        try:
            panels = list(panels)
        except TypeError:
            panels = None
    if panels is None:
        raise TypeError('{}: panels must be a list of (title, z, labels) '
                        'triples'.format(where))
    if not panels:
        raise ValueError('{}: panels is empty; pass at least one (title, z, '
                         'labels) triple'.format(where))
    checked = []
    for i, panel in enumerate(panels):
        if not isinstance(panel, (tuple, list)) or len(panel) != 3:
            raise TypeError('{}: panels[{}] must be a (title, z, labels) '
                            'triple, got {}; a single panel goes in a list, '
                            '[(title, z, labels)]'.format(
                                where, i, type(panel).__name__))
        title, z, labels = panel
        z = check_codes(z, 'the z of panels[{}]'.format(i), where)
        labels = host_array(labels, 'the labels of panels[{}]'.format(i),
                            where)
        if labels.shape != (len(z),):
            raise ValueError('{}: the labels of panels[{}] have shape {}, '
                             'expected ({},): one label per code of z'.format(
                                 where, i, labels.shape, len(z)))
        checked.append((title, z, labels))
    return checked
