from vae_avb.optimizers.adam import Adam  # NOQA
from vae_avb.optimizers.adam import AdamRule  # NOQA
from vae_avb.optimizers.packed_adam import PackedAdam  # NOQA
from vae_avb.optimizers.packed_adam import PackedAdamRule  # NOQA
