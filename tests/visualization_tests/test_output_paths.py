"""Output paths that name no file: refused in one line before any
temporary file exists, by every plotting function and by write_atomic."""
import os

import numpy
import pytest

from vae_avb.links import BernoulliDecoder
from vae_avb.utils.atomic_write import write_atomic
from vae_avb.visualization import plot_latent_samples
from vae_avb.visualization import plot_manifold
from vae_avb.visualization import save_gif
from vae_avb.visualization import save_image_grid
from vae_avb.visualization.output import pyplot
from vae_avb.visualization.output import save_figure
from tests.visualization_tests.helpers import open_figures

IMAGES = numpy.full((4, 784), 0.5, numpy.float32)
CALLS = {
    'save_image_grid': lambda path: save_image_grid(IMAGES, path),
    'plot_latent_samples': lambda path: plot_latent_samples(
        [('t', numpy.zeros((4, 2)), numpy.arange(4))], path),
    'plot_manifold': lambda path: plot_manifold(
        BernoulliDecoder(2, 784, 4), path, n_grid=2),
    'save_gif': lambda path: save_gif([IMAGES[0].reshape(28, 28)], path),
    'save_figure': lambda path: save_figure(pyplot().figure(), path),
}


def tree(folder):
    return sorted(os.path.relpath(os.path.join(top, name), folder)
                  for top, folders, files in os.walk(folder)
                  for name in folders + files)


@pytest.fixture
def work(tmp_path, monkeypatch):
    """An empty working folder, inside an otherwise empty folder."""
    (tmp_path / 'work').mkdir()
    monkeypatch.chdir(tmp_path / 'work')
    return tmp_path


@pytest.mark.parametrize('where', sorted(CALLS))
def test_empty_path(work, where):
    before = open_figures()
    with pytest.raises(ValueError, match='^{}: path is empty; pass the path '
                       'of the file to write$'.format(where)):
        CALLS[where]('')
    assert tree(str(work)) == ['work']  # no temporary file, even above
    assert open_figures() == before


@pytest.mark.parametrize('where', sorted(CALLS))
def test_existing_folder(work, where):
    with pytest.raises(ValueError, match="^{}: path '.*work' is an existing "
                       "folder; pass the path of a file inside it$"
                       .format(where)):
        CALLS[where](str(work / 'work'))
    assert tree(str(work)) == ['work']


@pytest.mark.parametrize('where', sorted(CALLS))
def test_path_ending_in_a_separator(work, where):
    with pytest.raises(ValueError, match="^{}: path 'new/' names a folder, "
                       "not a file".format(where)):
        CALLS[where]('new/')
    assert tree(str(work)) == ['work']


@pytest.mark.parametrize('where', sorted(CALLS))
def test_path_below_a_file(work, where):
    (work / 'work' / 'a.png').write_bytes(b'old')
    with pytest.raises(ValueError, match="^{}: path 'a.png/b.gif' lies below "
                       "'.*a.png', which is a file, not a folder"
                       .format(where)):
        CALLS[where]('a.png/b.gif')
    assert tree(str(work)) == ['work', 'work/a.png']


@pytest.mark.parametrize('where', sorted(set(CALLS) - {'save_gif'}))
def test_extension_matplotlib_cannot_write(work, where):
    before = open_figures()
    with pytest.raises(ValueError, match=r"^{}: path 'out/f\.txt' ends in "
                       r"'\.txt', a format matplotlib cannot write; end it "
                       r"in \.png \(or .*\.pdf.*\)$".format(where)):
        CALLS[where]('out/f.txt')
    assert tree(str(work)) == ['work']
    assert open_figures() == before


@pytest.mark.parametrize('path', ['f', 'f.PNG', 'f.pdf'])
def test_extensions_matplotlib_writes(work, path):
    assert save_image_grid(IMAGES, path) == path
    assert os.path.getsize(path) > 0


@pytest.mark.parametrize('path, match', [
    ('', 'path is empty'),
    ('.', "path '.' is an existing folder"),
    (None, 'path must be a file path .* got None'),
])
def test_write_atomic(work, path, match):
    with pytest.raises((ValueError, TypeError),
                       match='^write_atomic: ' + match):
        write_atomic(path, lambda f: f.write(b'new'))
    assert tree(str(work)) == ['work']
