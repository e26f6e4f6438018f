#!/usr/bin/env python
"""Chainer's VAE example with three networks: the example's own, vae_avb's
(``vae_avb.net``, Chainer's LeCunNormal weights) and vae_avb's with Xavier
weights (the Links' default), each trained by
``examples/chainer_vae/train_vae.py`` with only its ``net`` import
changed.

Prints the test loss after every epoch (``validation/main/loss``, nats per
image, one z per image) and writes ``results/chainer_example_init.json``::

    python benchmarks/chainer_example_init.py --epoch 2
"""
import argparse
import functools
import json
import os
import sys
import types

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))

from tests.test_chainer_example import load_script  # NOQA: E402
from vae_avb import net  # NOQA: E402
from vae_avb.initializers import Xavier  # NOQA: E402


def xavier_net():
    """``vae_avb.net`` with Xavier weights, as a module named for the
    script's import line."""
    module = types.ModuleType('vae_avb_net_xavier')
    module.make_encoder = functools.partial(net.make_encoder,
                                            initialW=Xavier())
    module.make_decoder = functools.partial(net.make_decoder,
                                            initialW=Xavier())
    module.make_prior = net.make_prior
    module.AvgELBOLoss = net.AvgELBOLoss
    sys.modules[module.__name__] = module
    return module.__name__


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--epoch', type=int, default=2)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', default='results/chainer_example_init')
    args = parser.parse_args(argv)
    results = {}
    for label, module in (('Chainer example net (LeCunNormal)', 'baselines'),
                          ('vae_avb.net (LeCunNormal)', 'vae_avb.net'),
                          ('vae_avb.net with Xavier', xavier_net())):
        out = os.path.join(args.out, module)
        load_script(module).main(['--epoch', str(args.epoch), '--seed',
                                  str(args.seed), '--out', out])
        with open(os.path.join(out, 'log')) as f:
            log = json.load(f)
        results[label] = [entry['validation/main/loss'] for entry in log]
    print('test loss (nats) after each epoch, seed {}:'.format(args.seed))
    for label, losses in results.items():
        print('  {:36s} {}'.format(label, '  '.join(
            '{:.2f}'.format(v) for v in losses)))
    with open(args.out + '.json', 'w') as f:
        json.dump(results, f, indent=1)


if __name__ == '__main__':
    main()
