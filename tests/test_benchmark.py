"""The benchmark script runs and reports what the README quotes.

A smoke test only: speed is measured by the script, never asserted here.
"""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_benchmark_prints_one_json_report():
    out = subprocess.run(
        [sys.executable, os.path.join(ROOT, 'benchmarks', 'benchmark.py'),
         '--cases', 'avb_toy', '--rounds', '1', '--batches', '2',
         '--warmup', '1'],
        check=True, capture_output=True, text=True, cwd=ROOT).stdout
    report = json.loads(out)
    case = report['cases']['avb_toy']
    for path in ('baseline', 'vae_avb'):
        assert case[path]['samples_per_s_median'] > 0
        assert case['peak_rss_mib'][path] > 0
    assert len(case['ratio_per_round']) == 1
    assert case['matmul_limit_samples_per_s'] > 0


def test_flop_count_of_the_vae_matches_the_issue():
    sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
    import benchmark
    # 784-500-20: 4.10 MFLOP of matrix products per training example.
    assert round(benchmark.flops_per_example('vae') / 1e6, 2) == 4.10


def test_conv_vae_case_counts_the_links_products():
    """The conv row's FLOPs, from the products its table lists, equal a
    count read off vae_avb's conv VAE (each convolution: output pixels x
    in channels x kernel x out channels; each transposed one: input
    pixels x in channels x out channels x kernel)."""
    sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
    import benchmark
    from vae_avb.experiment import build_vae
    vae = build_vae('conv', 50)
    body, deconv = vae.encoder.body, vae.decoder.deconv
    products = []
    for conv, (c_out, h, w) in zip(body.convs, body.map_shapes):
        c_in, k = conv.W.shape[1], conv.W.shape[2]
        products.append((h * w * c_in * k * k * c_out, conv is body.convs[0]))
    products.append((vae.encoder.head.W.size, False))
    products += [(layer.W.size, False) for layer in deconv.dense]
    sizes = [deconv.start_shape[1:]] + deconv.out_sizes[:-1]
    for layer, (h, w) in zip(deconv.deconvs, sizes):
        c_in, c_out, k, _ = layer.W.shape
        products.append((h * w * c_in * c_out * k * k, False))
    expected = 2 * sum(n * (2 if data else 3) for n, data in products)
    assert benchmark.flops_per_example('conv_vae') == expected


def run_case(case):
    """One round of one batch of ``case``; its report, both paths run."""
    out = subprocess.run(
        [sys.executable, os.path.join(ROOT, 'benchmarks', 'benchmark.py'),
         '--cases', case, '--rounds', '1', '--batches', '1',
         '--warmup', '1', '--no-memory'],
        check=True, capture_output=True, text=True, cwd=ROOT).stdout
    report = json.loads(out)['cases'][case]
    for path in ('baseline', 'vae_avb'):
        assert report[path]['samples_per_s_median'] > 0
    return report


def test_conv_vae_case_runs():
    assert 'share_of_matmul_limit' in run_case('conv_vae')['vae_avb']


def test_conv_avb_ac_case_runs_its_baseline_on_chainers_functions():
    sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
    try:
        import benchmark
    finally:
        sys.path.pop(0)
    import chainer
    from vae_avb.functions import use_fused
    # The baseline runs on Chainer's functions and Chainer's own Adam.
    with benchmark.path_context('conv_avb_ac', 'baseline'):
        assert not use_fused()
    with benchmark.path_context('conv_avb_ac', 'vae_avb'):
        assert use_fused()
    with benchmark.path_context('conv_vae', 'baseline'):
        assert use_fused()
    device = chainer.get_device('@numpy')
    updater = benchmark.method_updater('conv_avb_ac', 'baseline', device)
    assert {type(o) for o in updater.get_all_optimizers().values()} == {
        chainer.optimizers.Adam}
    case = run_case('conv_avb_ac')
    for path in ('baseline', 'vae_avb'):
        assert 'share_of_matmul_limit' not in case[path]


def test_benchmark_of_ranks_prints_one_json_report():
    """benchmarks/benchmark_ranks.py: one, then two processes (mpiexec)."""
    if not os.path.exists(os.path.join(os.path.dirname(sys.executable),
                                       'mpiexec')):
        import pytest
        pytest.skip('needs the mpi extra (pip install ".[mpi]")')
    out = subprocess.run(
        [sys.executable, os.path.join(ROOT, 'benchmarks',
                                      'benchmark_ranks.py'),
         '--cases', 'avb_toy', '--rounds', '1', '--iterations', '20'],
        check=True, capture_output=True, text=True, cwd=ROOT).stdout
    report = json.loads(out)
    settings = report['cases']['avb_toy']['settings']
    assert len(settings) == 4
    for values in settings.values():
        assert values['samples_per_s_median'] > 0
    assert settings['1 process, 1 thread']['speed_up'] == 1


@pytest.mark.parametrize('ranks', ['1000000', '0', '-2', 'two', 'nan'])
def test_benchmark_of_ranks_refuses_a_bad_rank_count(ranks):
    # A huge --ranks started that many processes per setting.
    done = subprocess.run(
        [sys.executable, os.path.join(ROOT, 'benchmarks',
                                      'benchmark_ranks.py'),
         '--cases', 'avb_toy', '--rounds', '1', '--ranks', ranks],
        capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2
    assert done.stdout == ''
    assert '--ranks' in done.stderr.splitlines()[-1]


def test_benchmark_of_ais_prints_one_json_report():
    """benchmarks/benchmark_ais.py: both paths run, and estimate the same
    log p(x) from the same draws."""
    out = subprocess.run(
        [sys.executable, os.path.join(ROOT, 'benchmarks', 'benchmark_ais.py'),
         '--cases', 'conv8', 'mlp32', '--rounds', '1', '--images', '3',
         '--temperatures', '2', '--leapfrog', '2'],
        check=True, capture_output=True, text=True, cwd=ROOT).stdout
    report = json.loads(out)
    for case in ('conv8', 'mlp32'):
        for path in ('vae_avb', 'chainer'):
            assert report['cases'][case][path][
                'leapfrog_steps_per_s_median'] > 0
        assert report['cases'][case]['largest_estimate_difference_nats'] \
            < 1e-3


@pytest.mark.parametrize('flags', [
    ['--images', '100000000000000000000'], ['--chains', '0'],
    ['--temperatures', '10000001'], ['--rounds', 'nan'],
    # 2,000,000 images x 8 chains through the conv decoder: hundreds of
    # GiB, refused before anything is allocated.
    ['--images', '2000000']])
def test_benchmark_of_ais_refuses_bad_flags_in_one_line(flags):
    done = subprocess.run(
        [sys.executable, os.path.join(ROOT, 'benchmarks', 'benchmark_ais.py'),
         '--cases', 'conv8', '--rounds', '1'] + flags,
        capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2
    assert done.stdout == ''
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and flags[0] in lines[0], done.stderr


def test_benchmark_of_ranks_says_why_a_run_failed(monkeypatch):
    """A training run that fails is one line naming the script and its
    own error, not a traceback hiding it."""
    import vae_avb.experiment as ex
    module = ex.load_script(os.path.join(ROOT, 'benchmarks',
                                         'benchmark_ranks.py'))
    monkeypatch.setitem(module.CASES, 'vae', [
        'examples/mnist/train_vae.py', '--eval-k', '0'])
    with pytest.raises(ex.UsageError) as info:
        module.run_once('vae', 1, 1, 1, 1, '/nonexistent_folder')
    message = str(info.value)
    assert 'train_vae.py' in message and '--eval-k' in message, message
    assert '\n' not in message
