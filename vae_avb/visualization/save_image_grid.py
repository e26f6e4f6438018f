import numpy

from vae_avb.utils.check import check_count
from vae_avb.visualization.checks import check_image_shape
from vae_avb.visualization.checks import check_images
from vae_avb.visualization.output import check_path
from vae_avb.visualization.output import new_figure
from vae_avb.visualization.output import save_figure


# One matplotlib subplot per image: beyond this the figure takes minutes
# and gigabytes; tile_images makes one image of any number of them.
MAX_IMAGES = 1000


def save_image_grid(images, path, n_cols=None, image_shape=(28, 28),
                    title=None):
    """Saves flat images as one PNG grid, as the seeds' 3 x 3 figures.

    Every argument is checked (one-line errors) before a figure is made.

    Args:
        images (array, chainer.Variable or list of rows):
            ``(N, prod(image_shape))`` grey levels in ``[0, 1]`` (bool,
            integers or floats; no NaN or inf), ``1 <= N <= 1000``
            (:data:`MAX_IMAGES`), on any device.
        path (str): Output file; its folder is created. A format
            matplotlib writes (``.png``, ``.pdf``, ...); no extension
            writes a PNG.
        n_cols (int or None): Images per row, from 1 to ``N``; ``None``
            makes a square grid.
        image_shape (tuple): Height and width of one image.
        title (str or None): Figure title.

    Returns:
        str: ``path``.
    """
    where = 'save_image_grid'
    check_path(path, where)
    image_shape = check_image_shape(image_shape, where)
    images = check_images(images, image_shape, where)
    n = len(images)
    if n > MAX_IMAGES:
        raise ValueError(
            '{}: at most {} images (one subplot each), got {}; pass fewer, '
            'or make one image of them with vae_avb.visualization.tile_images'
            .format(where, MAX_IMAGES, n))
    n_cols = int(numpy.ceil(numpy.sqrt(n))) if n_cols is None else \
        check_count(n_cols, 'n_cols', where, maximum=n)
    n_rows = int(numpy.ceil(n / n_cols))
    size = (n_cols * 1.2, n_rows * 1.2 + 0.4)
    with new_figure(n_rows, n_cols, figsize=size, squeeze=False) as figure:
        fig, axes = figure
        for ax in axes.ravel():
            ax.axis('off')
        for ax, image in zip(axes.ravel(), images):
            ax.imshow(image.reshape(image_shape), cmap='gray', vmin=0,
                      vmax=1)
        if title:
            fig.suptitle(title)
        return save_figure(fig, path)
