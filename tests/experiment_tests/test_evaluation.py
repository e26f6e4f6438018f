"""The scripts' evaluations: the same numbers as the library's, with a
line of progress per step."""
import io

import numpy

from vae_avb.evaluation import importance_weighted_log_likelihood
from vae_avb.experiment import iwae_with_progress
from vae_avb.links import VAE


def test_iwae_with_progress_is_one_call_with_lines(tmp_path):
    vae = VAE.mlp(784, 3, 16)
    x = numpy.random.uniform(size=(250, 784)).astype(numpy.float32)
    numpy.random.seed(5)
    expected = importance_weighted_log_likelihood(vae, x, k=7)
    numpy.random.seed(5)
    stream = io.StringIO()
    got = iwae_with_progress(vae, x, 7, chunk=120, stream=stream)
    # The same draws in the same order: bit-identical.
    numpy.testing.assert_array_equal(got, expected)
    lines = stream.getvalue().splitlines()
    # chunk 120 rounds down to whole batches of 100.
    assert [line.split(': ')[1].split(' ')[0] for line in lines] == [
        '100/250', '200/250', '250/250']
    assert lines[0].startswith('log-likelihood (k = 7): ')
