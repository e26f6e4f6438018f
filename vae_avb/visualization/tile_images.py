import numpy

from vae_avb.utils.check import check_count
from vae_avb.visualization.checks import FLOAT
from vae_avb.visualization.checks import check_image_shape
from vae_avb.visualization.checks import check_images


def tile_images(images, n_cols, image_shape=(28, 28), padding=1):
    """Arranges flat images in a mosaic.

    Every argument is checked (one-line errors) first.

    Args:
        images (array, chainer.Variable or list of rows):
            ``(N, prod(image_shape))`` floats in ``[0, 1]`` (0 black, 1
            white; no NaN or inf), ``N >= 1``, on any device. Integer
            images are refused: scale them to ``[0, 1]`` floats first
            (bytes: ``x / 255``).
        n_cols (int): Images per row, from 1 to ``N``.
        image_shape (tuple): Height and width of one image.
        padding (int): Pixels between images (filled with 1, white), from
            0 to the larger side of an image.

    Returns:
        numpy.ndarray: The mosaic, 2-D, of the images' dtype, on the host.
    """
    where = 'tile_images'
    image_shape = check_image_shape(image_shape, where)
    images = check_images(images, image_shape, where, kinds=FLOAT)
    n_cols = check_count(n_cols, 'n_cols', where, maximum=len(images))
    padding = check_count(padding, 'padding', where, minimum=0,
                          maximum=max(image_shape))
    height, width = image_shape
    n_rows = -(-len(images) // n_cols)
    mosaic = numpy.ones((n_rows * (height + padding) - padding,
                         n_cols * (width + padding) - padding), images.dtype)
    for i, image in enumerate(images):
        row, col = divmod(i, n_cols)
        top, left = row * (height + padding), col * (width + padding)
        mosaic[top:top + height, left:left + width] = image.reshape(
            image_shape)
    return mosaic
