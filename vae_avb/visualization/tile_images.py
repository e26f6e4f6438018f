import numpy

import chainer
from chainer import backend


def tile_images(images, n_cols, image_shape=(28, 28), padding=1):
    """Arranges flat images in a mosaic.

    Args:
        images (array or chainer.Variable): ``(N, prod(image_shape))``, on
            any device.
        n_cols (int): Images per row.
        image_shape (tuple): Height and width of one image.
        padding (int): Pixels between images (filled with 1, white).

    Returns:
        numpy.ndarray: The mosaic, 2-D float, on the host.
    """
    images = backend.CpuDevice().send(chainer.as_array(images))
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
