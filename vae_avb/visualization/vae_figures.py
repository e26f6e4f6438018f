"""The MNIST VAE figures of the seeds (000, 001) and Chainer's example:
what ``examples/mnist/train_vae.py`` writes at the end of training and
``plot_vae.py`` from a saved model."""
import os

import numpy

import chainer

from vae_avb.visualization.output import prepare_path
from vae_avb.visualization.output import pyplot
from vae_avb.visualization.plot_latent_samples import plot_latent_samples
from vae_avb.visualization.plot_manifold import plot_manifold
from vae_avb.visualization.save_gif import save_gif
from vae_avb.visualization.save_image_grid import save_image_grid
from vae_avb.visualization.tile_images import tile_images

# The images Chainer's example shows, so figures can be compared.
TRAIN_INDICES = [1, 3, 5, 10, 2, 0, 13, 15, 17]
TEST_INDICES = [3, 2, 1, 18, 4, 8, 11, 17, 61]


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


def make_vae_figures(vae, train, test, test_labels, out, n_frames=30):
    """Writes every figure; returns the list of files written."""
    written = []
    for name, data, indices in (('train', train, TRAIN_INDICES),
                                ('test', test, TEST_INDICES)):
        # The seeds' images, or the first ones of a smaller data set.
        kept = [i for i in indices if i < len(data)] or list(
            range(min(len(indices), len(data))))
        x = numpy.stack([data[i] for i in kept])
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
    strip = tile_images(frames[::max(1, n_frames // 10)], n_cols=10)
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


def _save_mosaic(mosaic, path):
    pyplot().imsave(prepare_path(path), mosaic, cmap='gray', vmin=0, vmax=1)
    return path
