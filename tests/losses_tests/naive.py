"""Plain NumPy forward passes of the project's networks, for references."""
import numpy


ACTIVATIONS = {'tanh': numpy.tanh, 'relu': lambda h: numpy.maximum(h, 0)}


def mlp(chain, x, activation, activate_output=False):
    h = x
    for i, layer in enumerate(chain):
        h = h @ layer.W.array.T + layer.b.array
        if i < len(chain) - 1 or activate_output:
            h = ACTIVATIONS[activation](h)
    return h


def bernoulli_nll(x, logits):
    # -log p(x|z) written with log-sigmoids.
    log_p = -numpy.logaddexp(0, -logits)
    log_1mp = -numpy.logaddexp(0, logits)
    return -(x * log_p + (1 - x) * log_1mp).sum(axis=1)


def adversary(adv, x, z, activation='relu'):
    if adv.center_x:
        x = 2 * x - 1
    g = mlp(adv.x_tower, x, activation)
    h = mlp(adv.z_tower, z, activation)
    t = (g * h).sum(axis=1) / adv.n_hidden
    if adv.side_terms:
        for head, tower in ((adv.x_head, g), (adv.z_head, h)):
            t = t + (tower @ head.W.array.T + head.b.array)[:, 0]
    if adv.prior_term:
        t = t + 0.5 * (z ** 2).sum(axis=1)
    return t


def call_and_observe(loss, *args, **kwargs):
    """Calls ``loss(*args, **kwargs)``; returns its value and what it
    reported."""
    import chainer
    reporter = chainer.Reporter()
    reporter.add_observer('main', loss)
    observation = {}
    with reporter.scope(observation):
        value = loss(*args, **kwargs).array
    return value, {key[len('main/'):]: float(v.array)
                   for key, v in observation.items()}
