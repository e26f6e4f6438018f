"""The convolutional network family: every method builds from it, its
JSON form round-trips, its size estimate is the Links' own."""
import json

import numpy
import pytest

import chainer

from vae_avb.links import ConvAdaptiveContrastEncoder
from vae_avb.links import ConvBernoulliDecoder
from vae_avb.links import ConvGaussianEncoder
from vae_avb.links import ConvNoiseEncoder
from vae_avb.methods import ConvNetworks
from vae_avb.methods import make_method
from vae_avb.methods import MethodConfig
from vae_avb.methods.config import config_from_dict

ENCODERS = {'vae': ConvGaussianEncoder, 'avb': ConvNoiseEncoder,
            'avb_ac': ConvAdaptiveContrastEncoder}


def weights(link):
    return sum(p.size for name, p in link.namedparams()
               if not name.endswith('/b'))


@pytest.mark.parametrize('method', sorted(ENCODERS))
@pytest.mark.parametrize('networks', [ConvNetworks(),
                                      ConvNetworks.seed_vae(),
                                      ConvNetworks().tf_aligned(),
                                      ConvNetworks.seed_vae().tf_aligned()],
                         ids=['authors', 'seed', 'authors_tf', 'seed_tf'])
def test_every_method_builds(method, networks):
    config = MethodConfig(method=method, dim_z=8, networks=networks)
    model = make_method(config).build()
    assert isinstance(model.encoder, ENCODERS[method])
    assert isinstance(model.decoder, ConvBernoulliDecoder)
    x = numpy.random.RandomState(0).uniform(size=(3, 784)).astype('f')
    loss = model.loss(x)
    assert numpy.isfinite(float(loss.array))
    # The estimate is the weights of the Links (the VAE exactly; AVB's
    # adds its adversary's).
    built = weights(model.encoder) + weights(model.decoder)
    if method == 'vae':
        assert config.n_params() == built
    else:
        assert config.n_params() >= built


def test_json_round_trip():
    for networks in (ConvNetworks(), ConvNetworks.seed_vae(),
                     ConvNetworks().tf_aligned()):
        config = MethodConfig(method='avb_ac', dim_z=8, networks=networks)
        text = json.dumps(config.to_dict())
        assert config_from_dict(json.loads(text)) == config
        assert json.loads(text)['networks']['family'] == 'conv'


def test_authors_sizes():
    networks = ConvNetworks()
    encoder = networks.noise_encoder(8, 16)
    assert encoder.body.map_shapes == [(16, 14, 14), (32, 7, 7), (32, 4, 4)]
    assert [layer.W.shape for layer in encoder.body.dense] == [(800, 512)]
    decoder = networks.decoder(8)
    assert decoder.deconv.start_shape == (32, 4, 4)
    assert [layer.W.shape for layer in decoder.deconv.dense] == \
        [(300, 8), (512, 300)]
    seed = ConvNetworks.seed_vae().gaussian_encoder(50)
    assert seed.head.W.shape == (100, 6 * 6 * 64)


@pytest.mark.parametrize('changes, message', [
    ({'channels': []}, 'channels must be a non-empty list'),
    ({'channels': [16, 0]}, 'channels must be a positive integer'),
    ({'dense': 800}, 'dense must be a list'),
    ({'padding': 'full'}, 'padding must be one of'),
    ({'ksize': 0}, 'ksize must be a positive integer'),
    ({'decoder_channels': [32, 16, 2]}, 'end channels with 1'),
    ({'decoder_strides': [2, 2]}, 'one stride per entry'),
    ({'activation': 'swish'}, 'activation must be one of'),
    ({'channels': [4] * 6, 'padding': 'valid'}, 'leave no pixel'),
    ({'image_shape': [28]}, r'image_shape must be \(height, width\)'),
    ({'adversary_layers': True}, 'adversary_layers must be a positive'),
    ({'decoder_ksize': 4}, 'decoder_ksize must be odd'),
    ({'padding': 'SAME'}, 'padding must be one of same, valid, tf_same'),
    ({'decoder_padding': 'valid'}, 'decoder_padding must be one of same, '
     'tf_same'),
    ({'decoder_padding': None}, 'decoder_padding must be one of'),
    ({'ksize': 6}, 'ksize must be odd'),
    ({'decoder_strides': [10 ** 15, 2, 2]}, 'decoder_strides must be at '
     'most 2147483647'),
])
def test_refuses_bad_settings(changes, message):
    with pytest.raises(ValueError, match=message):
        ConvNetworks(**changes)


