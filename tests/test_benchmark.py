"""The benchmark script runs and reports what the README quotes.

A smoke test only: speed is measured by the script, never asserted here.
"""
import json
import os
import subprocess
import sys

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
