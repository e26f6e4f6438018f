from vae_avb.functions.bernoulli_nll import bernoulli_nll  # NOQA
from vae_avb.functions.gaussian_kl_divergence import gaussian_kl_divergence  # NOQA
from vae_avb.functions.bernoulli_nll_mean import bernoulli_nll_mean  # NOQA
from vae_avb.functions.gaussian_sample_kl import gaussian_sample_kl  # NOQA
from vae_avb.functions.dense_stack import dense_stack  # NOQA
from vae_avb.functions.dense_stack import FUSED_ACTIVATIONS  # NOQA
from vae_avb.functions.row_inner_product import row_inner_product  # NOQA
