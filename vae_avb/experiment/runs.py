"""Run folders: the method a run was made with, and its trained model."""
import os

from vae_avb.experiment.errors import UsageError
from vae_avb.experiment.files import read_json
from vae_avb.experiment.files import write_json
from vae_avb.experiment.output import newest_snapshot
from vae_avb.methods import config_from_dict
from vae_avb.methods import config_from_train_avb_args
from vae_avb.methods import make_method
from vae_avb.training import SnapshotError

METHOD_FILE = 'method.json'
ARGS_FILE = 'args.json'


def write_run(out, method, args):
    """Writes ``<out>/method.json`` (the configuration the model is
    rebuilt from) and ``<out>/args.json`` (every flag of the run, for the
    record)."""
    write_json(os.path.join(out, METHOD_FILE), method.config.to_dict())
    write_json(os.path.join(out, ARGS_FILE), {
        key: value for key, value in vars(args).items()
        if key not in ('device', 'config')})


def read_run_args(folder):
    """The flags of a finished run (its ``args.json``)."""
    return read_json(os.path.join(folder, ARGS_FILE),
                     'pass the --out folder of a finished training run')


def read_method(folder):
    """The method of a run folder: from its ``method.json``, or, for a
    ``train_avb.py`` run made before that file existed, from its
    ``args.json`` (:func:`~vae_avb.methods.config_from_train_avb_args`).

    Raises:
        UsageError: One line naming the file and the problem.
    """
    path = os.path.join(folder, METHOD_FILE)
    if os.path.lexists(path):
        convert = config_from_dict
    else:
        path = os.path.join(folder, ARGS_FILE)
        if not os.path.lexists(path):
            raise UsageError('{} has neither {} nor {}; pass the --out '
                             'folder of a finished training run'.format(
                                 folder, METHOD_FILE, ARGS_FILE))
        convert = config_from_train_avb_args
    value = read_json(path, 'pass the --out folder of a finished training '
                      'run')
    try:
        return make_method(convert(value))
    except (TypeError, ValueError) as e:
        raise UsageError('{} cannot be read as a method configuration ({}); '
                         'was it written by another version?'.format(path, e))


def load_run(folder, device):
    """``(method, model)`` of a finished run, its weights loaded (without
    unpickling) and sent to ``device``.

    Raises:
        UsageError: The folder is not a finished run, or its files are
            missing, corrupt or do not match its configuration.
    """
    if not os.path.isdir(folder):
        raise UsageError('{} is not a folder; pass the --out folder of a '
                         'finished training run'.format(folder))
    method = read_method(folder)
    if not os.path.lexists(os.path.join(folder, 'model.npz')):
        raise UsageError('{} has no model.npz; is the run finished?'.format(
            folder))
    model = method.build()
    try:
        method.load(model, folder, newest_snapshot(folder))
    except SnapshotError as e:
        raise UsageError(str(e))
    model.to_device(device)
    return method, model
