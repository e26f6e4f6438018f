from chainer import training


class KeepState(training.Extension):

    """Keeps ``obj``'s state in the trainer's snapshots.

    ``obj.serialize`` is called whenever the trainer is saved or loaded.
    For what no other part of the trainer saves: a dataset with a random
    state (:class:`~vae_avb.datasets.DynamicBinarized`) iterated by
    Chainer's ``SerialIterator``, which does not serialize its dataset
    (:class:`~vae_avb.datasets.ArrayIterator` does), so that a resumed run
    draws the same binarizations as one never interrupted.

    Args:
        obj: An object with a ``serialize(serializer)`` method.
    """

    trigger = 1, 'iteration'

    def __init__(self, obj):
        if not callable(getattr(obj, 'serialize', None)):
            raise TypeError('KeepState: obj must have a serialize(serializer) '
                            'method (a dataset with a random state), got {}'
                            .format(type(obj).__name__))
        self.obj = obj

    def __call__(self, trainer):
        pass

    def serialize(self, serializer):
        self.obj.serialize(serializer)
