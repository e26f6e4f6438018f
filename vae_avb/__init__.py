"""vae_avb: VAE and Adversarial Variational Bayes in Chainer."""

import vae_avb_compat  # before Chainer: lets it import on NumPy 2
vae_avb_compat.install()

from vae_avb import datasets  # NOQA
from vae_avb import evaluation  # NOQA
from vae_avb import functions  # NOQA
from vae_avb import initializers  # NOQA
from vae_avb import links  # NOQA
from vae_avb import losses  # NOQA
from vae_avb import training  # NOQA
from vae_avb import visualization  # NOQA

__version__ = '0.1.0'
