from setuptools import find_packages
from setuptools import setup


setup(
    name='vae_avb',
    version='0.1.0',
    description='Variational Autoencoder and Adversarial Variational Bayes '
                'in Chainer: a reference reimplementation',
    long_description=open('README.md').read(),
    long_description_content_type='text/markdown',
    license='MIT',
    packages=find_packages(include=['vae_avb', 'vae_avb.*']),
    # Chainer 7.8.1 imports pkg_resources and numpy.distutils, so it needs
    # NumPy < 2, setuptools < 74 and Python <= 3.11.
    python_requires='>=3.8,<3.12',
    install_requires=[
        'chainer==7.8.1',
        'numpy>=1.17,<2',
        'setuptools<74',
        'matplotlib>=3.3',
        # One compiled loop for Adam's CPU step (vae_avb.optimizers).
        'numba>=0.56',
    ],
    extras_require={
        # CuPy 14 needs NumPy >= 2, which Chainer 7.8.1 cannot import.
        'cuda': ['cupy-cuda12x>=13,<14'],
        'test': ['pytest>=7'],
    },
)
