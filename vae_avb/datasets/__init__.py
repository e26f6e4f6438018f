from vae_avb.datasets.dynamic_binarized import DynamicBinarized  # NOQA
from vae_avb.datasets.four_points import get_four_points  # NOQA
from vae_avb.datasets.four_points_iterator import FourPointsIterator  # NOQA
from vae_avb.datasets.mnist import binarize_images  # NOQA
from vae_avb.datasets.mnist import get_mnist  # NOQA
from vae_avb.datasets.mnist_source import chainer_cache_dir  # NOQA
from vae_avb.datasets.mnist_source import load_mnist_uint8  # NOQA
from vae_avb.datasets.mnist_source import MNISTNotFoundError  # NOQA
