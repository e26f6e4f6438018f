import numpy

import chainer

from vae_avb.datasets import FourPointsIterator
from vae_avb.links import Adversary
from vae_avb.links import BernoulliDecoder
from vae_avb.links import NoiseEncoder
from vae_avb.losses import AdversaryLoss
from vae_avb.losses import AVBLoss
from vae_avb.training import AVBUpdater

ACCURACY = 0.95


def test_short_avb_run_separates_the_points():
    """After 600 iterations each point owns its own region of z.

    A code drawn for point i must decode to point i (the decoder's most
    probable coordinate is i): 0.36 before training, 0.98 after (seed 0), once
    the four regions are separated.
    """
    numpy.random.seed(0)
    encoder = NoiseEncoder(4, 2, 8, 32, 3, 'relu')
    decoder = BernoulliDecoder(2, 4, 32, 3, 'tanh')
    adversary = Adversary(4, 2, 64, 2, 'relu')
    optimizers = {}
    for name, target, lr in (
            ('main', AVBLoss(encoder, decoder, adversary), 1e-3),
            ('adversary', AdversaryLoss(encoder, adversary), 3e-3)):
        optimizers[name] = chainer.optimizers.Adam(lr, beta1=0.5)
        optimizers[name].setup(target)
    updater = AVBUpdater(FourPointsIterator(128, seed=0), optimizers, 2)
    with chainer.using_config('type_check', False):
        for _ in range(600):
            updater.update()
    labels = numpy.repeat(numpy.arange(4), 1000)
    with chainer.no_backprop_mode():
        z = encoder(numpy.eye(4, dtype=numpy.float32)[labels]).array
        decoded = decoder(z).array.argmax(axis=1)
    assert (decoded == labels).mean() > ACCURACY
    # The codes still cover the prior's scale rather than collapsing.
    assert 0.3 < z.std() < 3
