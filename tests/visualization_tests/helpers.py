"""What the visualization tests share: an older output file that a failed
call must leave alone, a deadline for calls that used to hang, and the
count of open matplotlib figures."""
import contextlib
import os
import signal

OLD = b'an older figure, which a failed call must leave as it was'


class Target(object):

    """An output file already there (``OLD``), alone in its folder."""

    def __init__(self, folder, name):
        self.folder = str(folder)
        os.makedirs(self.folder, exist_ok=True)
        self.path = os.path.join(self.folder, name)
        with open(self.path, 'wb') as f:
            f.write(OLD)

    def intact(self):
        """Nothing was written next to the file, and it is unchanged."""
        with open(self.path, 'rb') as f:
            return f.read() == OLD and os.listdir(self.folder) == [
                os.path.basename(self.path)]


@contextlib.contextmanager
def deadline(seconds=20):
    """Fails (rather than hangs) a call that takes more than ``seconds``."""
    def expired(*_):
        raise AssertionError('took more than {} s'.format(seconds))
    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def open_figures():
    """How many matplotlib figures are open."""
    from vae_avb.visualization.output import pyplot
    return len(pyplot().get_fignums())


def assert_refused(call, error, match, target):
    """``call()`` raises ``error`` in one line matching ``match``, within
    the deadline, leaving ``target`` (a :class:`Target`) as it was and no
    figure open."""
    import pytest
    before = open_figures()
    with deadline():
        with pytest.raises(error, match=match) as info:
            call()
    assert '\n' not in str(info.value)
    assert target.intact()
    assert open_figures() == before


def assert_closes_figures(monkeypatch, method, call, target):
    """With ``matplotlib.axes.Axes.<method>`` failing, ``call()`` raises
    that failure three times over, and leaves no figure open and
    ``target`` as it was."""
    import pytest
    from matplotlib.axes import Axes

    def failing(*args, **kwargs):
        raise RuntimeError('drawing failed')
    monkeypatch.setattr(Axes, method, failing)
    before = open_figures()
    for _ in range(3):
        with pytest.raises(RuntimeError, match='drawing failed'):
            call()
    assert open_figures() == before
    assert target.intact()
