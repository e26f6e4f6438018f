import numpy

import chainer

from vae_avb.functions import gaussian_kl_divergence
from vae_avb.links import Adversary
from vae_avb.losses import AdversaryLoss

MEANS = numpy.array([[1., 0.], [0., 1.], [-1., 0.], [0., -1.]], 'f')
LN_VARS = numpy.log(numpy.array([[.25, .5], [.5, .25], [.3, .3], [.6, .2]],
                                'f'))


class FixedGaussianEncoder(chainer.Link):
    """q(z|x_i) = N(MEANS[i], exp(LN_VARS[i])) for the one-hot point x_i."""

    def forward(self, x, eps=None):
        i = x.argmax(axis=1)
        eps = numpy.random.standard_normal((len(x), 2)).astype('f')
        return chainer.Variable(MEANS[i] + numpy.exp(0.5 * LN_VARS[i]) * eps)


def log_ratio(i, z):
    """T*(x_i, z) = log q(z|x_i) - log p(z)."""
    var = numpy.exp(LN_VARS[i])
    log_q = -0.5 * (((z - MEANS[i]) ** 2) / var + LN_VARS[i]).sum(axis=1)
    return log_q + 0.5 * (z ** 2).sum(axis=1)


def test_trained_adversary_approaches_log_density_ratio():
    """Mescheder et al. 2017, Proposition 1: T* = log q(z|x) - log p(z)."""
    numpy.random.seed(0)
    adversary = Adversary(4, 2, 64, 2, 'relu')
    loss = AdversaryLoss(FixedGaussianEncoder(), adversary)
    optimizer = chainer.optimizers.Adam(3e-3, beta1=0.5)
    optimizer.setup(loss)
    points = numpy.eye(4, dtype=numpy.float32)
    with chainer.using_config('type_check', False):
        for step in range(1500):
            optimizer.update(loss, points[numpy.random.randint(0, 4, 256)])
    for i in range(4):
        x = numpy.repeat(points[i:i + 1], 4000, axis=0)
        z_q = FixedGaussianEncoder()(x).array
        z_p = numpy.random.standard_normal((4000, 2)).astype('f')
        z = numpy.concatenate((z_q, z_p))
        with chainer.no_backprop_mode():
            t = adversary(numpy.concatenate((x, x)), z).array
        target = log_ratio(i, z)
        # E_q[T] estimates KL(q(z|x) || p(z)).
        kl = float(gaussian_kl_divergence(MEANS[i:i + 1],
                                          LN_VARS[i:i + 1]).array)
        assert abs(t[:4000].mean() - kl) < 0.15 * max(kl, 1)
        # T follows T* where the pairs lie.
        assert numpy.corrcoef(t, target)[0, 1] > 0.95
