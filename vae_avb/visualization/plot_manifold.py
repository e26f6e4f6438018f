import numpy

import chainer

from vae_avb.visualization.output import pyplot
from vae_avb.visualization.output import save_figure
from vae_avb.visualization.tile_images import tile_images


def plot_manifold(decoder, path, n_grid=25, limit=2.0, z_path=None,
                  image_shape=(28, 28)):
    """Decodes a grid over a 2-D latent space into one mosaic.

    Seed 001's map: ``n_grid x n_grid`` codes evenly spaced over
    ``[-limit, limit]^2``, each decoded to its mean image, with ``z1``
    increasing to the right and ``z2`` upwards; ``z_path`` (for instance an
    interpolation) is drawn on it in red.

    Args:
        decoder (vae_avb.links.BernoulliDecoder): A decoder with
            ``n_latent == 2``.
        path (str): Output PNG.
        n_grid (int): Codes per axis.
        limit (float): Half-width of the grid.
        z_path (array or None): Codes ``(T, 2)`` to draw as a line.
        image_shape (tuple): Shape of one decoded image.

    Returns:
        str: ``path``.
    """
    plt = pyplot()

    if decoder.n_latent != 2:
        raise ValueError(
            'plot_manifold: the decoder has a {}-D latent; train with '
            '--dim-z 2 for this figure'.format(decoder.n_latent))
    axis = numpy.linspace(-limit, limit, n_grid)
    z1, z2 = numpy.meshgrid(axis, axis[::-1])
    z = numpy.stack((z1.ravel(), z2.ravel()), axis=1).astype(
        decoder.dtype)
    with chainer.no_backprop_mode(), chainer.using_config('train', False):
        images = decoder.decode(decoder.device.send(z), sigmoid=True)
    mosaic = tile_images(images, n_grid, image_shape, padding=0)
    fig, ax = plt.subplots(figsize=(8, 8))
    ax.imshow(mosaic, cmap='gray', vmin=0, vmax=1,
              extent=(-limit, limit, -limit, limit))
    if z_path is not None:
        z_path = numpy.asarray(z_path)
        ax.plot(z_path[:, 0], z_path[:, 1], color='red', linewidth=2)
        ax.set_xlim(-limit, limit)
        ax.set_ylim(-limit, limit)
    ax.set_xlabel('z1')
    ax.set_ylabel('z2')
    return save_figure(fig, path, dpi=100, bbox_inches='tight')
