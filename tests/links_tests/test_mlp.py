import numpy
import pytest

import chainer
import chainer.functions as F

from vae_avb.links import MLP


@pytest.mark.parametrize('n_layers', [0, 1, 3])
@pytest.mark.parametrize('activation', ['tanh', 'relu', 'elu', 'softplus'])
def test_shapes_and_layers(n_layers, activation):
    mlp = MLP(6, 8, 3, n_layers, activation)
    assert len(mlp) == n_layers + 1
    y = mlp(numpy.random.normal(size=(5, 6)).astype(numpy.float32))
    assert y.shape == (5, 3)
    assert y.dtype == numpy.float32


def test_matches_manual_forward(path):
    mlp = MLP(4, 5, 2, 1, 'tanh')
    x = numpy.random.normal(size=(3, 4)).astype(numpy.float32)
    h = numpy.tanh(x @ mlp[0].W.array.T + mlp[0].b.array)
    expected = h @ mlp[1].W.array.T + mlp[1].b.array
    numpy.testing.assert_allclose(mlp(x).array, expected, rtol=1e-5)


def test_activate_output(path):
    mlp = MLP(4, 5, 2, 1, 'relu', activate_output=True)
    y = mlp(numpy.random.normal(size=(50, 4)).astype(numpy.float32))
    assert (y.array >= 0).all()


def test_float64_config():
    with chainer.using_config('dtype', numpy.float64):
        mlp = MLP(4, 5, 2)
    assert mlp[0].W.dtype == numpy.float64


def test_callable_activation():
    mlp = MLP(2, 3, 1, 1, F.sigmoid)
    assert mlp.activation is F.sigmoid


@pytest.mark.parametrize('kwargs, message', [
    (dict(n_in=0, n_hidden=3, n_out=1), 'n_in'),
    (dict(n_in=2, n_hidden=-1, n_out=1), 'n_hidden'),
    (dict(n_in=2, n_hidden=3, n_out=1, n_layers=-1), 'n_layers'),
    (dict(n_in=2, n_hidden=3, n_out=1, activation='swish'), 'activation'),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MLP(**kwargs)
