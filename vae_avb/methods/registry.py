"""From a configuration to its method."""
from vae_avb.methods.config import MethodConfig
from vae_avb.methods.adaptive_contrast import AdaptiveContrastMethod
from vae_avb.methods.avb import AVBMethod
from vae_avb.methods.vae import VAEMethod

METHOD_CLASSES = {cls.key: cls for cls in (VAEMethod, AVBMethod,
                                           AdaptiveContrastMethod)}


def make_method(config):
    """The method object of a :class:`~vae_avb.methods.MethodConfig`.

    Raises:
        TypeError: ``config`` is not a ``MethodConfig``.
    """
    if not isinstance(config, MethodConfig):
        raise TypeError(
            'make_method: config must be a vae_avb.methods.MethodConfig, got '
            '{}; build one, e.g. MethodConfig(method=\'vae\', dim_z=8)'
            .format(type(config).__name__))
    return METHOD_CLASSES[config.method](config)
