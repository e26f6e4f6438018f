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


def on_both(link, *arrays, used=()):
    """Calls ``link`` on the CPU, then on GPU 0 with the same arrays;
    ``used`` are the networks the loss uses but does not own (moved too,
    and back to the CPU afterwards)."""
    cpu = float(link(*arrays).array)
    device = chainer.get_device('@cupy:0')
    for network in (link,) + tuple(used):
        network.to_device(device)
    gpu = float(link(*[device.send(a) for a in arrays]).array)
    for network in (link,) + tuple(used):
        network.to_cpu()
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
                               adversary), x, eps, used=[adversary])
    assert gpu == pytest.approx(cpu, rel=1e-5)
    cpu, gpu = on_both(AdversaryLoss(encoder, adversary), x, eps, z_prior,
                       used=[encoder])
    assert gpu == pytest.approx(cpu, rel=1e-5)


def test_evaluation_runs_on_gpu():
    vae = VAE.mlp(4, 2, 16)
    x = numpy.eye(4, dtype=numpy.float32)
    exact = quadrature_log_likelihood(vae.decoder, x)
    vae.to_device('@cupy:0')
    numpy.testing.assert_allclose(
        quadrature_log_likelihood(vae.decoder, x), exact, rtol=1e-5)
    estimates = [importance_weighted_log_likelihood(vae, x, k=4000)
                 for _ in range(5)]
    assert isinstance(estimates[0], numpy.ndarray)
    # One estimate with k = 2,000 scatters by up to 0.06 nats (standard
    # deviation, measured on the CPU) around the exact value here; the
    # mean of five with k = 4,000 by about a third of that.
    numpy.testing.assert_allclose(numpy.mean(estimates, axis=0), exact,
                                  atol=0.1)


def test_adversary_left_on_the_cpu_is_refused():
    encoder = NoiseEncoder(4, 2, 3, 16)
    adversary = Adversary(4, 2, 16)
    loss = AVBLoss(encoder, BernoulliDecoder(2, 4, 16), adversary)
    device = chainer.get_device('@cupy:0')
    loss.to_device(device)
    with pytest.raises(ValueError, match='the adversary is on @numpy but '
                       'the loss is on @cupy:0'):
        loss(device.send(numpy.eye(4, dtype=numpy.float32)))


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


@pytest.mark.parametrize('contrast', ['diagonal', 'full'])
def test_adaptive_contrast_losses_match_cpu(contrast):
    from vae_avb.links import AdaptiveContrastEncoder
    from vae_avb.losses import AdaptiveContrastLoss
    x = (numpy.random.rand(8, 12) < 0.5).astype(numpy.float32)
    encoder = AdaptiveContrastEncoder(12, 3, 4, 5, 16, 1, contrast=contrast)
    eps = encoder.sample_noise(8)
    adversary = Adversary(12, 3, 16, prior_term=True, side_terms=True)
    cpu, gpu = on_both(AdaptiveContrastLoss(
        encoder, BernoulliDecoder(3, 12, 16), adversary), x, eps,
        used=[adversary])
    assert gpu == pytest.approx(cpu, rel=1e-4)
    z_prior = numpy.random.standard_normal((8, 3)).astype(numpy.float32)
    cpu, gpu = on_both(AdversaryLoss(encoder, adversary,
                                     adaptive_contrast=True),
                       x, eps, z_prior, used=[encoder])
    assert gpu == pytest.approx(cpu, rel=1e-4)


def test_mnist_avb_example_on_gpu(tmp_path):
    from tests.test_examples import load_example
    metrics = load_example('examples/mnist/train_avb.py').main(
        ['--test', '--adaptive-contrast', '--device', '@cupy:0', '--out',
         str(tmp_path)])
    assert metrics['device'] == '@cupy:0'
    assert metrics['ais_log_likelihood'] < 0


def test_ais_batch_size_gives_the_same_estimate_on_gpu():
    """A larger AIS batch (what a GPU wants) estimates the same log p(x):
    the chains and their step sizes are per row."""
    from vae_avb.evaluation import ais_log_likelihood
    decoder = BernoulliDecoder(2, 12, 32, 2, 'tanh')
    x = (numpy.random.rand(40, 12) < 0.5).astype(numpy.float32)
    exact = quadrature_log_likelihood(decoder, x, n_points=400, limit=6.)
    device = chainer.get_device('@cupy:0')
    decoder.to_device(device)
    small, large = (ais_log_likelihood(decoder, device.send(x), 300, 5, 0.1,
                                       16, batch_size=b,
                                       adapt_step_size=True)
                    for b in (4, 40))
    for estimate in (small, large):
        # On the CPU: mean |error| 0.011 and 0.013, max 0.04 and 0.07.
        assert numpy.abs(estimate - exact).mean() < 0.03
        assert numpy.abs(estimate - exact).max() < 0.15