@pytest.mark.parametrize('changes', [{'dense': (10 ** 6,)},
                                     {'channels': (10 ** 6, 10 ** 6)},
                                     {'decoder_start_channels': 10 ** 9}])
def test_too_large_is_refused_before_building(changes):
    """Sizes beyond memory are refused from the arithmetic alone: nothing
    is allocated (these would need terabytes)."""
    networks = ConvNetworks(**changes)
    with pytest.raises(ValueError, match='would hold about'):
        MethodConfig(method='vae', dim_z=8, networks=networks)


@pytest.mark.parametrize('method', ['avb', 'avb_ac'])
def test_code_outputs_start_as_the_authors(method):
    """z (and z0 of AC) start from weights of std 1e-5; the AC
    coefficients and everything else stay Xavier; output_scale=None
    leaves them Xavier too."""
    def output_layer(networks):
        config = MethodConfig(method=method, dim_z=8, networks=networks)
        encoder = make_method(config).build().encoder
        return encoder.body.output if method == 'avb' else encoder.mlp.output

    W = output_layer(ConvNetworks()).W.array
    assert float(W[:8].std()) == pytest.approx(1e-5, rel=0.1)
    xavier = output_layer(ConvNetworks(output_scale=None)).W.array
    assert float(xavier[:8].std()) > 1e-2
    if method == 'avb_ac':
        assert float(W[8:].std()) > 1e-2
    x = numpy.random.RandomState(0).uniform(size=(4, 784)).astype('f')
    config = MethodConfig(method=method, dim_z=8, networks=ConvNetworks())
    model = make_method(config).build()
    with chainer.no_backprop_mode():
        z = model.encoder(x)
    z = z[0] if isinstance(z, tuple) else z
    assert float(abs(z.array).max()) < 0.05


@pytest.mark.parametrize('value', [0, -1e-5, float('nan'), float('inf'),
                                   True, '1e-5', 1e300, 2.0])
def test_bad_output_scale_is_named(value):
    with pytest.raises(ValueError, match='output_scale must be'):
        ConvNetworks(output_scale=value)


def test_output_scale_round_trips():
    for scale in (None, 1e-3):
        config = MethodConfig(method='avb', dim_z=8,
                              networks=ConvNetworks(output_scale=scale))
        assert config_from_dict(json.loads(json.dumps(
            config.to_dict()))) == config


def test_output_scale_takes_numpy_numbers():
    assert ConvNetworks(output_scale=numpy.float32(1e-3)).output_scale == \
        pytest.approx(1e-3)


def test_tf_aligned_networks_are_tensorflows_same():
    """tf_aligned() keeps every size and weight shape and changes only
    where the 'same' layers pad and crop; the seeds' VALID encoder is
    unchanged. A method.json from before decoder_padding reads as 'same'.
    """
    for networks in (ConvNetworks(), ConvNetworks.seed_vae()):
        tf = networks.tf_aligned()
        assert tf.decoder_padding == 'tf_same'
        assert tf.padding == ('valid' if networks.padding == 'valid'
                              else 'tf_same')
        config, tf_config = (MethodConfig(method='avb_ac', dim_z=8,
                                          networks=n)
                             for n in (networks, tf))
        assert config.n_params() == tf_config.n_params()
        model, tf_model = (make_method(c).build() for c in (config,
                                                            tf_config))
        for part in ('encoder', 'decoder'):
            link, tf_link = getattr(model, part), getattr(tf_model, part)
            assert [(n, p.shape) for n, p in link.namedparams()] == \
                [(n, p.shape) for n, p in tf_link.namedparams()]
            tf_link.copyparams(link)
        z = numpy.random.RandomState(1).normal(size=(2, 8)).astype('f')
        assert not numpy.allclose(model.decoder(z).array,
                                  tf_model.decoder(z).array)
    value = MethodConfig(method='vae', dim_z=8,
                         networks=ConvNetworks()).to_dict()
    del value['networks']['decoder_padding']
    assert config_from_dict(value).networks.decoder_padding == 'same'
    # A TensorFlow-aligned encoder was written with decoder_padding: its
    # absence is an edit, never read as a mixed network.
    value = MethodConfig(method='vae', dim_z=8, networks=ConvNetworks(
        ).tf_aligned()).to_dict()
    del value['networks']['decoder_padding']
    with pytest.raises(ValueError, match="lacks decoder_padding"):
        config_from_dict(value)
    for bad in (numpy.array('tf_same'), numpy.array(['same', 'same'])):
        with pytest.raises(ValueError, match='padding must be one of'):
            ConvNetworks(padding=bad)
        with pytest.raises(ValueError, match='decoder_padding must be one of'):
            ConvNetworks(decoder_padding=bad)
