import numpy

from vae_avb.visualization.output import pyplot
from vae_avb.visualization.output import save_figure


def plot_latent_samples(panels, path, limit=3.0, centers=False,
                        point_size=1.0):
    """Scatter plots of 2-D latent codes, one colour per class.

    The layout of Mescheder et al. 2017, Figure 6 (codes of the four
    points under the VAE and under AVB) and of seed 001's MNIST latent
    map (``centers=True`` writes each class label at its mean).

    Args:
        panels (list): ``(title, z, labels)`` triples, one panel each;
            ``z`` is ``(N, 2)``, ``labels`` ``(N,)`` integers.
        path (str): Output PNG; its folder is created.
        limit (float): The axes span ``[-limit, limit]``.
        centers (bool): Label each class at the mean of its codes.
        point_size (float): Marker size.

    Returns:
        str: ``path``.
    """
    plt = pyplot()

    fig, axes = plt.subplots(1, len(panels), squeeze=False,
                             figsize=(4.2 * len(panels), 4.2))
    for ax, (title, z, labels) in zip(axes[0], panels):
        z = numpy.asarray(z)
        labels = numpy.asarray(labels)
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
