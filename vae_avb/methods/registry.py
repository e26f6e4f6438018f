"""From a configuration to its method."""
from vae_avb.methods.adaptive_contrast import AdaptiveContrastMethod
from vae_avb.methods.avb import AVBMethod
from vae_avb.methods.vae import VAEMethod

METHOD_CLASSES = {cls.key: cls for cls in (VAEMethod, AVBMethod,
                                           AdaptiveContrastMethod)}


def make_method(config):
    """The method object of a :class:`~vae_avb.methods.MethodConfig`."""
    return METHOD_CLASSES[config.method](config)
