import numpy

import chainer
from chainer.optimizers import adam


# Elements per block of the CPU update: small enough that the block's
# slices of parameter, gradient, m, v and the scratch stay in the L2 cache
# across the dozen elementwise passes of one Adam step.
BLOCK = 65536


class AdamRule(adam.AdamRule):

    """Chainer's Adam update rule with an in-place, blocked CPU update.

    Computes exactly what :class:`chainer.optimizers.adam.AdamRule` computes,
    the same operations in the same order on the same dtypes, so the
    parameters are bit-identical to Chainer's after any number of steps. On
    CPU, Chainer's rule allocates a fresh temporary for each of its eight
    elementwise operations and sweeps the whole parameter each time; this
    rule reuses one scratch buffer and walks the parameter in blocks of
    :data:`BLOCK` elements, so the passes run from cache. The state (``m``,
    ``v``) has Chainer's names, so snapshots load in either direction.

    Options the blocked update does not cover (``amsgrad``, ``adabound``,
    weight decay, float16 parameters) and GPU arrays (where Chainer already
    fuses the update into one kernel) take Chainer's own code.
    """

    _scratch = None

    def _fast_cpu(self, param):
        hp = self.hyperparam
        return (not hp.amsgrad and not hp.adabound
                and hp.weight_decay_rate == 0
                and param.dtype in (numpy.float32, numpy.float64)
                and isinstance(param.data, numpy.ndarray)
                and param.data.flags.c_contiguous
                and param.grad.flags.c_contiguous
                and param.grad.dtype == param.dtype)

    def update_core_cpu(self, param):
        grad = param.grad
        if grad is None:
            return
        if not self._fast_cpu(param):
            return super(AdamRule, self).update_core_cpu(param)
        hp = self.hyperparam
        self._check_eps(param.dtype.type)
        one_minus_beta1 = 1.0 - hp.beta1
        one_minus_beta2 = 1.0 - hp.beta2
        alpha_t = self.alpha_t
        eps = hp.eps
        eta = hp.eta
        data = param.data.reshape(-1)
        grad = grad.reshape(-1)
        m = self.state['m'].reshape(-1)
        v = self.state['v'].reshape(-1)
        size = data.size
        scratch = self._scratch
        if scratch is None or scratch.dtype != data.dtype or \
                scratch.size < min(size, BLOCK):
            scratch = self._scratch = numpy.empty(
                min(size, BLOCK), data.dtype)
        for start in range(0, size, BLOCK):
            stop = min(start + BLOCK, size)
            g = grad[start:stop]
            m_b = m[start:stop]
            v_b = v[start:stop]
            s = scratch[:stop - start]
            # m += (1 - beta1) * (grad - m)
            numpy.subtract(g, m_b, out=s)
            s *= one_minus_beta1
            m_b += s
            # v += (1 - beta2) * (grad * grad - v)
            numpy.multiply(g, g, out=s)
            s -= v_b
            s *= one_minus_beta2
            v_b += s
            # param += -eta * (alpha_t / (sqrt(v) + eps) * m)
            numpy.sqrt(v_b, out=s)
            s += eps
            numpy.divide(alpha_t, s, out=s)
            s *= m_b
            if eta == 1.0:
                data[start:stop] -= s
            else:
                s *= -eta
                data[start:stop] += s


class Adam(chainer.optimizers.Adam):

    """:class:`chainer.optimizers.Adam` whose CPU step runs in place.

    Same hyperparameters, same state, same results (bit for bit) as
    Chainer's Adam; see :class:`AdamRule`. A drop-in replacement: set it up
    on a link, use it in a Trainer, snapshot it, as Chainer's.
    """

    def create_update_rule(self):
        return AdamRule(self.hyperparam)
