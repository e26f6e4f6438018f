"""Chainer's CPU Adam step as one compiled loop (Numba), with a NumPy
fallback.

Chainer's CPU rule makes eight passes over each parameter with a fresh
temporary for each; the blocked NumPy loop below makes twelve passes over
cache-sized blocks; the compiled loop makes one. All three compute the
same float operations in the same order and dtype (the hyperparameters
are rounded to the parameter's dtype first, as NumPy does when it
multiplies a float32 array by a Python float), so they give the same bits.

The loop is compiled on first use in each process. Numba keeps the machine
code between processes only where ``NUMBA_CACHE_DIR`` names a folder;
nothing is ever written into the package directory.
"""
import warnings

import numpy


# Elements per block of the NumPy fallback: small enough that the block's
# slices of parameter, gradient, m, v and the scratch stay in the L2 cache
# across the dozen elementwise passes of one Adam step.
BLOCK = 65536


def _compiled_loop(data, grad, m, v, c1, c2, alpha_t, eps, minus_eta):
    # param += -eta * (step * m), as Chainer writes it: with eta = 1 the
    # product by -1 is exact and x + (-s) is x - s, so one loop serves.
    for i in range(data.size):
        g = grad[i]
        mi = m[i] + c1 * (g - m[i])
        vi = v[i] + c2 * (g * g - v[i])
        m[i] = mi
        v[i] = vi
        data[i] += minus_eta * (alpha_t / (numpy.sqrt(vi) + eps) * mi)


_compiled = []


def user_cache(numba):
    """Whether to cache the compiled loop: only in the folder the user
    named with ``NUMBA_CACHE_DIR`` (Numba would otherwise write next to
    this file, into the installed package)."""
    return bool(numba.config.CACHE_DIR)


def compiled():
    """The compiled loop, or ``None`` without Numba (imported on first use,
    so that importing vae_avb does not load Numba and LLVM)."""
    if not _compiled:
        try:
            import numba
        except ImportError:  # pragma: no cover - numba is a dependency
            warnings.warn('numba is not installed: vae_avb.optimizers.Adam '
                          'uses its slower NumPy loop; pip install numba')
            _compiled.append(None)
        else:
            # error_model='numpy': no ZeroDivisionError check inside the
            # loop (a division by zero gives inf as in NumPy), which lets
            # LLVM vectorise it. No fastmath: the results must stay
            # bit-identical to Chainer's. The machine code is cached on
            # disk only where the user named a cache folder
            # (NUMBA_CACHE_DIR); nothing is written into the package.
            _compiled.append(numba.njit(cache=user_cache(numba),
                                        nogil=True, error_model='numpy')(
                                            _compiled_loop))
    return _compiled[0]


def blocked_numpy(data, grad, m, v, scratch, c1, c2, alpha_t, eps,
                  minus_eta):
    """The same step with NumPy ufuncs, block by block (the fallback)."""
    size = data.size
    for start in range(0, size, BLOCK):
        stop = min(start + BLOCK, size)
        g = grad[start:stop]
        m_b = m[start:stop]
        v_b = v[start:stop]
        s = scratch[:stop - start]
        # m += (1 - beta1) * (grad - m)
        numpy.subtract(g, m_b, out=s)
        s *= c1
        m_b += s
        # v += (1 - beta2) * (grad * grad - v)
        numpy.multiply(g, g, out=s)
        s -= v_b
        s *= c2
        v_b += s
        # param += -eta * (alpha_t / (sqrt(v) + eps) * m)
        numpy.sqrt(v_b, out=s)
        s += eps
        numpy.divide(alpha_t, s, out=s)
        s *= m_b
        if minus_eta == -1:
            # The same bits as adding -1 * s, one pass fewer.
            data[start:stop] -= s
        else:
            s *= minus_eta
            data[start:stop] += s


class AdamStep(object):

    """Runs one Adam step on flat arrays, in place.

    Args:
        use_compiled (bool or None): ``False`` runs the NumPy loop;
            otherwise the compiled loop runs when Numba is installed.
    """

    def __init__(self, use_compiled=None):
        self.use_compiled = use_compiled
        self._scratch = None

    def __call__(self, data, grad, m, v, hp, alpha_t):
        cast = data.dtype.type
        args = (cast(1.0 - hp.beta1), cast(1.0 - hp.beta2), cast(alpha_t),
                cast(hp.eps), cast(-hp.eta))
        loop = compiled() if self.use_compiled is not False else None
        if loop is not None:
            loop(data, grad, m, v, *args)
            return
        scratch = self._scratch
        if scratch is None or scratch.dtype != data.dtype or \
                scratch.size < min(data.size, BLOCK):
            scratch = self._scratch = numpy.empty(
                min(data.size, BLOCK), data.dtype)
        blocked_numpy(data, grad, m, v, scratch, *args)
