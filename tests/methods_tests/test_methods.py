"""The methods: what each builds, how it trains, what evaluation gets."""
import os

import numpy
import pytest

import chainer
from chainer import training

from vae_avb.datasets import ArrayIterator
from vae_avb.datasets import send_array
from vae_avb.links import AdaptiveContrastEncoder
from vae_avb.links import Adversary
from vae_avb.links import BernoulliDecoder
from vae_avb.links import GaussianEncoder
from vae_avb.links import NoiseEncoder
from vae_avb.losses import AdaptiveContrastLoss
from vae_avb.losses import AVBLoss
from vae_avb.losses import ELBOLoss
from vae_avb.methods import AdaptiveContrastMethod
from vae_avb.methods import AVBMethod
from vae_avb.methods import make_method
from vae_avb.methods import MethodConfig
from vae_avb.methods import MLPNetworks
from vae_avb.methods import VAEMethod
from vae_avb.training import AVBUpdater
from vae_avb.training import save_atomic
from vae_avb.training import SkipNonFiniteUpdater

SMALL = MLPNetworks(784, 16, 1, 'relu', None, 12, 2, 'relu')
KINDS = {
    'vae': (VAEMethod, GaussianEncoder, ELBOLoss, 'VAE (4-dim)'),
    'avb': (AVBMethod, NoiseEncoder, AVBLoss, 'AVB (4-dim)'),
    'avb_ac': (AdaptiveContrastMethod, AdaptiveContrastEncoder,
               AdaptiveContrastLoss, 'AVB + AC (4-dim)'),
}


def method_for(key, **changes):
    return make_method(MethodConfig(method=key, dim_z=4, networks=SMALL,
                                    n_basis=5, **changes))


def images(n, seed=0):
    return numpy.random.RandomState(seed).binomial(
        1, 0.3, (n, 784)).astype(numpy.float32)


@pytest.mark.parametrize('key', sorted(KINDS))
def test_builds_its_networks_and_losses(key):
    cls, encoder_cls, loss_cls, title = KINDS[key]
    method = method_for(key)
    assert type(method) is cls and method.title == title
    model = method.build()
    assert isinstance(model.encoder, encoder_cls)
    assert isinstance(model.decoder, BernoulliDecoder)
    assert isinstance(model.loss, loss_cls)
    assert (model.adversary is None) == (key == 'vae')
    assert method.elbo_is_estimate == (key != 'vae')
    if model.adversary is not None:
        assert isinstance(model.adversary, Adversary)
        assert model.adversary.prior_term and model.adversary.side_terms
        # The adversary's loss owns it; the main loss only uses it.
        assert set(model.adversary_loss.children()) == {model.adversary}
        assert model.adversary not in set(model.loss.children())
    assert sorted(method.make_optimizers(model)) == sorted(
        model.targets())


def test_full_contrast_title_and_encoder():
    method = method_for('avb_ac', contrast='full')
    assert method.title == 'AVB + AC full (4-dim)'
    assert method.build().encoder.contrast == 'full'


def test_build_draws_decoder_then_encoder_then_adversary():
    # The documented order of the initial draws (the four-point Table 1
    # and the VAE results depend on it being unchanged).
    numpy.random.seed(3)
    model = method_for('avb').build()
    numpy.random.seed(3)
    decoder = SMALL.decoder(4)
    encoder = SMALL.noise_encoder(4, 8)
    adversary = SMALL.adversary(4, True, True)
    for built, manual in ((model.decoder, decoder), (model.encoder, encoder),
                          (model.adversary, adversary)):
        for (name, a), (_, b) in zip(sorted(built.namedparams()),
                                     sorted(manual.namedparams())):
            numpy.testing.assert_array_equal(a.array, b.array, name)


