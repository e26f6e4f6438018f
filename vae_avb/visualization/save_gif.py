import numpy

import chainer

from vae_avb.utils.check import check_count
from vae_avb.utils.check import check_positive
from vae_avb.utils.check import check_rows
from vae_avb.visualization.checks import check_pixels
from vae_avb.visualization.checks import host_array
from vae_avb.visualization.output import check_path
from vae_avb.visualization.output import save_file

# A larger upscaling is no thumbnail anyone means; it would only fill the
# memory (a 28 x 28 frame at 64 is 1792 pixels wide).
MAX_SCALE = 64
# GIF stores a frame's duration in hundredths of a second on 16 bits: from
# 0 to 655350 ms (Pillow truncates to tens of ms).
MAX_FRAME_MS = 655360
# GIF stores the width and height on 16 bits.
MAX_SIDE = 65535


def save_gif(frames, path, frame_ms=80, scale=2):
    """Writes grey-level frames in ``[0, 1]`` as a looping GIF.

    Every argument is checked (one-line errors) before anything is written.

    Args:
        frames (list): A non-empty sequence of 2-D arrays of one shape
            (for instance mosaics from :func:`tile_images`), grey levels in
            ``[0, 1]`` (bool, integers or floats; no NaN or inf).
        path (str): Output file ending in ``.gif``; its folder is created.
        frame_ms (float): Duration of each frame in milliseconds, above 0
            and below 655360 (GIF keeps hundredths of a second).
        scale (int): Integer upscaling from 1 to 64, so small images stay
            visible; a scaled side may not exceed GIF's 65535 pixels.

    Returns:
        str: ``path``.
    """
    where = 'save_gif'
    check_path(path, where, extensions=('.gif',))
    check_positive(frame_ms, 'frame_ms', where, upper=MAX_FRAME_MS)
    scale = check_count(scale, 'scale', where, maximum=MAX_SCALE)
    frames = _check_frames(frames, where)
    if max(frames[0].shape) * scale > MAX_SIDE:
        raise ValueError('{}: scale {} makes frames of {} x {} pixels, but a '
                         'GIF side is at most {}; lower scale'.format(
                             where, scale, frames[0].shape[1] * scale,
                             frames[0].shape[0] * scale, MAX_SIDE))
    from PIL import Image
    images = []
    for frame in frames:
        pixels = (numpy.clip(frame, 0, 1) * 255).astype(numpy.uint8)
        pixels = pixels.repeat(scale, axis=0).repeat(scale, axis=1)
        images.append(Image.fromarray(pixels, 'L'))
    return save_file(path, lambda f: images[0].save(
        f, format='GIF', save_all=True, append_images=images[1:],
        duration=frame_ms, loop=0))


def _check_frames(frames, where):
    """``frames`` as a list of NumPy arrays, checked."""
    if isinstance(frames, chainer.Variable):
        frames = frames.array
    if frames is None or isinstance(frames, (str, bytes)):
        frames = None
    else:
        try:
            frames = list(frames)
        except TypeError:
            frames = None
    if frames is None:
        raise TypeError('{}: frames must be a sequence of 2-D arrays (a list, '
                        'or an array of shape (T, height, width))'.format(
                            where))
    check_rows(frames, 'frames', where)
    checked = []
    for i, frame in enumerate(frames):
        name = 'frames[{}]'.format(i)
        array = host_array(frame, name, where)
        if array.ndim != 2 or not array.size:
            raise ValueError(
                '{}: {} has shape {}, expected a non-empty 2-D image (height, '
                'width); reshape it, for instance frame.reshape(28, 28)'
                .format(where, name, array.shape))
        if checked and array.shape != checked[0].shape:
            raise ValueError(
                '{}: {} has shape {} but frames[0] {}; give every frame one '
                'shape'.format(where, name, array.shape, checked[0].shape))
        check_pixels(array, name, where)
        checked.append(array)
    return checked
