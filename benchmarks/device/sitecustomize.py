"""Lets Chainer 7.8.1 import under Python 3.12 and NumPy 2 (GPU checks only).

The lent GPU machine has Python 3.12 with CuPy 14, which needs NumPy >= 2,
while Chainer 7.8.1's last release targets NumPy 1.x and Python <= 3.11.
Putting this folder first on ``PYTHONPATH`` restores, before anything else
imports, the two NumPy names Chainer reads that NumPy 2 removed:
``numpy.distutils.system_info`` (read on macOS only; here an empty stand-in)
and ``numpy.sctypes``. It changes no computation of NumPy's. (Chainer's
``pkg_resources`` comes from setuptools < 81, carried as a wheel where the
machine's is newer.) Users install the pinned set of
``requirements/constraints.txt`` instead and need none of this.
"""
import sys
import types

import numpy

if int(numpy.__version__.split('.')[0]) >= 2:
    # chainer/_environment_check.py imports numpy.distutils.system_info
    # (used only on macOS); NumPy 2 has no numpy.distutils.
    try:
        import numpy.distutils.system_info  # NOQA
    except ImportError:
        distutils = types.ModuleType('numpy.distutils')
        system_info = types.ModuleType('numpy.distutils.system_info')
        system_info.get_info = lambda name: {}
        distutils.system_info = system_info
        numpy.distutils = distutils
        sys.modules['numpy.distutils'] = distutils
        sys.modules['numpy.distutils.system_info'] = system_info
    # chainer/functions/array/as_strided.py reads numpy.sctypes['int'].
    if 'sctypes' not in numpy.__dict__:
        numpy.sctypes = {
            'int': [numpy.int8, numpy.int16, numpy.int32, numpy.int64],
            'uint': [numpy.uint8, numpy.uint16, numpy.uint32, numpy.uint64],
            'float': [numpy.float16, numpy.float32, numpy.float64],
            'complex': [numpy.complex64, numpy.complex128],
            'others': [bool, object, bytes, str, numpy.void],
        }
