from vae_avb.training.avb_updater import AVBUpdater  # NOQA
from vae_avb.training.step_size_decay import StepSizeDecay  # NOQA
from vae_avb.training.finite_guard import FiniteGuard  # NOQA
from vae_avb.training.finite_guard import NonFiniteLossError  # NOQA
