from vae_avb.functions.bernoulli_nll import bernoulli_nll  # NOQA
from vae_avb.functions.gaussian_kl_divergence import gaussian_kl_divergence  # NOQA
