"""The one-line errors of the scripts and the runner that prints them."""
import os
import sys

from vae_avb.training import NonFiniteLossError


class UsageError(Exception):
    """Bad input: :func:`run_main` prints it on one line and exits 2."""


def run_main(main, argv):
    """Runs an example's ``main`` as a script.

    Bad input (:class:`UsageError`) exits 2 and a diverged run
    (:class:`~vae_avb.training.NonFiniteLossError`) exits 1, each with one
    line ``<script>: error: ...`` on stderr and no traceback; Ctrl-C exits
    130 with one line (the snapshots already written are kept).
    """
    prog = os.path.basename(sys.argv[0])
    try:
        return main(argv)
    except UsageError as e:
        print('{}: error: {}'.format(prog, e), file=sys.stderr)
        sys.exit(2)
    except NonFiniteLossError as e:
        print('{}: error: {}'.format(prog, e), file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print('{}: interrupted; the snapshots already written are kept '
              '(add --resume to continue)'.format(prog), file=sys.stderr)
        sys.exit(130)
