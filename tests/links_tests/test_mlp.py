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


@pytest.mark.parametrize('method', ['forward', 'constant', 'forward_array'])
@pytest.mark.parametrize('x, error, message', [
    (numpy.zeros(4, numpy.float32), ValueError,
     r'MLP: x has shape \(4,\), expected \(batch, 4\); pass inputs of '
     r'shape \(batch, 4\)'),
    (numpy.float32(1), ValueError, r'MLP: x has shape \(\), expected'),
    (None, TypeError, r'MLP: x must be an array .* got NoneType'),
    (numpy.zeros((2, 4)), TypeError,
     r'MLP: x has dtype float64, expected float32'),
    (numpy.zeros((0, 4), numpy.float32), ValueError,
     r'MLP: x is an empty batch'),
])
def test_input_is_checked_on_one_line(path, method, x, error, message):
    """Defect 05: every way in checks the batch as the other Links do
    (not Chainer's multi-line InvalidType, an IndexError or a bare
    AssertionError; the empty batch no longer gives (0, n_out))."""
    mlp = MLP(4, 3, 2)
    with pytest.raises(error, match=message) as info:
        getattr(mlp, method)(x)
    assert '\n' not in str(info.value)


@pytest.mark.parametrize('value', ['no', 1, None, 'False'])
def test_activate_output_must_be_a_bool(value):
    """Defect 13: activate_output='no' was kept as 'no' (and is true)."""
    with pytest.raises(TypeError, match=r"MLP: activate_output must be True "
                       r"or False, got {}".format(repr(value))):
        MLP(4, 3, 2, activate_output=value)
    assert MLP(4, 3, 2, activate_output=numpy.True_).activate_output is True


@pytest.mark.parametrize('kwargs, message', [
    (dict(initialW=1e40), r'MLP: initialW must fit the parameters\' dtype '
     r'float32 \(at most 3.40282e\+38 in magnitude\), got 1e\+40'),
    (dict(initial_bias=-1e300), r'MLP: initial_bias must fit'),
    (dict(initialW=numpy.full((3, 4), 1e300)), r'MLP: initialW holds '
     r'numbers beyond 3.40282e\+38, the largest float32 number'),
])
def test_overflowing_initializers_are_refused(kwargs, message):
    """Defect 10: a finite number beyond the parameters' dtype gave inf
    weights and outputs."""
    with pytest.raises(ValueError, match=message):
        MLP(4, 3, 2, 0 if 'initialW' in kwargs else 1, **kwargs)


def test_large_initializers_fit_float64():
    with chainer.using_config('dtype', numpy.float64):
        mlp = MLP(4, 3, 2, initial_bias=1e300)
    assert (mlp[0].b.array == 1e300).all()


def test_array_initializers_must_fit_every_layer():
    """Defect 11: an array goes to every layer; one that fits some only
    failed in chainer/backend.py with a broadcast error."""
    with pytest.raises(ValueError, match=r'MLP: initialW is an array of '
                       r'shape \(3, 4\) but it initialises layers of shapes '
                       r'\(3, 4\), \(2, 3\); pass an array that fits all'):
        MLP(4, 3, 2, initialW=numpy.zeros((3, 4), numpy.float32))
    with pytest.raises(ValueError, match=r'MLP: initial_bias is an array of '
                       r'shape \(3,\)'):
        MLP(4, 3, 2, initial_bias=numpy.zeros(3, numpy.float32))
    # Arrays that fit (or broadcast to) every layer are taken as before.
    mlp = MLP(3, 3, 3, 2, initialW=numpy.eye(3, dtype=numpy.float32),
              initial_bias=numpy.arange(3.))
    for layer in mlp:
        numpy.testing.assert_array_equal(layer.W.array, numpy.eye(3))
        numpy.testing.assert_array_equal(layer.b.array, numpy.arange(3.))
    mlp = MLP(4, 3, 2, initialW=numpy.full((1, 1), 0.5))
    assert all((layer.W.array == 0.5).all() for layer in mlp)
    mlp = MLP(4, 3, 2, 0, initialW=numpy.ones((2, 4), numpy.float32))
    assert (mlp[0].W.array == 1).all()
