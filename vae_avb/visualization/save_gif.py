import numpy

from vae_avb.utils.atomic_write import write_atomic
from vae_avb.visualization.output import prepare_path


def save_gif(frames, path, frame_ms=80, scale=2):
    """Writes grey-level frames in ``[0, 1]`` as a looping GIF.

    Args:
        frames (list): 2-D arrays of one shape (for instance mosaics from
            :func:`tile_images`).
        path (str): Output file; its folder is created.
        frame_ms (int): Duration of each frame.
        scale (int): Integer upscaling, so small images stay visible.

    Returns:
        str: ``path``.
    """
    from PIL import Image
    images = []
    for frame in frames:
        pixels = numpy.clip(numpy.asarray(frame), 0, 1) * 255
        pixels = numpy.kron(pixels, numpy.ones((scale, scale)))
        images.append(Image.fromarray(pixels.astype(numpy.uint8), 'L'))
    write_atomic(prepare_path(path), lambda f: images[0].save(
        f, format='GIF', save_all=True, append_images=images[1:],
        duration=frame_ms, loop=0), suffix='.gif')
    return path
