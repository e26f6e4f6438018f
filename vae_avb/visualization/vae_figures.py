"""The MNIST VAE figures of the seeds (000, 001) and Chainer's example:
what ``examples/mnist/train_vae.py`` writes at the end of training and
``plot_vae.py`` from a saved model."""
import os

import numpy

import chainer

from vae_avb.utils.atomic_write import as_path
from vae_avb.utils.check import check_batch
from vae_avb.utils.check import check_count
from vae_avb.utils.check import check_rows
from vae_avb.utils.check import check_values
from vae_avb.visualization.checks import check_has
from vae_avb.visualization.checks import host_array
from vae_avb.visualization.output import check_path
from vae_avb.visualization.output import pyplot
from vae_avb.visualization.output import save_file
from vae_avb.visualization.plot_latent_samples import plot_latent_samples
from vae_avb.visualization.plot_manifold import plot_manifold
from vae_avb.visualization.save_gif import save_gif
from vae_avb.visualization.save_image_grid import save_image_grid
from vae_avb.visualization.tile_images import tile_images

# The images Chainer's example shows, so figures can be compared.
TRAIN_INDICES = [1, 3, 5, 10, 2, 0, 13, 15, 17]
TEST_INDICES = [3, 2, 1, 18, 4, 8, 11, 17, 61]
# The figures show 28 x 28 images.
N_PIXELS = 28 * 28
# More frames are no animation anyone watches (1000 frames at the default
# 80 ms are 80 s); each decodes up to 100 images.
MAX_FRAMES = 1000


def encode_means(vae, x, batch_size=1000):
    """Posterior means ``mu(x)`` on the host."""
    parts = []
    with chainer.no_backprop_mode(), chainer.using_config('train', False):
        for start in range(0, len(x), batch_size):
            mu, _ = vae.encode(vae.device.send(x[start:start + batch_size]))
            parts.append(chainer.backend.CpuDevice().send(mu.array))
    return numpy.concatenate(parts)


def decode(vae, z):
    with chainer.no_backprop_mode(), chainer.using_config('train', False):
        probabilities = vae.decode(vae.device.send(
            numpy.asarray(z, dtype=numpy.float32)))
    return chainer.backend.CpuDevice().send(probabilities.array)


def interpolate(z_start, z_end, n_frames):
    t = numpy.linspace(0, 1, n_frames)[:, None]
    return (1 - t) * z_start + t * z_end


def first_index(labels, digit):
    """Index of the first image of ``digit`` (the last image if none)."""
    found = numpy.flatnonzero(labels == digit)
    return found[0] if len(found) else len(labels) - 1


def vae_figure_names(n_latent):
    """The names of the files :func:`make_vae_figures` writes for a VAE of
    ``n_latent`` latent dimensions (the latent plots for 2 only)."""
    return ['train.png', 'train_reconstructed.png', 'test.png',
            'test_reconstructed.png', 'sampled.png', 'interpolation.gif',
            'interpolation.png', 'all_digits.gif'] + (
        ['latent.png', 'manifold.png'] if n_latent == 2 else [])


