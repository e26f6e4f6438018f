from vae_avb.training.avb_updater import AVBUpdater  # NOQA
from vae_avb.training.step_size_decay import StepSizeDecay  # NOQA
