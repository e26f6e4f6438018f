import numpy

import chainer

from vae_avb.utils.check import check_count
from vae_avb.utils.check import check_positive
from vae_avb.visualization.checks import check_has
from vae_avb.visualization.checks import check_codes
from vae_avb.visualization.checks import check_image_shape
from vae_avb.visualization.output import check_path
from vae_avb.visualization.output import new_figure
from vae_avb.visualization.output import save_figure
from vae_avb.visualization.tile_images import tile_images

# A finer grid is no figure anyone reads (100 x 100 is 10,000 decoded
# images, a 2800 x 2800 mosaic of MNIST digits); it would only fill the
# memory.
MAX_GRID = 100


def plot_manifold(decoder, path, n_grid=25, limit=2.0, z_path=None,
                  image_shape=(28, 28)):
    """Decodes a grid over a 2-D latent space into one mosaic.

    Seed 001's map: ``n_grid x n_grid`` codes evenly spaced over
    ``[-limit, limit]^2``, each decoded to its mean image, with ``z1``
    increasing to the right and ``z2`` upwards; ``z_path`` (for instance an
    interpolation) is drawn on it in red.

    Every argument is checked (one-line errors) before anything is decoded.

    Args:
        decoder (vae_avb.links.BernoulliDecoder): A decoder with
            ``n_latent == 2`` (of a VAE: ``vae.decoder``).
        path (str): Output PNG.
        n_grid (int): Codes per axis, from 1 to 100.
        limit (float): Half-width of the grid; finite, above 0.
        z_path (array or None): Codes ``(T, 2)`` to draw as a line.
        image_shape (tuple): Shape of one decoded image; its product is
            the decoder's ``n_out``.

    Returns:
        str: ``path``.
    """
    where = 'plot_manifold'
    check_path(path, where)
    check_has(decoder, ('decode', 'n_latent', 'n_out', 'dtype', 'device'),
              'decoder', where, 'a BernoulliDecoder (of a VAE: vae.decoder)')
    if decoder.n_latent != 2:
        raise ValueError(
            'plot_manifold: the decoder has a {}-D latent; train with '
            '--dim-z 2 for this figure'.format(decoder.n_latent))
    n_grid = check_count(n_grid, 'n_grid', where, maximum=MAX_GRID)
    check_positive(limit, 'limit', where)
    if z_path is not None:
        z_path = check_codes(z_path, 'z_path', where)
    image_shape = check_image_shape(image_shape, where)
    if image_shape[0] * image_shape[1] != decoder.n_out:
        raise ValueError('{}: image_shape {} holds {} pixels but the decoder '
                         'writes {}; pass the image_shape of its images'
                         .format(where, image_shape,
                                 image_shape[0] * image_shape[1],
                                 decoder.n_out))

    axis = numpy.linspace(-limit, limit, n_grid)
    z1, z2 = numpy.meshgrid(axis, axis[::-1])
    z = numpy.stack((z1.ravel(), z2.ravel()), axis=1).astype(
        decoder.dtype)
    with chainer.no_backprop_mode(), chainer.using_config('train', False):
        images = decoder.decode(decoder.device.send(z), sigmoid=True)
    mosaic = tile_images(images, n_grid, image_shape, padding=0)
    with new_figure(figsize=(8, 8)) as (fig, ax):
        ax.imshow(mosaic, cmap='gray', vmin=0, vmax=1,
                  extent=(-limit, limit, -limit, limit))
        if z_path is not None:
            ax.plot(z_path[:, 0], z_path[:, 1], color='red', linewidth=2)
            ax.set_xlim(-limit, limit)
            ax.set_ylim(-limit, limit)
        ax.set_xlabel('z1')
        ax.set_ylabel('z2')
        return save_figure(fig, path, dpi=100, bbox_inches='tight')
