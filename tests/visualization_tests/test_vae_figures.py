import errno
import os

import numpy
import pytest

from vae_avb.links import VAE
from vae_avb.visualization import make_vae_figures
from vae_avb.visualization.output import pyplot
from tests.visualization_tests.helpers import OLD
from tests.visualization_tests.helpers import deadline

RNG = numpy.random.RandomState(0)
TRAIN = RNG.uniform(size=(20, 784)).astype(numpy.float32)
TEST = RNG.uniform(size=(30, 784)).astype(numpy.float32)
LABELS = numpy.arange(30) % 10


def vae(n_latent=3, n_in=784):
    return VAE.mlp(n_in=n_in, n_latent=n_latent, n_hidden=4)


def names(written):
    return sorted(os.path.basename(path) for path in written)


def test_few_frames_list_labels(tmp_path):
    out = str(tmp_path / 'figures')
    written = make_vae_figures(vae(2), TRAIN, TEST, list(LABELS), out,
                               n_frames=3)
    assert names(written) == sorted(os.listdir(out)) == [
        'all_digits.gif', 'interpolation.gif', 'interpolation.png',
        'latent.png', 'manifold.png', 'sampled.png', 'test.png',
        'test_reconstructed.png', 'train.png', 'train_reconstructed.png']


def test_failed_interpolation_png_keeps_the_old_one(tmp_path, monkeypatch):
    out = str(tmp_path)
    model = vae()
    make_vae_figures(model, TRAIN, TEST, LABELS, out, n_frames=2)
    path = os.path.join(out, 'interpolation.png')
    with open(path, 'rb') as f:
        old = f.read()

    def failing(fname, *args, **kwargs):
        # A disk that fills up half way through the PNG.
        if hasattr(fname, 'write'):
            fname.write(b'\x89PNG torn')
        else:
            with open(fname, 'wb') as f:
                f.write(b'\x89PNG torn')
        raise OSError(errno.ENOSPC, 'No space left on device')
    monkeypatch.setattr(pyplot(), 'imsave', failing)
    with pytest.raises(OSError, match='No space left on device'):
        make_vae_figures(model, TRAIN, TEST, LABELS, out, n_frames=2)
    with open(path, 'rb') as f:
        assert f.read() == old
    assert not [name for name in os.listdir(out) if name.startswith('.')]


BAD = [
    (dict(n_frames=0), ValueError,
     '^make_vae_figures: n_frames must be an integer from 1 to 1000, got 0$'),
    (dict(n_frames=-3), ValueError, 'n_frames must be .* got -3'),
    (dict(n_frames=2.5), ValueError, 'n_frames must be .* got 2.5'),
    (dict(n_frames=True), ValueError, 'n_frames must be .* got True'),
    (dict(n_frames=1001), ValueError,
     'n_frames must be an integer from 1 to 1000, got 1001'),
    (dict(test_labels=None), TypeError,
     '^make_vae_figures: test_labels must be an array .* got NoneType$'),
    (dict(test_labels=LABELS[:10]), ValueError,
     r'^make_vae_figures: test_labels must be 30 integer labels, one per '
     r'test image, got an array of shape \(10,\)'),
    (dict(test_labels=LABELS + 0.5), ValueError,
     'test_labels must be 30 integer labels.* dtype float64'),
    (dict(test_labels=LABELS + 10), ValueError,
     'test_labels has no digit from 0 to 9'),
    (dict(train=TRAIN[:0]), ValueError,
     '^make_vae_figures: train is empty; pass at least one'),
    (dict(train=None), TypeError, 'train must be an array or a dataset'),
    (dict(test=TEST[:0], test_labels=LABELS[:0]), ValueError,
     '^make_vae_figures: test is an empty batch'),
    (dict(test=TEST[:, :100]), ValueError,
     r'^make_vae_figures: test has shape \(30, 100\), expected \(batch, '
     r'784\)'),
    (dict(train=TRAIN[:, :100]), ValueError,
     r'^make_vae_figures: train \(the 9 images shown\) has shape \(9, 100\)'),
    (dict(test=TEST.astype(numpy.float64)), TypeError,
     'test has dtype float64, expected float32'),
    (dict(test=TEST * numpy.nan), ValueError, 'test contains NaN or inf'),
    (dict(train=TRAIN * 2), ValueError,
     r'train \(the 9 images shown\) must lie in \[0, 1\]'),
    (dict(vae=vae().decoder), TypeError,
     r'^make_vae_figures: vae must be a vae_avb.links.VAE \(an encoder and '
     r'a decoder; the whole VAE\), got BernoulliDecoder \(it has no '
     r'encoder, decoder, encode, sample\)$'),
    (dict(vae=vae(n_in=16)), ValueError,
     'make_vae_figures: the VAE reads 16 and writes 16 values per image, '
     'but these figures show 28x28 images'),
    (dict(out=''), ValueError, '^make_vae_figures: out is empty'),
    (dict(out=None), TypeError, 'out must be a folder path'),
]


@pytest.mark.parametrize('change, error, match', BAD)
def test_bad_arguments_refused_before_writing(tmp_path, change, error,
                                              match):
    out = tmp_path / 'figures'
    out.mkdir()
    (out / 'train.png').write_bytes(OLD)
    kwargs = dict(vae=vae(2), train=TRAIN, test=TEST, test_labels=LABELS,
                  out=str(out), n_frames=3)
    kwargs.update(change)
    with deadline(60):
        with pytest.raises(error, match=match) as info:
            make_vae_figures(**kwargs)
    assert '\n' not in str(info.value)
    assert os.listdir(str(out)) == ['train.png']
    assert (out / 'train.png').read_bytes() == OLD


def test_out_below_a_file(tmp_path):
    (tmp_path / 'figures').write_bytes(OLD)
    with pytest.raises(ValueError, match="^make_vae_figures: path '.*train"
                       r"\.png' lies below '.*figures', which is a file"):
        make_vae_figures(vae(), TRAIN, TEST, LABELS,
                         str(tmp_path / 'figures'))
    assert os.listdir(str(tmp_path)) == ['figures']
    assert (tmp_path / 'figures').read_bytes() == OLD
