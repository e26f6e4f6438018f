import math
import numbers

import numpy

import chainer
from chainer.optimizers import adam

from vae_avb.optimizers.adam_kernel import AdamStep
from vae_avb.utils.check import check_positive


def check_eps(hyperparam, dtype):
    """Raises Chainer's error when ``eps`` underflows to zero in ``dtype``
    (what :class:`chainer.optimizers.adam.AdamRule` checks before a
    step)."""
    if hyperparam.eps != 0 and dtype.type(hyperparam.eps) == 0:
        raise ValueError('eps of Adam optimizer is too small for {} ({})'
                         .format(dtype.name, hyperparam.eps))


def check_hyperparameters(hyperparam):
    """Refuses settings that make Adam divide by zero or diverge, with one
    line naming the setting: ``alpha`` and ``eta`` finite and above 0,
    ``beta1`` and ``beta2`` in [0, 1), ``eps`` finite and above 0,
    ``weight_decay_rate`` finite and at least 0, ``amsgrad`` and
    ``adabound`` bools, and with AdaBound ``final_lr`` and ``gamma`` finite
    and above 0."""
    where = 'Adam'
    check_positive(hyperparam.alpha, 'alpha (the step size)', where)
    check_positive(hyperparam.eta, 'eta', where)
    for name in ('beta1', 'beta2'):
        value = getattr(hyperparam, name)
        if isinstance(value, bool) or not isinstance(value, numbers.Real) \
                or not 0 <= value < 1:
            raise ValueError('Adam: {} must be in [0, 1), got {!r} (at 1 the '
                             'bias correction divides by zero)'.format(
                                 name, value))
    if isinstance(hyperparam.eps, bool) or not isinstance(
            hyperparam.eps, numbers.Real) or not 0 < hyperparam.eps < \
            math.inf:
        raise ValueError('Adam: eps must be a finite number above 0, got {!r} '
                         '(at 0 a parameter whose gradients are all zero '
                         'divides 0 by 0)'.format(hyperparam.eps))
    rate = hyperparam.weight_decay_rate
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or \
            not 0 <= rate < math.inf:
        raise ValueError('Adam: weight_decay_rate must be a finite number '
                         '>= 0, got {!r} (0 turns weight decay off)'.format(
                             rate))
    for name in ('amsgrad', 'adabound'):
        if not isinstance(getattr(hyperparam, name), (bool, numpy.bool_)):
            raise ValueError('Adam: {} must be True or False, got {!r}'.format(
                name, getattr(hyperparam, name)))
    if hyperparam.adabound:
        check_positive(hyperparam.final_lr, 'final_lr', where)
        check_positive(hyperparam.gamma, 'gamma', where)


def fast_path(hyperparam, param, state):
    """Whether :class:`~vae_avb.optimizers.adam_kernel.AdamStep` computes
    Chainer's CPU update for ``param``: plain Adam (no AMSGrad, AdaBound or
    weight decay) on C-contiguous float32 or float64 NumPy arrays of one
    dtype and shape (parameter, gradient, ``m`` and ``v``; the compiled
    loop reads them all up to the parameter's size)."""
    if hyperparam.amsgrad or hyperparam.adabound or \
            hyperparam.weight_decay_rate != 0:
        return False
    dtype = param.dtype
    if dtype != numpy.float32 and dtype != numpy.float64:
        return False
    for array in (param.array, param.grad, state['m'], state['v']):
        if not (isinstance(array, numpy.ndarray) and array.dtype == dtype
                and array.shape == param.shape
                and array.flags.c_contiguous):
            return False
    return True


class AdamRule(adam.AdamRule):

    """Chainer's Adam update rule with an in-place, one-pass CPU update.

    Computes exactly what :class:`chainer.optimizers.adam.AdamRule` computes,
    the same operations in the same order on the same dtypes, so the
    parameters are bit-identical to Chainer's after any number of steps. On
    CPU, Chainer's rule allocates a fresh temporary for each of its eight
    elementwise operations and sweeps the whole parameter each time; this
    rule runs one compiled loop over the parameter (Numba; see
    :mod:`vae_avb.optimizers.adam_kernel`, which falls back to a blocked
    NumPy loop without Numba). Only :meth:`update_core_cpu` is replaced:
    hooks, loss scaling, ``t``, the state and its initialisation are
    Chainer's own. The state (``m``, ``v``) has Chainer's names, so
    snapshots load in either direction.

    Options the one-pass update does not cover (``amsgrad``, ``adabound``,
    weight decay, float16 parameters) and GPU arrays (where Chainer already
    fuses the update into one kernel) take Chainer's own code.
    """

    _step = None

    def update_core_cpu(self, param):
        grad = param.grad
        if grad is None:
            return
        if not fast_path(self.hyperparam, param, self.state):
            return super(AdamRule, self).update_core_cpu(param)
        self.step_flat(param.array.reshape(-1), grad.reshape(-1),
                       self.state['m'].reshape(-1),
                       self.state['v'].reshape(-1))

    def step_flat(self, data, grad, m, v):
        """One Adam step with this rule's hyperparameters and ``t`` on flat
        C-contiguous arrays of one dtype, in place (``data``, ``m`` and
        ``v`` are updated)."""
        check_eps(self.hyperparam, data.dtype)
        if self._step is None:
            self._step = AdamStep()
        self._step(data, grad, m, v, self.hyperparam, self.alpha_t)


class Adam(chainer.optimizers.Adam):

    """:class:`chainer.optimizers.Adam` whose CPU step runs in place.

    Same hyperparameters, same state, same results (bit for bit) as
    Chainer's Adam; see :class:`AdamRule`. A drop-in replacement: set it up
    on a link, use it in a Trainer, snapshot it, as Chainer's. Only the
    update rule differs: the update itself is Chainer's
    :meth:`~chainer.GradientMethod.update`, parameter by parameter, and the
    parameters' arrays are updated in place, never replaced.
    """

    def __init__(self, *args, **kwargs):
        super(Adam, self).__init__(*args, **kwargs)
        check_hyperparameters(self.hyperparam)

    def create_update_rule(self):
        return AdamRule(self.hyperparam)
