import numpy

from vae_avb.visualization import save_image_grid


def read_png_size(path):
    with open(path, 'rb') as f:
        header = f.read(24)
    assert header[:8] == b'\x89PNG\r\n\x1a\n'
    return int.from_bytes(header[16:20], 'big'), int.from_bytes(
        header[20:24], 'big')


def test_writes_png(tmp_path):
    images = numpy.random.uniform(size=(9, 784)).astype(numpy.float32)
    path = save_image_grid(images, str(tmp_path / 'sub' / 'grid.png'),
                           title='nine')
    width, height = read_png_size(path)
    assert width > 50 and height > 50


def test_non_square_images(tmp_path):
    images = numpy.random.uniform(size=(5, 12))
    path = save_image_grid(images, str(tmp_path / 'g.png'), n_cols=5,
                           image_shape=(3, 4))
    width, height = read_png_size(path)
    assert width > height
