from vae_avb.optimizers.adam import Adam  # NOQA
from vae_avb.optimizers.adam import AdamRule  # NOQA
