import numpy

import chainer
from chainer import backend

from vae_avb.visualization.output import pyplot
from vae_avb.visualization.output import save_figure


def save_image_grid(images, path, n_cols=None, image_shape=(28, 28),
                    title=None):
    """Saves flat images as one PNG grid, as the seeds' 3 x 3 figures.

    Args:
        images (array or chainer.Variable): ``(N, prod(image_shape))``
            values in ``[0, 1]``, on any device.
        path (str): Output file; its folder is created.
        n_cols (int or None): Images per row; ``None`` makes a square grid.
        image_shape (tuple): Height and width of one image.
        title (str or None): Figure title.

    Returns:
        str: ``path``.
    """
    plt = pyplot()

    images = backend.CpuDevice().send(chainer.as_array(images))
    n = len(images)
    n_cols = n_cols or int(numpy.ceil(numpy.sqrt(n)))
    n_rows = int(numpy.ceil(n / n_cols))
    fig, axes = plt.subplots(n_rows, n_cols, squeeze=False,
                             figsize=(n_cols * 1.2, n_rows * 1.2 + 0.4))
    for ax in axes.ravel():
        ax.axis('off')
    for ax, image in zip(axes.ravel(), images):
        ax.imshow(image.reshape(image_shape), cmap='gray', vmin=0, vmax=1)
    if title:
        fig.suptitle(title)
    return save_figure(fig, path)
