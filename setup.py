import os

from setuptools import find_packages
from setuptools import setup
from setuptools.command.build_py import build_py

try:  # setuptools >= 64 (PEP 660 editable installs)
    from setuptools.command.editable_wheel import editable_wheel
except ImportError:  # pragma: no cover
    editable_wheel = None


# vae_avb_compat.pth goes to the root of site-packages, where Python's site
# module runs it at start-up (see vae_avb_compat.py), by `pip install .`
# (build_py puts it beside the top-level modules of the wheel) and by
# `pip install -e .` (added to the editable wheel).
PTH = 'vae_avb_compat.pth'
HERE = os.path.dirname(os.path.abspath(__file__))


class build_py_with_pth(build_py):

    def run(self):
        super().run()
        if not getattr(self, 'editable_mode', False):
            self.copy_file(os.path.join(HERE, PTH),
                           os.path.join(self.build_lib, PTH),
                           preserve_mode=0)


cmdclass = {'build_py': build_py_with_pth}

if editable_wheel is not None:
    class _StrategyWithPth:
        """Whatever setuptools' editable strategy writes, and the .pth."""

        def __init__(self, strategy):
            self.strategy = strategy

        def __enter__(self):
            self.strategy.__enter__()
            return self

        def __exit__(self, *exc):
            return self.strategy.__exit__(*exc)

        def __call__(self, wheel, files, mapping):
            self.strategy(wheel, files, mapping)
            with open(os.path.join(HERE, PTH)) as f:
                wheel.writestr(PTH, f.read())

    class editable_wheel_with_pth(editable_wheel):

        def _select_strategy(self, *args, **kwargs):
            return _StrategyWithPth(
                super()._select_strategy(*args, **kwargs))

    cmdclass['editable_wheel'] = editable_wheel_with_pth


setup(
    name='vae_avb',
    version='0.1.0',
    description='Variational Autoencoder and Adversarial Variational Bayes '
                'in Chainer: a reference reimplementation',
    long_description=open(os.path.join(HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    license='MIT',
    packages=find_packages(include=['vae_avb', 'vae_avb.*']),
    py_modules=['vae_avb_compat'],
    cmdclass=cmdclass,
    # Tested on 3.11 (NumPy 1.26), 3.12 and 3.13 (NumPy 2); Chainer 7.8.1
    # imports on NumPy 2 through vae_avb_compat.
    python_requires='>=3.11,<3.14',
    install_requires=[
        'chainer==7.8.1',
        'numpy>=1.22',
        # pkg_resources, which Chainer imports (gone in setuptools 82);
        # 66.1 is the first that runs on Python 3.12.
        'setuptools>=66.1,<82',
        'matplotlib>=3.3',
        # One compiled loop for Adam's CPU step (vae_avb.optimizers).
        'numba>=0.56',
    ],
    extras_require={
        # CuPy 13 with the NumPy 1.26 set (Python 3.11), CuPy 14 (NumPy >= 2
        # only) with the NumPy 2 set (Python >= 3.12).
        'cuda': ['cupy-cuda12x>=13,<14; python_version < "3.12"',
                 'cupy-cuda12x>=14,<15; python_version >= "3.12"'],
        # Training on several processes (--communicator, ChainerMN): MPI
        # for Python and an MPI library that installs from PyPI (its
        # mpiexec comes with it: no system package).
        'mpi': ['mpi4py>=4', 'mpich>=4'],
        # Hypothesis: the property-based tests of bad input (issue 24).
        'test': ['pytest>=7', 'hypothesis>=6.100'],
    },
)
