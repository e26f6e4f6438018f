import numpy

import chainer
from chainer.optimizers import adam

from vae_avb.optimizers.adam_kernel import AdamStep


# Parameters with fewer elements than this are updated together, as one
# flat array (see Adam): for a bias or a small matrix the per-parameter
# bookkeeping of a step costs more than the arithmetic.
PACK = 65536


class AdamRule(adam.AdamRule):

    """Chainer's Adam update rule with an in-place, one-pass CPU update.

    Computes exactly what :class:`chainer.optimizers.adam.AdamRule` computes,
    the same operations in the same order on the same dtypes, so the
    parameters are bit-identical to Chainer's after any number of steps. On
    CPU, Chainer's rule allocates a fresh temporary for each of its eight
    elementwise operations and sweeps the whole parameter each time; this
    rule runs one compiled loop over the parameter (Numba; see
    :mod:`vae_avb.optimizers.adam_kernel`, which falls back to a blocked
    NumPy loop without Numba). The state (``m``, ``v``) has Chainer's
    names, so snapshots load in either direction.

    Options the blocked update does not cover (``amsgrad``, ``adabound``,
    weight decay, float16 parameters) and GPU arrays (where Chainer already
    fuses the update into one kernel) take Chainer's own code.
    """

    _step = None

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
        self._check_eps(param.dtype.type)
        if self._step is None:
            self._step = AdamStep()
        self._step(param.data.reshape(-1), grad.reshape(-1),
                   self.state['m'].reshape(-1), self.state['v'].reshape(-1),
                   self.hyperparam, self.alpha_t)

    def _packable(self, param):
        """Whether the packed update may stand in for :meth:`update`."""
        hookable = self._hookable
        return (self.enabled and param.grad is not None
                and param.data is not None and param.size < PACK
                and not self._use_fp32_update
                and param._loss_scale is None
                and not hookable._pre_update_hooks
                and not hookable._post_update_hooks
                and self._fast_cpu(param))

    def _pack_key(self, param):
        hp = self.hyperparam
        return (self.t, hp.alpha, hp.beta1, hp.beta2, hp.eps, hp.eta,
                param.dtype)


class _Pack(object):

    """Small parameters whose arrays and Adam states share flat buffers.

    Each parameter's array and its ``m`` and ``v`` become views of three
    flat arrays, so that one step updates them all with one sweep. The
    views are remembered: when anything replaced one (a ``to_device``, a
    user assigning ``param.array``), :meth:`valid` says so and the pack is
    rebuilt from the current values.
    """

    def __init__(self, params):
        rules = [p.update_rule for p in params]
        dtype = params[0].dtype
        sizes = [p.size for p in params]
        offsets = numpy.concatenate(([0], numpy.cumsum(sizes)))
        total = int(offsets[-1])
        self.params = params
        self.data = numpy.empty(total, dtype)
        self.grad = numpy.empty(total, dtype)
        self.m = numpy.empty(total, dtype)
        self.v = numpy.empty(total, dtype)
        self.views = []
        self.step = AdamStep()
        for param, rule, start, stop in zip(params, rules, offsets[:-1],
                                            offsets[1:]):
            views = []
            for flat, array in ((self.data, param.array),
                                (self.m, rule.state['m']),
                                (self.v, rule.state['v'])):
                view = flat[start:stop].reshape(param.shape)
                view[...] = array
                views.append(view)
            param.array = views[0]
            rule.state['m'], rule.state['v'] = views[1], views[2]
            self.views.append(tuple(views))

    def valid(self):
        for param, (data, m, v) in zip(self.params, self.views):
            state = param.update_rule.state
            if param.array is not data or state['m'] is not m or \
                    state['v'] is not v:
                return False
        return True

    def update(self):
        params = self.params
        rule = params[0].update_rule
        numpy.concatenate([p.grad.reshape(-1) for p in params],
                          out=self.grad)
        rule._check_eps(self.data.dtype.type)
        self.step(self.data, self.grad, self.m, self.v, rule.hyperparam,
                  rule.alpha_t)


class Adam(chainer.optimizers.Adam):

    """:class:`chainer.optimizers.Adam` whose CPU step runs in place.

    Same hyperparameters, same state, same results (bit for bit) as
    Chainer's Adam; see :class:`AdamRule`. A drop-in replacement: set it up
    on a link, use it in a Trainer, snapshot it, as Chainer's.

    On CPU, parameters of fewer than :data:`PACK` elements (biases, small
    matrices) are updated together: their arrays and ``m``, ``v`` states
    are moved into shared flat buffers, the parameters keep views of them,
    and one sweep updates them all, with the same arithmetic. Arrays a user
    replaces are picked up at the next step. (A link that shares a packed
    array with another link by ``copy(mode='share')`` stops sharing it.)
    Parameters with hooks, per-parameter hyperparameters, disabled update
    rules, loss scaling or options outside the fast path are updated one
    by one as in Chainer.
    """

    def __init__(self, *args, **kwargs):
        super(Adam, self).__init__(*args, **kwargs)
        self._packs = {}

    def create_update_rule(self):
        return AdamRule(self.hyperparam)

    def update(self, lossfun=None, *args, **kwds):
        # GradientMethod.update with the loop over parameters replaced by
        # _update_params; everything else as in Chainer 7.8.1.
        if lossfun is not None:
            use_cleargrads = getattr(self, '_use_cleargrads', True)
            loss = lossfun(*args, **kwds)
            if use_cleargrads:
                self.target.cleargrads()
            else:
                self.target.zerograds()
            loss.backward(loss_scale=self._loss_scale)
            del loss

        self.reallocate_cleared_grads()
        self.check_nan_in_grads()
        self.call_hooks('pre')

        self.t += 1
        if self.is_safe_to_update():
            self._update_params()

        self.reallocate_cleared_grads()

        self.call_hooks('post')
        self.update_loss_scale()

    def _update_params(self):
        groups = {}
        for param in self.target.params():
            rule = param.update_rule
            if isinstance(rule, AdamRule) and rule._packable(param):
                groups.setdefault(rule._pack_key(param), []).append(param)
            else:
                param.update()
        for params in groups.values():
            if len(params) == 1:
                params[0].update()
                continue
            for param in params:
                rule = param.update_rule
                rule.t += 1
                if rule.state is None:
                    rule._init_states(param)
            key = tuple(id(p) for p in params)
            pack = self._packs.get(key)
            if pack is None or not pack.valid():
                pack = self._packs[key] = _Pack(params)
            pack.update()