def test_whitening_refuses_a_covariance_not_positive_definite_on_gpu():
    """CuPy's Cholesky returns NaN where NumPy's raises: the one-line error
    must come on the GPU too, and a good covariance must whiten as on the
    CPU."""
    from vae_avb.links.adaptive_contrast_encoder import whitening
    good = numpy.array([[2., 0.5], [0.5, 1.]], numpy.float32)
    bad = numpy.array([[1., 2.], [2., 1.]], numpy.float32)
    device = chainer.get_device('@cupy:0')
    with pytest.raises(ValueError, match='not positive definite'):
        whitening(device.send(numpy.stack([good, bad])))
    inverse, half_log_det = whitening(device.send(good[None]))
    cpu_inverse, cpu_half_log_det = whitening(good[None])
    numpy.testing.assert_allclose(chainer.backend.CpuDevice().send(inverse),
                                  cpu_inverse, rtol=1e-5)
    assert float(half_log_det[0]) == pytest.approx(
        float(cpu_half_log_det[0]), rel=1e-5)


def test_chainer_example_loss_on_gpu():
    """vae_avb.net's loss on CuPy: the fused route (the prior's check on
    the device) equals the distributions route there, and the decoder's
    (k, B, n) codes and the figures' calls work."""
    from tests.test_chainer_example import Hidden
    from vae_avb import net
    x = (numpy.random.uniform(size=(6, 12)) > 0.5).astype(numpy.float32)
    loss = net.AvgELBOLoss(net.make_encoder(12, 3, 8),
                           net.make_decoder(12, 3, 8), net.make_prior(3),
                           k=2)
    device = chainer.get_device('@cupy:0')
    loss.to_device(device)
    x_gpu = device.send(x)
    assert loss._fused(x_gpu)
    device.xp.random.seed(0)
    fused = float(loss(x_gpu).array)
    loss.prior.loc += 0  # Still standard: the same route.
    hidden = net.AvgELBOLoss(
        Hidden(loss.encoder), Hidden(loss.decoder), Hidden(loss.prior), k=2)
    device.xp.random.seed(0)
    generic = float(hidden(x_gpu).array)
    assert fused == pytest.approx(generic, rel=1e-5)
    with chainer.no_backprop_mode():
        means = loss.decoder(loss.prior().sample(9), inference=True).mean
    assert means.shape == (9, 12)


def test_conv_vae_loss_matches_cpu():
    # On CuPy the conv Links run Chainer's (cuDNN) convolutions; on NumPy
    # vae_avb's CPU nodes: the same loss.
    from vae_avb.experiment import build_vae
    x = numpy.random.uniform(size=(4, 784)).astype(numpy.float32)
    eps = numpy.random.standard_normal((4, 50)).astype(numpy.float32)
    cpu, gpu = on_both(ELBOLoss(build_vae('conv', 50)), x, eps)
    assert gpu == pytest.approx(cpu, rel=1e-4)


@pytest.mark.parametrize('communicator', ['naive', 'pure_nccl'])
def test_avb_on_one_gpu_per_process(communicator, tmp_path):
    """train_avb.py under mpiexec on the GPU (one process: one GPU is what
    a lent machine has); pure_nccl needs CuPy's NCCL."""
    import os
    import subprocess
    import sys
    mpiexec = os.path.join(os.path.dirname(sys.executable), 'mpiexec')
    if not os.path.exists(mpiexec):
        pytest.skip('needs the mpi extra (pip install ".[mpi]")')
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = str(tmp_path / 'out')
    result = subprocess.run(
        [mpiexec, '-n', '1', sys.executable,
         os.path.join(root, 'examples', 'mnist', 'train_avb.py'), '--test',
         '--device', '0', '--communicator', communicator, '--out', out],
        capture_output=True, text=True, timeout=600, cwd=root)
    assert result.returncode == 0, result.stderr
    import json
    with open(os.path.join(out, 'metrics.json')) as f:
        metrics = json.load(f)
    assert metrics['device'] == '@cupy:0' and metrics['processes'] == 1
    assert metrics['ais_log_likelihood'] < 0
