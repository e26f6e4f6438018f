"""The same computations on CuPy as on NumPy (run only where a GPU is)."""
import numpy
import pytest

import chainer

from vae_avb.evaluation import importance_weighted_log_likelihood
from vae_avb.evaluation import quadrature_log_likelihood
from vae_avb.links import Adversary
from vae_avb.links import BernoulliDecoder
from vae_avb.links import NoiseEncoder
from vae_avb.links import VAE
from vae_avb.losses import AdversaryLoss
from vae_avb.losses import AVBLoss
from vae_avb.losses import ELBOLoss

pytestmark = pytest.mark.gpu


def on_both(link, *arrays):
    """Calls ``link`` on the CPU, then on GPU 0 with the same arrays."""
    cpu = float(link(*arrays).array)
    device = chainer.get_device('@cupy:0')
    link.to_device(device)
    gpu = float(link(*[device.send(a) for a in arrays]).array)
    return cpu, gpu


def test_elbo_loss_matches_cpu():
    x = numpy.random.uniform(size=(8, 12)).astype(numpy.float32)
    eps = numpy.random.standard_normal((16, 3)).astype(numpy.float32)
    cpu, gpu = on_both(ELBOLoss(VAE.mlp(12, 3, 10), k=2), x, eps)
    assert gpu == pytest.approx(cpu, rel=1e-5)


def test_avb_losses_match_cpu():
    x = numpy.eye(4, dtype=numpy.float32)
    eps = numpy.random.standard_normal((4, 3)).astype(numpy.float32)
    z_prior = numpy.random.standard_normal((4, 2)).astype(numpy.float32)
    encoder = NoiseEncoder(4, 2, 3, 16)
    adversary = Adversary(4, 2, 16)
    cpu, gpu = on_both(AVBLoss(encoder, BernoulliDecoder(2, 4, 16),
                               adversary), x, eps)
    assert gpu == pytest.approx(cpu, rel=1e-5)
    encoder.to_cpu()
    adversary.to_cpu()
    cpu, gpu = on_both(AdversaryLoss(encoder, adversary), x, eps, z_prior)
    assert gpu == pytest.approx(cpu, rel=1e-5)


def test_evaluation_runs_on_gpu():
    vae = VAE.mlp(4, 2, 16)
    x = numpy.eye(4, dtype=numpy.float32)
    exact = quadrature_log_likelihood(vae.decoder, x)
    vae.to_device('@cupy:0')
    numpy.testing.assert_allclose(
        quadrature_log_likelihood(vae.decoder, x), exact, rtol=1e-5)
    estimate = importance_weighted_log_likelihood(vae, x, k=2000)
    assert isinstance(estimate, numpy.ndarray)
    numpy.testing.assert_allclose(estimate, exact, atol=0.1)


def test_mnist_example_on_gpu(tmp_path):
    from tests.test_examples import load_example
    metrics = load_example('examples/mnist/train_vae.py').main(
        ['--test', '--device', '@cupy:0', '--out', str(tmp_path)])
    assert metrics['device'] == '@cupy:0'
    assert metrics['test_elbo'] < 0


def test_ais_on_gpu_matches_quadrature():
    from vae_avb.evaluation import ais_log_likelihood
    decoder = BernoulliDecoder(2, 12, 32, 2, 'tanh')
    x = (numpy.random.rand(6, 12) < 0.5).astype(numpy.float32)
    exact = quadrature_log_likelihood(decoder, x, n_points=400, limit=6.)
    device = chainer.get_device('@cupy:0')
    decoder.to_device(device)
    estimate = ais_log_likelihood(decoder, device.send(x), 500, 5, 0.1, 64)
    assert isinstance(estimate, numpy.ndarray)
    assert numpy.abs(estimate - exact).max() < 0.06


def test_adaptive_contrast_losses_match_cpu():
    from vae_avb.links import AdaptiveContrastEncoder
    from vae_avb.losses import AdaptiveContrastLoss
    x = (numpy.random.rand(8, 12) < 0.5).astype(numpy.float32)
    encoder = AdaptiveContrastEncoder(12, 3, 4, 5, 16, 1)
    eps = encoder.sample_noise(8)
    adversary = Adversary(12, 3, 16, prior_term=True, side_terms=True)
    cpu, gpu = on_both(AdaptiveContrastLoss(
        encoder, BernoulliDecoder(3, 12, 16), adversary), x, eps)
    assert gpu == pytest.approx(cpu, rel=1e-4)
    encoder.to_cpu()
    adversary.to_cpu()
    z_prior = numpy.random.standard_normal((8, 3)).astype(numpy.float32)
    cpu, gpu = on_both(AdversaryLoss(encoder, adversary,
                                     adaptive_contrast=True),
                       x, eps, z_prior)
    assert gpu == pytest.approx(cpu, rel=1e-4)


def test_mnist_avb_example_on_gpu(tmp_path):
    from tests.test_examples import load_example
    metrics = load_example('examples/mnist/train_avb.py').main(
        ['--test', '--adaptive-contrast', '--device', '@cupy:0', '--out',
         str(tmp_path)])
    assert metrics['device'] == '@cupy:0'
    assert metrics['ais_log_likelihood'] < 0
