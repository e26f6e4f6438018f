import numpy

from vae_avb.optimizers.adam import Adam
from vae_avb.optimizers.adam import AdamRule
from vae_avb.optimizers.adam import fast_path


# Parameters with fewer elements than this are updated together by
# PackedAdam: for a bias or a small matrix the per-parameter bookkeeping
# of a step costs more than the arithmetic.
PACK = 65536


class PackedAdam(Adam):

    """:class:`~vae_avb.optimizers.Adam` that updates small parameters
    together, in one flat sweep (opt-in).

    Same hyperparameters, same state, same results (bit for bit) as
    :class:`~vae_avb.optimizers.Adam` and Chainer's Adam. On CPU,
    parameters of fewer than ``pack_below`` elements (biases, small
    matrices) that share their hyperparameters and ``t`` are updated with
    one compiled sweep over flat buffers instead of one rule call each.

    **Side effect on the model**: to update them in place, this optimizer
    moves each packed parameter's array (and its ``m``, ``v`` states) into
    a shared flat buffer, and the parameter's ``array`` becomes a view of
    it (``param.array.base`` is that buffer). Values are unchanged. Arrays
    a user replaces are picked up at the next step. A link that shares a
    packed array with another link by ``copy(mode='share')`` stops sharing
    it. :class:`~vae_avb.optimizers.Adam`, the default, has no such side
    effect.

    Everything goes through Chainer's public API:
    :meth:`chainer.GradientMethod.update` runs unchanged; the pack is swept
    when its loop reaches the first parameter, and then the rule of each
    packed parameter only counts the step (:meth:`PackedAdamRule.update`).
    A parameter stays out of the pack, and is updated by its own rule as
    in Chainer, when its rule is disabled, has hooks
    (:meth:`~chainer.UpdateRule.add_hook`), has its own hyperparameters or
    ``t``, has no gradient or state yet (the first step), or is not a
    float32 or float64 NumPy array; after :meth:`loss_scaling` or
    :meth:`set_loss_scale` nothing is packed. Not supported (not
    detectable through Chainer's public API): a backward with
    ``loss_scale=`` given by hand outside :meth:`loss_scaling`, and code
    that changes the parameters, gradients or rules while Chainer's update
    loop runs (other than the hooks above).

    Args:
        pack_below (int): parameters with fewer elements than this are
            packed (default :data:`PACK`); 0 packs nothing.
        *args, **kwargs: those of :class:`chainer.optimizers.Adam`.
    """

    def __init__(self, *args, pack_below=PACK, **kwargs):
        super(PackedAdam, self).__init__(*args, **kwargs)
        self.packer = Packer(pack_below)

    def create_update_rule(self):
        return PackedAdamRule(self.hyperparam, packer=self.packer)

    def update(self, lossfun=None, *args, **kwds):
        self.packer.begin(self.target)
        try:
            super(PackedAdam, self).update(lossfun, *args, **kwds)
        finally:
            self.packer.end()

    def loss_scaling(self, interval=1000, scale=None):
        # Chainer divides each gradient by the loss scale inside that
        # parameter's rule, after the pack would have been swept.
        self.packer.enabled = False
        super(PackedAdam, self).loss_scaling(interval, scale)

    def set_loss_scale(self, loss_scale):
        self.packer.enabled = False
        super(PackedAdam, self).set_loss_scale(loss_scale)


class PackedAdamRule(AdamRule):

    """:class:`~vae_avb.optimizers.AdamRule` of a :class:`PackedAdam`: it
    steps aside (counting the step) when the pack has updated its
    parameter, and otherwise updates it as Chainer's rule does."""

    def __init__(self, parent_hyperparam=None, packer=None, **kwargs):
        super(PackedAdamRule, self).__init__(parent_hyperparam, **kwargs)
        self.packer = packer
        self.hook_names = set()

    def add_hook(self, hook, name=None, timing='auto'):
        super(PackedAdamRule, self).add_hook(hook, name, timing)
        if name is None:  # the name Chainer gave it
            name = getattr(hook, 'name', getattr(hook, '__name__', None))
        self.hook_names.add(name)

    def remove_hook(self, name):
        super(PackedAdamRule, self).remove_hook(name)
        self.hook_names.discard(name)

    def update(self, param):
        packer = self.packer
        if packer is not None and packer.updated(param):
            return
        super(PackedAdamRule, self).update(param)

    def packable(self, param, below):
        return (self.enabled and not self.hook_names
                and self.state is not None and param.grad is not None
                and param.size < below
                and fast_path(self.hyperparam, param, self.state))

    def pack_key(self, param):
        hp = self.hyperparam
        return (self.t, hp.alpha, hp.beta1, hp.beta2, hp.eps, hp.eta,
                param.dtype)


class Packer(object):

    """The packs of one :class:`PackedAdam`, swept once per update."""

    def __init__(self, below):
        self.below = below
        self.enabled = True
        self.target = None
        self.swept = True
        self.covered = set()
        self.packs = {}

    def begin(self, target):
        self.target = target
        self.swept = False
        self.covered = set()

    def end(self):
        self.target = None
        self.swept = True
        self.covered = set()

    def updated(self, param):
        """Whether this step's sweep updated ``param`` (sweeping first
        when this is the first parameter Chainer's loop reaches)."""
        if not self.swept:
            self.swept = True
            if self.enabled and self.below > 0:
                self.sweep()
        return id(param) in self.covered

    def sweep(self):
        groups = {}
        for param in self.target.params():
            rule = param.update_rule
            if isinstance(rule, PackedAdamRule) and rule.packer is self \
                    and rule.packable(param, self.below):
                groups.setdefault(rule.pack_key(param), []).append(param)
        packs = {}
        for params in groups.values():
            if len(params) < 2:
                continue
            key = tuple(id(p) for p in params)
            pack = self.packs.get(key)
            if pack is None or not pack.valid():
                pack = Pack(params)
            packs[key] = pack
            for param in params:
                param.update_rule.t += 1
            pack.update()
            self.covered.update(key)
        self.packs = packs


class Pack(object):

    """Small parameters whose arrays and Adam states share flat buffers.

    Each parameter's array and its ``m`` and ``v`` become views of three
    flat arrays, so that one step updates them all with one sweep. The
    views are remembered: when anything replaced one (a ``to_device``, a
    user assigning ``param.array``, a deserializer), :meth:`valid` says so
    and the pack is rebuilt from the current values.
    """

    def __init__(self, params):
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
        for param, start, stop in zip(params, offsets[:-1], offsets[1:]):
            state = param.update_rule.state
            views = []
            for flat, array in ((self.data, param.array),
                                (self.m, state['m']), (self.v, state['v'])):
                view = flat[start:stop].reshape(param.shape)
                view[...] = array
                views.append(view)
            param.array = views[0]
            state['m'], state['v'] = views[1], views[2]
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
        numpy.concatenate([p.grad.reshape(-1) for p in params],
                          out=self.grad)
        params[0].update_rule.step_flat(self.data, self.grad, self.m,
                                        self.v)
