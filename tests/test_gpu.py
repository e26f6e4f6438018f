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
