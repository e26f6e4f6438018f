from vae_avb.utils.activation import get_activation  # NOQA
from vae_avb.utils.check import check_batch  # NOQA
from vae_avb.utils.check import check_count  # NOQA
from vae_avb.utils.check import check_positive  # NOQA
from vae_avb.utils.check import check_rows  # NOQA
from vae_avb.utils.check import check_same_device  # NOQA
from vae_avb.utils.check import check_values  # NOQA