@pytest.mark.parametrize('key', sorted(KINDS))
@pytest.mark.parametrize('skip', [False, True])
def test_updater_trains_and_loss_falls(key, skip, tmp_path):
    numpy.random.seed(0)
    method = method_for(key, lr=1e-3)
    model = method.build()
    optimizers = method.make_optimizers(model)
    updater = method.make_updater(
        model, optimizers, ArrayIterator(images(50), 10, seed=0),
        send_array, chainer.get_device('@numpy'), skip_nonfinite=skip)
    plain = training.updaters.StandardUpdater
    expected = AVBUpdater if key != 'vae' else (
        SkipNonFiniteUpdater if skip else plain)
    assert type(updater) is expected
    x = images(50, seed=1)
    with chainer.using_config('train', False), chainer.no_backprop_mode():
        before = float(model.loss(x).array)
    training.Trainer(updater, (30, 'iteration'), out=str(tmp_path)).run()
    with chainer.using_config('train', False), chainer.no_backprop_mode():
        after = float(model.loss(x).array)
    assert after < before - 20, (before, after)


def test_decoder_lr_gives_the_decoder_its_own_step_size():
    method = method_for('vae', lr=1e-3, decoder_lr=5e-3)
    model = method.build()
    method.make_optimizers(model)
    assert {p.update_rule.hyperparam.alpha
            for p in model.decoder.params()} == {5e-3}
    assert {p.update_rule.hyperparam.alpha
            for p in model.encoder.params()} == {1e-3}


@pytest.mark.parametrize('key', sorted(KINDS))
def test_what_evaluation_needs(key):
    method = method_for(key)
    model = method.build()
    x = images(7)
    numpy.random.seed(1)
    start = method.ais_start(model, x, batch_size=3)
    if key == 'avb':
        assert start is None and method.ais_start_name == 'prior'
    else:
        mean, std = start
        assert mean.shape == std.shape == (7, 4) and (std > 0).all()
        assert method.ais_start_name == 'encoder Gaussian'
        # Batches do not change the start (AC's noise moments are drawn
        # once per call).
        numpy.random.seed(1)
        again = method.ais_start(model, x, batch_size=500)
        numpy.testing.assert_allclose(mean, again[0], rtol=1e-5, atol=1e-6)
    z = method.posterior_sample(model, x)
    assert isinstance(z, numpy.ndarray) and z.shape == (7, 4)
    assert numpy.isfinite(z).all()


@pytest.mark.parametrize('key', sorted(KINDS))
def test_settings_leave_out_what_the_method_does_not_use(key):
    settings = method_for(key).settings()
    assert settings['dim_z'] == 4 and settings['dim_h'] == 16
    assert ('adversary_dim_h' in settings) == (key != 'vae')
    assert ('n_basis' in settings) == (key == 'avb_ac')


def test_save_and_load_round_trip(tmp_path):
    numpy.random.seed(0)
    method = method_for('avb_ac')
    model = method.build()
    method.save(model, str(tmp_path))
    other = method.build()
    method.load(other, str(tmp_path))
    for net in ('encoder', 'decoder', 'adversary'):
        for (name, a), (_, b) in zip(
                sorted(getattr(model, net).namedparams()),
                sorted(getattr(other, net).namedparams())):
            numpy.testing.assert_array_equal(a.array, b.array, name)


def test_adversary_from_a_trainer_snapshot(tmp_path):
    # Runs made before train_avb.py saved adversary.npz: the adversary is
    # read from the run's trainer snapshot, without unpickling.
    numpy.random.seed(0)
    method = method_for('avb')
    model = method.build()
    optimizers = method.make_optimizers(model)
    updater = method.make_updater(model, optimizers, ArrayIterator(
        images(20), 10, seed=0), send_array, chainer.get_device('@numpy'))
    trainer = training.Trainer(updater, (1, 'iteration'), out=str(tmp_path))
    trainer.run()
    snapshot = os.path.join(str(tmp_path), 'snapshot_iter_1.npz')
    save_atomic(snapshot, trainer)
    method.save(model, str(tmp_path))
    os.remove(os.path.join(str(tmp_path), 'adversary.npz'))
    other = method.build()
    method.load(other, str(tmp_path), snapshot)
    numpy.testing.assert_array_equal(model.adversary.z_head.W.array,
                                     other.adversary.z_head.W.array)


def test_a_method_refuses_another_methods_configuration():
    with pytest.raises(ValueError, match="is for method 'vae', not 'avb'"):
        AVBMethod(MethodConfig(method='vae'))
