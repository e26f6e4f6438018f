import chainer


def check_first_order(name):
    """Refuses double backpropagation through a fused node.

    A fused node returns its gradient as plain arrays; a second derivative
    taken through it would silently be zero. Chainer turns on
    ``enable_backprop`` inside ``backward`` only for
    ``backward(enable_double_backprop=True)``.
    """
    if chainer.config.enable_backprop:
        raise NotImplementedError(
            '{} supports first-order gradients only; run it under '
            'vae_avb.functions.reference_path() for double '
            'backpropagation'.format(name))
