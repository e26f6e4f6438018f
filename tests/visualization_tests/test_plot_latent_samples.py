import numpy
import pytest

from vae_avb.visualization import plot_latent_samples
from tests.visualization_tests.helpers import assert_closes_figures
from tests.visualization_tests.helpers import assert_refused

Z = numpy.random.RandomState(0).normal(size=(40, 2))
LABELS = numpy.arange(40) % 4


def panel(z=Z, labels=LABELS):
    return [('t', z, labels)]


BAD = [
    (dict(panels=[]), ValueError,
     r'^plot_latent_samples: panels is empty; pass at least one \(title, z, '
     r'labels\) triple$'),
    (dict(panels=None), TypeError, 'panels must be a list of'),
    (dict(panels=[('t', Z)]), TypeError,
     r'panels\[0\] must be a \(title, z, labels\) triple'),
    (dict(panels=('t', Z, LABELS)), TypeError,
     r'panels\[0\] must be a \(title, z, labels\) triple, got str; a single '
     'panel goes in a list'),
    (dict(panels=panel(z=numpy.zeros((40, 3)))), ValueError,
     r'^plot_latent_samples: the z of panels\[0\] has shape \(40, 3\), '
     r'expected \(N, 2\)'),
    (dict(panels=panel(z=numpy.zeros((40, 1)))), ValueError,
     r'z of panels\[0\] has shape \(40, 1\), expected \(N, 2\)'),
    (dict(panels=panel(z=numpy.zeros(40))), ValueError,
     r'z of panels\[0\] has shape \(40,\), expected \(N, 2\)'),
    (dict(panels=panel(z=Z.astype(complex))), TypeError,
     r'z of panels\[0\] has dtype complex128, expected real numbers'),
    (dict(panels=panel() + panel(labels=LABELS[:10])), ValueError,
     r'^plot_latent_samples: the labels of panels\[1\] have shape \(10,\), '
     r'expected \(40,\): one label per code of z$'),
    (dict(panels=panel(z=Z[:10])), ValueError,
     r'labels of panels\[0\] have shape \(40,\), expected \(10,\)'),
    (dict(limit=float('nan')), ValueError,
     '^plot_latent_samples: limit must be a finite number above 0, got nan$'),
    (dict(limit=float('inf')), ValueError, 'limit must be .* got inf'),
    (dict(limit=0), ValueError, 'limit must be .* above 0, got 0'),
    (dict(limit=-3), ValueError, 'limit must be .* got -3'),
    (dict(limit=None), ValueError, 'limit must be .* got None'),
    (dict(point_size=-1), ValueError,
     '^plot_latent_samples: point_size must be a finite number above 0, got '
     '-1$'),
    (dict(point_size=float('nan')), ValueError, 'point_size must .* got nan'),
    (dict(point_size='a'), ValueError, "point_size must .* got 'a'"),
]


@pytest.mark.parametrize('change, error, match', BAD)
def test_bad_arguments_refused_before_writing(png, change, error, match):
    kwargs = dict(panels=panel())
    kwargs.update(change)
    assert_refused(lambda: plot_latent_samples(path=png.path, **kwargs),
                   error, match, png)


def test_figure_closed_when_drawing_fails(png, monkeypatch):
    assert_closes_figures(monkeypatch, 'scatter', lambda: plot_latent_samples(
        panel(), png.path), png)
