"""Lets Chainer 7.8.1 (the last release) import and run on NumPy 2 and
Python 3.12+, without changing Chainer's files.

Installed with vae_avb as a top-level module together with
``vae_avb_compat.pth``, a line that Python's ``site`` module runs at
start-up in the environment vae_avb is installed in. That line only calls
:func:`install`, which puts a finder first on ``sys.meta_path``: nothing
is imported at start-up. ``vae_avb/__init__.py`` calls it too, for a
Python started without ``site`` (``python -S``).

The first time ``chainer`` is imported, before any of Chainer's code runs:

- ``numpy.sctypes`` (NumPy 2 removed it): restored, with NumPy 1.26's
  contents; ``chainer/functions/array/as_strided.py`` reads it at import.
- ``numpy.distutils.system_info``, where it does not import (NumPy 2 has
  no ``numpy.distutils``; NumPy 1.26's needs setuptools < 74): a stand-in
  whose ``get_info`` returns ``{}``; ``chainer/_environment_check.py``
  imports it and reads it on macOS only (to warn about Accelerate).
- ``pkg_resources`` (setuptools < 82, a dependency of vae_avb): imported
  once with its deprecation warning silenced; ``chainer/__init__`` and
  ``chainer.testing`` import it.

Right after ``chainer`` is imported:

- ``numpy.float`` (NumPy 1.24 removed this alias of Python's ``float``):
  ``compute_indices_and_weights`` in
  ``chainer.functions.array.resize_images`` (``F.resize_images``) reads
  it, so that one function alone sees a ``numpy`` that has it.

Where NumPy still has a name it is left as it is, and no computation of
NumPy's or Chainer's changes.
"""
import sys
import types
import warnings

_installed = False


def install():
    """Puts the finder first on ``sys.meta_path`` (once; idempotent)."""
    global _installed
    if _installed or 'chainer' in sys.modules:
        _installed = True
        return
    sys.meta_path.insert(0, _ChainerFinder())
    _installed = True


def _before_chainer():
    import numpy
    if 'sctypes' not in numpy.__dict__:
        numpy.sctypes = {
            'int': [numpy.int8, numpy.int16, numpy.int32, numpy.int64],
            'uint': [numpy.uint8, numpy.uint16, numpy.uint32, numpy.uint64],
            'float': [numpy.float16, numpy.float32, numpy.float64,
                      numpy.longdouble],
            'complex': [numpy.complex64, numpy.complex128,
                        numpy.clongdouble],
            'others': [bool, object, bytes, str, numpy.void],
        }
    try:
        with warnings.catch_warnings():  # NumPy 1.26: "deprecated"
            warnings.simplefilter('ignore', DeprecationWarning)
            import numpy.distutils.system_info  # NOQA
    except ImportError:
        for name in [n for n in sys.modules
                     if n.startswith('numpy.distutils.')]:
            del sys.modules[name]  # what a failed import left
        distutils = types.ModuleType('numpy.distutils')
        system_info = types.ModuleType('numpy.distutils.system_info')
        system_info.get_info = lambda name, notfound_action=0: {}
        distutils.system_info = system_info
        sys.modules['numpy.distutils'] = distutils
        sys.modules['numpy.distutils.system_info'] = system_info
        numpy.distutils = distutils
    with warnings.catch_warnings():
        warnings.filterwarnings(
            'ignore', message='pkg_resources is deprecated')
        try:
            import pkg_resources  # NOQA
        except ImportError:
            pass  # Chainer then says so itself (needs setuptools < 82)


class _NumpyWithFloat(types.ModuleType):
    """``numpy`` as it was before 1.24, with ``numpy.float``."""

    float = float

    def __getattr__(self, name):
        import numpy
        return getattr(numpy, name)


def _after_chainer():
    import numpy
    module = sys.modules.get('chainer.functions.array.resize_images')
    f = getattr(module, 'compute_indices_and_weights', None)
    if f is None or 'float' in numpy.__dict__:
        return
    # The one function that reads numpy.float, with its own globals.
    scope = dict(vars(module), numpy=_NumpyWithFloat('numpy'))
    module.compute_indices_and_weights = types.FunctionType(
        f.__code__, scope, f.__name__, f.__defaults__, f.__closure__)


class _ChainerFinder:
    """Finds nothing itself: wraps the loader that finds ``chainer``."""

    def find_spec(self, name, path=None, target=None):
        if name != 'chainer':
            return None
        sys.meta_path.remove(self)  # find the real one, and only once
        from importlib.util import find_spec
        spec = find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        _before_chainer()
        spec.loader = _Loader(spec.loader)
        return spec


class _Loader:

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        module.__loader__ = self._loader
        module.__spec__.loader = self._loader
        self._loader.exec_module(module)
        _after_chainer()

    def __getattr__(self, name):
        return getattr(self._loader, name)
