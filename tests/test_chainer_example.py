"""vae_avb in Chainer's own VAE example: the script with the import of
``net`` swapped, and vae_avb's loss against the example's on the same
weights (``benchmarks/baselines.py`` holds the example's network, written
anew)."""
import importlib.util
import json
import os
import sys
import zipfile

import numpy
import pytest

import chainer
import chainer.functions as F
from chainer import initializers

from tests.test_examples import ROOT
from vae_avb import net
from vae_avb.links import Adversary
from vae_avb.links import BernoulliDecoder
from vae_avb.links import DistributionDecoder
from vae_avb.links import DistributionEncoder
from vae_avb.links import GaussianEncoder
from vae_avb.links import VAE
from vae_avb.losses import ELBOLoss
from vae_avb.training import CorruptSnapshotError
from vae_avb.training import SnapshotError

sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
import baselines as reference  # NOQA: E402

SCRIPT = os.path.join(ROOT, 'examples', 'chainer_vae', 'train_vae.py')
IMPORT = "from vae_avb import net  # Chainer's example: import net\n"


def load_script(net_module):
    """The example script with its ``net`` import line pointing at
    ``net_module``; nothing else changed."""
    with open(SCRIPT) as f:
        source = f.read()
    assert source.count(IMPORT) == 1
    source = source.replace(IMPORT, 'import {} as net\n'.format(net_module))
    spec = importlib.util.spec_from_loader('chainer_vae_' + net_module
                                           .replace('.', '_'), loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__file__ = SCRIPT
    exec(compile(source, SCRIPT, 'exec'), module.__dict__)
    return module


@pytest.mark.parametrize('net_module', ['vae_avb.net', 'baselines'])
def test_script_runs_with_either_net(net_module, tmp_path):
    out = str(tmp_path / 'out')
    metrics = load_script(net_module).main(
        ['--test', '--epoch', '2', '--out', out])
    assert metrics['net'] == net_module
    with open(os.path.join(out, 'log')) as f:
        log = json.load(f)
    assert [entry['epoch'] for entry in log] == [1, 2]
    for entry in log:
        # Chainer's keys with Chainer's signs: reconstr is a
        # log-likelihood, loss = -(reconstr - kl_penalty).
        assert entry['main/reconstr'] < 0 < entry['main/kl_penalty']
        assert entry['main/loss'] == pytest.approx(
            entry['main/kl_penalty'] - entry['main/reconstr'], rel=1e-4)
        assert entry['validation/main/loss'] > 0
    # It learned: the second epoch's loss is below the first's.
    assert log[1]['main/loss'] < log[0]['main/loss']
    assert 100 < metrics['test_loss'] < 400
    assert metrics['test_elbo'] == pytest.approx(-metrics['test_loss'])
    for name in ('train', 'train_reconstructed', 'test',
                 'test_reconstructed', 'sampled'):
        path = os.path.join(out, name + '.png')
        with open(path, 'rb') as f:
            assert f.read(8) == b'\x89PNG\r\n\x1a\n', name
    assert os.path.getsize(os.path.join(out, 'cg.dot')) > 0


def test_script_imports_only_differ():
    """The model comes only through ``net``: no other line of the script
    names vae_avb's networks or losses, so the swapped import is the one
    difference between the two runs above."""
    with open(SCRIPT) as f:
        source = f.read()
    assert source.count(IMPORT) == 1
    for name in ('vae_avb.links', 'vae_avb.losses', 'Encoder(', 'Decoder(',
                 'VAE(', ' ELBOLoss('):
        assert name not in source, name
    for call in ('net.make_encoder(784', 'net.make_decoder(784',
                 'net.make_prior(', 'net.AvgELBOLoss('):
        assert call in source, call


def reference_and_ours(n_in=12, n_latent=3, n_h=7, beta=1.0, k=1,
                       binary_check=False, path=None):
    """The example's loss with random weights, and vae_avb's loss loaded
    from its file."""
    numpy.random.seed(3)
    theirs = reference.AvgELBOLoss(
        reference.make_encoder(n_in, n_latent, n_h),
        reference.make_decoder(n_in, n_latent, n_h, binary_check),
        reference.make_prior(n_latent), beta=beta, k=k)
    for param in theirs.params():  # Non-zero biases too.
        param.array[...] = numpy.random.normal(
            0, 0.5, param.shape).astype(param.dtype)
    chainer.serializers.save_npz(path, theirs)
    ours = net.AvgELBOLoss(net.make_encoder(n_in, n_latent, n_h),
                           net.make_decoder(n_in, n_latent, n_h,
                                            binary_check),
                           net.make_prior(n_latent), beta=beta, k=k)
    net.load_npz(path, ours)
    return theirs, ours


def run(loss, x, seed):
    observation = {}
    reporter = chainer.Reporter()
    reporter.add_observer('main', loss)
    loss.cleargrads()
    numpy.random.seed(seed)
    with reporter.scope(observation):
        value = loss(x)
    value.backward()
    return {key[5:]: float(v.array) for key, v in observation.items()}


@pytest.mark.parametrize('k, beta', [(1, 1.0), (3, 1.0), (2, 0.25)])
def test_loss_equals_the_examples_on_the_same_weights(k, beta, tmp_path):
    theirs, ours = reference_and_ours(k=k, beta=beta,
                                      path=str(tmp_path / 'w.npz'))
    x = numpy.random.RandomState(0).uniform(size=(5, 12)).astype('f')
    reported = run(theirs, x, seed=7), run(ours, x, seed=7)
    assert sorted(reported[0]) == sorted(reported[1]) == \
        ['kl_penalty', 'loss', 'reconstr']
    for key in reported[0]:
        assert reported[1][key] == pytest.approx(reported[0][key],
                                                 rel=1e-5), key
    # The same gradients, through the conversion: the packed head's rows
    # are the mean's, then twice the log-sigma's (ln_var = 2 ln_sigma).
    grads = {name: p.grad for name, p in theirs.namedparams()}
    enc = ours.encoder
    numpy.testing.assert_allclose(enc.body[0].W.grad,
                                  grads['/encoder/linear/W'], rtol=1e-4,
                                  atol=1e-6)
    numpy.testing.assert_allclose(enc.head.W.grad[:3],
                                  grads['/encoder/mu/W'], rtol=1e-4,
                                  atol=1e-6)
    numpy.testing.assert_allclose(2 * enc.head.W.grad[3:],
                                  grads['/encoder/ln_sigma/W'], rtol=1e-4,
                                  atol=1e-6)
    numpy.testing.assert_allclose(ours.decoder.mlp[1].b.grad,
                                  grads['/decoder/output/b'], rtol=1e-4,
                                  atol=1e-6)


class Hidden(chainer.Chain):

    """A network behind a wrapper: the loss cannot see vae_avb's type and
    takes the distributions route."""

    def __init__(self, link):
        super(Hidden, self).__init__()
        with self.init_scope():
            self.link = link

    def forward(self, *args, **kwargs):
        return self.link(*args, **kwargs)


def test_fused_path_equals_distributions_path(tmp_path):
    """vae_avb's loss with its own networks (fused) and with the same
    networks hidden behind wrappers (through chainer.distributions)."""
    _, ours = reference_and_ours(k=2, path=str(tmp_path / 'w.npz'))
    generic = net.AvgELBOLoss(Hidden(ours.encoder), Hidden(ours.decoder),
                              Hidden(ours.prior), k=2)
    x = (numpy.random.RandomState(1).uniform(size=(4, 12)) > 0.5).astype('f')
    assert not generic._fused(x) and ours._fused(x)
    a, b = run(ours, x, seed=2), run(generic, x, seed=2)
    for key in a:
        assert a[key] == pytest.approx(b[key], rel=1e-5), key


def test_a_non_standard_prior_takes_the_distributions_path(tmp_path):
    theirs, ours = reference_and_ours(path=str(tmp_path / 'w.npz'))
    ours.prior.loc[...] = 0.5
    theirs.prior.loc[...] = 0.5
    x = numpy.random.RandomState(0).uniform(size=(5, 12)).astype('f')
    assert not ours._fused(x)
    assert run(ours, x, 4)['kl_penalty'] == pytest.approx(
        run(theirs, x, 4)['kl_penalty'], rel=1e-5)


def test_distribution_interface():
    encoder = net.make_encoder(12, 3, 7)
    decoder = net.make_decoder(12, 3, 7)
    prior = net.make_prior(3)
    x = numpy.random.RandomState(0).uniform(size=(5, 12)).astype('f')
    q_z = encoder(x)
    mu, ln_var = encoder.moments(x)
    numpy.testing.assert_array_equal(q_z.mean.array, mu.array)
    numpy.testing.assert_allclose(q_z.stddev.array,
                                  numpy.exp(0.5 * ln_var.array), rtol=1e-6)
    z = q_z.sample(4)
    assert z.shape == (4, 5, 3)
    p_x = decoder(z)
    assert p_x.log_prob(numpy.broadcast_to(x, (4, 5, 12))).shape == (4, 5)
    # inference=True with (B, n) codes, and the same values as (k, B, n).
    means = decoder(z.array[1], inference=True).mean.array
    numpy.testing.assert_allclose(means, p_x.mean.array[1], rtol=1e-6)
    numpy.testing.assert_allclose(
        means, F.sigmoid(decoder.decode(z.array[1])).array, rtol=1e-6)
    assert prior().sample(9).shape == (9, 3)
    assert prior().log_prob(numpy.zeros((2, 3), 'f')).shape == (2,)


def test_library_decoder_takes_leading_axes():
    decoder = BernoulliDecoder(3, 12, 7)
    z = numpy.random.RandomState(0).normal(size=(2, 4, 3)).astype('f')
    logits = decoder(z)
    assert logits.shape == (2, 4, 12)
    numpy.testing.assert_allclose(logits.array[1], decoder(z[1]).array,
                                  rtol=1e-6)
    with pytest.raises(ValueError, match=r'z has shape \(2, 4, 5\), '
                       r'expected \(k, batch, 3\); pass codes'):
        decoder(numpy.zeros((2, 4, 5), 'f'))
    with pytest.raises(ValueError, match='z has shape .*; pass codes of '
                       'shape'):
        decoder(numpy.zeros(3, 'f'))
    with pytest.raises(ValueError, match='empty batch'):
        decoder(numpy.zeros((2, 0, 3), 'f'))
    with pytest.raises(TypeError, match='dtype int64'):
        decoder(numpy.zeros((2, 4, 3), numpy.int64))


def test_binary_check(tmp_path):
    _, ours = reference_and_ours(binary_check=True,
                                 path=str(tmp_path / 'w.npz'))
    binary = (numpy.random.RandomState(1).uniform(size=(4, 12)) > 0.5)
    assert numpy.isfinite(float(ours(binary.astype('f')).array))
    with pytest.raises(ValueError, match='binary_check=True; binarize'):
        ours(numpy.full((4, 12), 0.5, 'f'))


@pytest.mark.parametrize('what', ['loss', 'snapshot'])
def test_example_files_load(what, tmp_path):
    """A file of the example (its loss, or a trainer snapshot, as its
    script writes at the end) loads into vae_avb's loss and gives the
    example's numbers."""
    path = str(tmp_path / 'w.npz')
    theirs, ours = reference_and_ours(path=path)
    if what == 'snapshot':
        with zipfile.ZipFile(path) as z:
            arrays = {name[:-4]: numpy.load(z.open(name))
                      for name in z.namelist()}
        numpy.savez(path, **{'updater/model:main/' + key: value
                             for key, value in arrays.items()},
                    **{'updater/optimizer:main/t': numpy.asarray(3)})
        ours = net.AvgELBOLoss(net.make_encoder(12, 3, 7),
                               net.make_decoder(12, 3, 7),
                               net.make_prior(3))
        net.load_npz(path, ours)
    x = numpy.random.RandomState(0).uniform(size=(5, 12)).astype('f')
    assert run(ours, x, 1)['loss'] == pytest.approx(run(theirs, x, 1)['loss'],
                                                    rel=1e-5)


def test_library_files_load_anywhere(tmp_path):
    """A file saved from ELBOLoss loads into a VAE, an encoder or a
    decoder without naming its path; and into the example's loss."""
    numpy.random.seed(0)
    vae = VAE.mlp(12, 3, 7)
    path = str(tmp_path / 'elbo.npz')
    chainer.serializers.save_npz(path, ELBOLoss(vae))
    numpy.random.seed(1)
    for target, pairs in (
            (VAE.mlp(12, 3, 7), lambda t: [(t.encoder.head, vae.encoder.head),
                                           (t.decoder.mlp[1],
                                            vae.decoder.mlp[1])]),
            (GaussianEncoder(12, 3, 7),
             lambda t: [(t.head, vae.encoder.head)]),
            (DistributionDecoder(3, 12, 7), lambda t: [(t.mlp[0],
                                                       vae.decoder.mlp[0])]),
            (net.AvgELBOLoss(net.make_encoder(12, 3, 7),
                             net.make_decoder(12, 3, 7), net.make_prior(3)),
             lambda t: [(t.encoder.body[0], vae.encoder.body[0])])):
        net.load_npz(path, target)
        for mine, source in pairs(target):
            numpy.testing.assert_array_equal(mine.W.array, source.W.array)
    other = GaussianEncoder(12, 4, 7)
    before = other.body[0].W.array.copy()
    with pytest.raises(SnapshotError, match=r'does not match this '
                       r'GaussianEncoder: vae/encoder/head/W has shape '
                       r'\(6, 7\) there, \(8, 7\) here'):
        net.load_npz(path, other)
    numpy.testing.assert_array_equal(other.body[0].W.array, before)
    with pytest.raises(SnapshotError, match='holds no weights for this '
                       'Adversary'):
        net.load_npz(path, Adversary(12, 3, 7))


def test_load_refuses_bad_files(tmp_path):
    encoder = net.make_encoder(12, 3, 7)
    before = encoder.head.W.array.copy()
    with pytest.raises(SnapshotError, match='does not exist'):
        net.load_npz(str(tmp_path / 'missing.npz'), encoder)
    torn = tmp_path / 'torn.npz'
    torn.write_bytes(b'PK\x03\x04' + b'\0' * 40)
    # The fix of a file given to load (--initmodel), not of a resume.
    with pytest.raises(CorruptSnapshotError, match=r'; pass a model.npz or '
                       r'snapshot that a run of Chainer\'s VAE example or '
                       r'of vae_avb wrote$'):
        net.load_npz(str(torn), encoder)
    pickled = str(tmp_path / 'pickled.npz')
    numpy.savez(pickled, **{'encoder/head/W': numpy.array([object()])})
    with pytest.raises(CorruptSnapshotError, match='pickled'):
        net.load_npz(pickled, encoder)
    half = str(tmp_path / 'half.npz')
    numpy.savez(half, **{'encoder/ln_sigma/W': numpy.zeros((3, 7), 'f')})
    with pytest.raises(CorruptSnapshotError, match='lacks its pair'):
        net.load_npz(half, encoder)
    numpy.testing.assert_array_equal(encoder.head.W.array, before)


def loss_of_small_networks():
    return net.AvgELBOLoss(net.make_encoder(4, 2, 3),
                           net.make_decoder(4, 2, 3), net.make_prior(2))


@pytest.mark.parametrize('key, value', [
    ('encoder/head/b', numpy.zeros(4, numpy.complex64)),
    ('prior/scale', numpy.ones(2, numpy.complex128)),
    ('prior/loc', numpy.array(['a', 'b'])),
])
def test_a_file_refused_part_way_leaves_the_model_as_it_was(
        key, value, tmp_path):
    # The decoder's entries come before the bad one: they were copied in
    # when it was refused.
    source = loss_of_small_networks()
    path = str(tmp_path / 'm.npz')
    chainer.serializers.save_npz(path, source)
    with numpy.load(path) as f:
        entries = {k: f[k] + 1 if f[k].dtype.kind == 'f' else f[k]
                   for k in f.files}
    entries[key] = value
    numpy.savez(path, **entries)
    target = loss_of_small_networks()
    before = chainer.serializers.npz.serialize(target)
    before = {k: numpy.array(v) for k, v in before.items()}
    with pytest.raises(CorruptSnapshotError, match=key):
        net.load_npz(path, target)
    after = chainer.serializers.npz.serialize(target)
    assert sorted(after) == sorted(before)
    for k in before:
        numpy.testing.assert_array_equal(after[k], before[k], err_msg=k)


def test_make_functions_use_chainers_initializer():
    numpy.random.seed(0)
    encoder = net.make_encoder(784, 20, 500)
    # LeCunNormal: std 1 / sqrt(fan_in), not Xavier's uniform bound.
    assert encoder.body[0].W.array.std() == pytest.approx(
        1 / numpy.sqrt(784), rel=0.02)
    assert abs(encoder.body[0].W.array).max() > numpy.sqrt(6 / (784 + 500))
    xavier = net.make_decoder(784, 20, 500, initialW=initializers.Constant(
        0.25))
    assert (xavier.mlp[0].W.array == 0.25).all()
    assert isinstance(encoder, DistributionEncoder)
    assert isinstance(encoder, GaussianEncoder)


def test_loss_refuses_bad_arguments():
    parts = (net.make_encoder(4, 2, 3), net.make_decoder(4, 2, 3),
             net.make_prior(2))
    for bad in (-1, float('nan'), 'a'):
        with pytest.raises(ValueError, match='AvgELBOLoss: beta'):
            net.AvgELBOLoss(*parts, beta=bad)
    with pytest.raises(ValueError, match='AvgELBOLoss: k'):
        net.AvgELBOLoss(*parts, k=0)
    with pytest.raises(ValueError, match='Prior: n_latent'):
        net.make_prior(0)


if __name__ == '__main__':
    sys.exit(pytest.main([__file__]))


def test_evaluation_takes_the_distribution_links():
    """IWAE, AIS and quadrature on vae_avb.net's networks give what they
    give on the tuple Links with the same weights."""
    from vae_avb.evaluation import ais_log_likelihood
    from vae_avb.evaluation import quadrature_log_likelihood
    numpy.random.seed(0)
    decoder = net.make_decoder(6, 2, 5)
    plain = BernoulliDecoder(2, 6, 5)
    plain.copyparams(decoder)
    x = (numpy.random.RandomState(0).uniform(size=(3, 6)) > 0.5).astype('f')
    for limit in (5.0, None):  # The fixed grid and the adaptive one.
        numpy.testing.assert_array_equal(
            quadrature_log_likelihood(decoder, x, limit=limit, n_points=50),
            quadrature_log_likelihood(plain, x, limit=limit, n_points=50))
    numpy.random.seed(1)
    a = ais_log_likelihood(decoder, x, n_temperatures=5)
    numpy.random.seed(1)
    numpy.testing.assert_array_equal(
        a, ais_log_likelihood(plain, x, n_temperatures=5))


def example_file(tmp_path, **changes):
    """A file of the example's layout with random weights, entries
    replaced by ``changes`` (path with '.' for '/')."""
    numpy.random.seed(5)
    theirs = reference.AvgELBOLoss(reference.make_encoder(12, 3, 7),
                                   reference.make_decoder(12, 3, 7),
                                   reference.make_prior(3))
    arrays = {name.lstrip('/'): p.array for name, p in theirs.namedparams()}
    arrays.update({'prior/loc': theirs.prior.loc,
                   'prior/scale': theirs.prior.scale})
    for key, value in changes.items():
        arrays[key.replace('.', '/')] = value
    path = str(tmp_path / 'example.npz')
    numpy.savez(path, **arrays)
    return path


@pytest.mark.parametrize('changes, error, match', [
    ({'encoder.ln_sigma.b': numpy.full(3, 3e38, 'f')}, CorruptSnapshotError,
     'overflows when doubled'),
    ({'prior.scale': numpy.zeros(3, 'f')}, CorruptSnapshotError,
     'scale that is not above 0'),
    ({'encoder.mu.W': numpy.zeros((4, 7), 'f'),
      'encoder.ln_sigma.W': numpy.zeros((2, 7), 'f')}, CorruptSnapshotError,
     'not two float arrays of one shape'),
    ({'encoder.mu.W': numpy.zeros((3, 7), [('a', 'f4')])},
     CorruptSnapshotError, 'not two float arrays'),
    ({'prior.loc': numpy.zeros(4, 'f')}, SnapshotError,
     r'prior/loc has shape \(4,\) there, \(3,\) here'),
])
def test_load_refuses_bad_example_files(changes, error, match, tmp_path):
    """Refused in one line, and nothing of the model changed."""
    path = example_file(tmp_path, **changes)
    loss = net.AvgELBOLoss(net.make_encoder(12, 3, 7),
                           net.make_decoder(12, 3, 7), net.make_prior(3))
    before = {name: p.array.copy() for name, p in loss.namedparams()}
    with pytest.raises(error, match=match):
        net.load_npz(path, loss)
    for name, p in loss.namedparams():
        numpy.testing.assert_array_equal(p.array, before[name])
    assert (loss.prior.scale == 1).all() and (loss.prior.loc == 0).all()


def test_networks_must_agree_on_the_latent_size():
    with pytest.raises(ValueError, match='disagree on the latent size '
                       r'\(encoder 3, decoder 3, prior 5\)'):
        net.AvgELBOLoss(net.make_encoder(7, 3, 5), net.make_decoder(7, 3, 5),
                        net.make_prior(5))
    with pytest.raises(TypeError, match='binary_check must be True or '
                       'False'):
        net.make_decoder(7, 3, 5, binary_check='no')
    with pytest.raises(ValueError, match='initialW must hold finite'):
        net.make_encoder(7, 3, 5, initialW=numpy.array(numpy.nan))


def test_example_networks_saved_alone_load(tmp_path):
    """The example's encoder, decoder or prior saved on its own loads into
    vae_avb's, and computes the same thing."""
    theirs, _ = reference_and_ours(path=str(tmp_path / 'w.npz'))
    theirs.prior.loc[...] = 0.5
    x = numpy.random.RandomState(0).uniform(size=(4, 12)).astype('f')
    z = numpy.random.RandomState(1).normal(size=(4, 3)).astype('f')
    ours = {'encoder': net.make_encoder(12, 3, 7),
            'decoder': net.make_decoder(12, 3, 7), 'prior': net.make_prior(3)}
    for name, link in ours.items():
        path = str(tmp_path / (name + '.npz'))
        chainer.serializers.save_npz(path, getattr(theirs, name))
        net.load_npz(path, link)
    q_theirs, q_ours = theirs.encoder(x), ours['encoder'](x)
    numpy.testing.assert_allclose(q_ours.mean.array, q_theirs.mean.array,
                                  rtol=1e-6)
    numpy.testing.assert_allclose(q_ours.stddev.array,
                                  q_theirs.stddev.array, rtol=1e-5)
    numpy.testing.assert_allclose(
        ours['decoder'](z, inference=True).mean.array,
        theirs.decoder(z, inference=True).mean.array, rtol=1e-6)
    assert (ours['prior'].loc == 0.5).all()
    assert not ours['prior'].is_standard


@pytest.mark.parametrize('initmodel', ['missing.npz', '.'])
def test_initmodel_that_is_no_file_is_one_line_before_out_is_made(
        initmodel, tmp_path):
    # It said "--resume auto", a flag of the snapshots, and left --out.
    from vae_avb.experiment import UsageError
    out = str(tmp_path / 'out')
    path = str(tmp_path / initmodel)
    with pytest.raises(UsageError, match=r'--initmodel .* is not a file; '
                       r'give the model.npz an earlier run wrote') as e:
        load_script('vae_avb.net').main(
            ['--test', '--initmodel', path, '--out', out])
    assert '\n' not in str(e.value)
    assert not os.path.exists(out)
