from vae_avb.links.adversary import Adversary  # NOQA
from vae_avb.links.bernoulli_decoder import BernoulliDecoder  # NOQA
from vae_avb.links.gaussian_encoder import GaussianEncoder  # NOQA
from vae_avb.links.mlp import MLP  # NOQA
from vae_avb.links.noise_encoder import NoiseEncoder  # NOQA
from vae_avb.links.vae import VAE  # NOQA
from vae_avb.links.adaptive_contrast_encoder import AdaptiveContrastEncoder  # NOQA