def make_vae_figures(vae, train, test, test_labels, out, n_frames=30):
    """Writes every figure; returns the list of files written.

    Every argument is checked (one-line errors) before any file is
    written, and each file is written atomically.

    Args:
        vae (vae_avb.links.VAE): A VAE of 28 x 28 images (784 values).
        train: Training images, at least one: an array or a dataset (such
            as :class:`~vae_avb.datasets.DynamicBinarized`) of rows of 784
            values in ``[0, 1]`` of the VAE's dtype.
        test (array): Test images ``(N, 784)`` in ``[0, 1]``, ``N >= 1``,
            of the VAE's dtype.
        test_labels (array): ``(N,)`` integer labels; the interpolations
            run between the digits 0 to 9, so at least one is among them.
        out (str): Folder of the figures; created if needed.
        n_frames (int): Frames of the interpolations, from 1 to 1000.

    Returns:
        list: The paths written.
    """
    x_shown, test, test_labels, n_frames = _check(
        vae, train, test, test_labels, out, n_frames)
    written = []
    for name, x in zip(('train', 'test'), x_shown):
        written.append(save_image_grid(
            x, os.path.join(out, name + '.png'), title=name + ' images'))
        written.append(save_image_grid(
            decode(vae, encode_means(vae, x)),
            os.path.join(out, name + '_reconstructed.png'),
            title=name + ' reconstructions'))
    with chainer.no_backprop_mode(), chainer.using_config('train', False):
        written.append(save_image_grid(
            vae.sample(9), os.path.join(out, 'sampled.png'),
            title='samples, z ~ N(0, I)'))

    mu = encode_means(vae, test)
    digits = [d for d in range(10) if (test_labels == d).any()]
    # Seed 001: from the first test '0' to the first test '7'.
    start = first_index(test_labels, 0)
    end = first_index(test_labels, 7)
    path = interpolate(mu[start], mu[end], n_frames)
    frames = decode(vae, path)
    written.append(save_gif([f.reshape(28, 28) for f in frames],
                            os.path.join(out, 'interpolation.gif')))
    strip = frames[::max(1, n_frames // 10)]
    strip = tile_images(strip, n_cols=min(10, len(strip)))
    written.append(_save_mosaic(strip, os.path.join(
        out, 'interpolation.png')))

    # Every digit to every digit: row i starts at digit i's mean code,
    # column j ends at digit j's.
    centers = numpy.stack([mu[test_labels == d].mean(axis=0)
                           for d in digits])
    grids = []
    for t in numpy.linspace(0, 1, n_frames):
        z = ((1 - t) * centers[:, None, :] + t * centers[None, :, :])
        grids.append(tile_images(decode(vae, z.reshape(-1, z.shape[-1])),
                                 n_cols=len(digits)))
    written.append(save_gif(grids, os.path.join(out, 'all_digits.gif'),
                            scale=1))

    if vae.n_latent == 2:
        written.append(plot_latent_samples(
            [('test set, posterior means', mu, test_labels)],
            os.path.join(out, 'latent.png'), limit=4, centers=True))
        written.append(plot_manifold(
            vae.decoder, os.path.join(out, 'manifold.png'), z_path=path))
    return written


def _check(vae, train, test, test_labels, out, n_frames):
    """The arguments of :func:`make_vae_figures` checked, before anything
    is written: the train and test images shown, the test images and
    labels as NumPy arrays, and ``n_frames`` as an int."""
    where = 'make_vae_figures'
    check_has(vae, ('encoder', 'decoder', 'encode', 'decode', 'sample',
                    'n_latent', 'device'), 'vae', where,
              'a vae_avb.links.VAE (an encoder and a decoder; the whole VAE)')
    check_has(vae.decoder, ('n_out',), 'vae.decoder', where,
              'a BernoulliDecoder')
    n_in = getattr(vae.encoder, 'n_in', N_PIXELS)
    if (n_in, vae.decoder.n_out) != (N_PIXELS, N_PIXELS):
        raise ValueError('{}: the VAE reads {} and writes {} values per '
                         'image, but these figures show 28x28 images ({} '
                         'values); pass a VAE of MNIST-shaped images'.format(
                             where, n_in, vae.decoder.n_out, N_PIXELS))
    n_frames = check_count(n_frames, 'n_frames', where, maximum=MAX_FRAMES)
    folder = as_path(out, 'out', where, 'folder')
    if not folder:
        raise ValueError('{}: out is empty; pass the folder to write the '
                         'figures in'.format(where))
    for name in vae_figure_names(vae.n_latent):
        check_path(os.path.join(folder, name), where,
                   extensions=(os.path.splitext(name)[1],))

    dtype = getattr(vae.encoder, 'dtype', None)
    test = host_array(test, 'test', where)
    check_batch(test, N_PIXELS, 'test', where, dtype)
    check_values(test, 'test', where, unit_interval=True)
    try:
        len(train)
    except TypeError:
        raise TypeError('{}: train must be an array or a dataset of images, '
                        'got {}'.format(where, type(train).__name__))
    check_rows(train, 'train', where)
    kept = _shown(TRAIN_INDICES, len(train))
    name = 'train (the {} images shown)'.format(len(kept))
    x_train = host_array([train[i] for i in kept], name, where)
    check_batch(x_train, N_PIXELS, name, where, dtype)
    check_values(x_train, name, where, unit_interval=True)
    x_shown = [x_train, test[_shown(TEST_INDICES, len(test))]]

    labels = host_array(test_labels, 'test_labels', where)
    if labels.shape != (len(test),) or labels.dtype.kind not in 'iu':
        raise ValueError('{}: test_labels must be {} integer labels, one per '
                         'test image, got an array of shape {} and dtype {}; '
                         'pass the class of each test image'.format(
                             where, len(test), labels.shape, labels.dtype))
    if not ((labels >= 0) & (labels <= 9)).any():
        raise ValueError('{}: test_labels has no digit from 0 to 9 (values '
                         'from {} to {}); the interpolations run between '
                         'digits, pass MNIST class labels'.format(
                             where, labels.min(), labels.max()))
    return x_shown, test, labels, n_frames


def _shown(indices, n):
    """The seeds' images, or the first ones of a smaller data set."""
    return [i for i in indices if i < n] or list(range(min(len(indices), n)))


def _save_mosaic(mosaic, path):
    return save_file(path, lambda f: pyplot().imsave(
        f, mosaic, cmap='gray', vmin=0, vmax=1, format='png'))
