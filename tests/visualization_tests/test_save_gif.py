import numpy
import pytest

from vae_avb.visualization import save_gif
from tests.visualization_tests.helpers import deadline

FRAMES = [numpy.random.RandomState(i).uniform(size=(4, 5)) for i in range(3)]


def test_generator_and_array_of_frames(tmp_path):
    from PIL import Image
    for frames in ((f for f in FRAMES), numpy.stack(FRAMES)):
        path = save_gif(frames, str(tmp_path / 'f.gif'), scale=1)
        with Image.open(path) as gif:
            assert gif.size == (5, 4) and gif.n_frames == 3


def test_scale_repeats_pixels(tmp_path):
    from PIL import Image
    frame = numpy.array([[0., 1.], [1., 0.]])
    path = save_gif([frame], str(tmp_path / 'f.GIF'), scale=3)
    with Image.open(path) as gif:
        pixels = numpy.asarray(gif.convert('L'))
    numpy.testing.assert_array_equal(
        pixels, numpy.kron(frame, numpy.ones((3, 3))) * 255)


BAD = [
    (dict(frames=[]), ValueError, '^save_gif: frames is empty; pass at least'),
    (dict(frames=None), TypeError, 'save_gif: frames must be a sequence of '
     '2-D arrays'),
    (dict(frames=5), TypeError, 'frames must be a sequence'),
    (dict(frames=numpy.random.uniform(size=(3, 784))), ValueError,
     r'^save_gif: frames\[0\] has shape \(784,\), expected a non-empty 2-D '
     r'image \(height, width\); reshape it'),
    (dict(frames=[numpy.random.uniform(size=(2, 28, 28))]), ValueError,
     r'frames\[0\] has shape \(2, 28, 28\), expected a non-empty 2-D'),
    (dict(frames=[numpy.zeros((0, 0))]), ValueError,
     r'frames\[0\] has shape \(0, 0\), expected a non-empty'),
    (dict(frames=[FRAMES[0], numpy.zeros((10, 10))]), ValueError,
     r'frames\[1\] has shape \(10, 10\) but frames\[0\] \(4, 5\); give '
     'every frame one shape'),
    (dict(frames=['abc']), TypeError, r'frames\[0\] must be an array'),
    (dict(frames=[FRAMES[0].astype(complex)]), TypeError,
     r'frames\[0\] has dtype complex128, expected real numbers'),
    (dict(frames=[numpy.full((4, 5), numpy.nan)]), ValueError,
     r'^save_gif: frames\[0\] contains NaN or inf'),
    (dict(frames=FRAMES[:2] + [numpy.full((4, 5), 1e9)]), ValueError,
     r'^save_gif: frames\[2\] must hold grey levels in \[0, 1\]'),
    (dict(frames=[FRAMES[0] * 255]), ValueError,
     r'grey levels in \[0, 1\] .*found values in \[.*\]; rescale'),
    (dict(scale=0), ValueError,
     '^save_gif: scale must be an integer from 1 to 64, got 0$'),
    (dict(scale=-1), ValueError, 'scale must be an integer .* got -1'),
    (dict(scale=1.5), ValueError, 'scale must be an integer .* got 1.5'),
    (dict(scale=True), ValueError, 'scale must be an integer .* got True'),
    (dict(scale=10 ** 5), ValueError, 'scale must be .* got 100000'),
    (dict(frames=[numpy.zeros((2, 2000))], scale=64), ValueError,
     'save_gif: scale 64 makes frames of 128000 x 128 pixels, but a GIF '
     'side is at most 65535; lower scale'),
    (dict(frame_ms=float('nan')), ValueError,
     '^save_gif: frame_ms must be a finite number above 0 and below 655360, '
     'got nan$'),
    (dict(frame_ms=None), ValueError, 'frame_ms must be .* got None'),
    (dict(frame_ms=-5), ValueError, 'frame_ms must be .* got -5'),
    (dict(frame_ms=0), ValueError, 'frame_ms must be .* got 0'),
    (dict(frame_ms=1e12), ValueError, 'frame_ms must be .* below 655360'),
]


@pytest.mark.parametrize('change, error, match', BAD)
def test_bad_arguments_refused_before_writing(gif, change, error, match):
    kwargs = dict(frames=FRAMES)
    kwargs.update(change)
    with deadline():
        with pytest.raises(error, match=match) as info:
            save_gif(path=gif.path, **kwargs)
    assert '\n' not in str(info.value)
    assert gif.intact()


def test_path_must_end_in_gif(png):
    with pytest.raises(ValueError, match=r"^save_gif: path '.*old\.png' ends "
                       r"in '\.png', but this writes GIF; end it in \.gif$"):
        save_gif(FRAMES, png.path)
    assert png.intact()


def test_path_is_a_folder(gif):
    with pytest.raises(ValueError, match="^save_gif: path '.*out' is an "
                       "existing folder; pass the path of a file inside it$"):
        save_gif(FRAMES, gif.folder)
    assert gif.intact()
