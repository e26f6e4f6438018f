"""Settings kept in snapshots: a resume under other settings is refused,
and settings added later read as what older runs did."""
import json

import numpy
import pytest

from chainer import serializers

from vae_avb.experiment.trainer import neutral_flags_dropped
from vae_avb.methods.networks import networks_from_dict
from vae_avb.methods import ConvNetworks
from vae_avb.methods import MLPNetworks
from vae_avb.training import RunFlags
from vae_avb.training.run_flags import FlagsChangedError


def resume(stored, current, normalize=neutral_flags_dropped):
    """Writes ``stored`` as a snapshot's settings, loads it under
    ``current``."""
    writer = serializers.DictionarySerializer()
    RunFlags(stored).serialize(writer)
    reader = serializers.NpzDeserializer(
        {key: numpy.asarray(value) for key, value in writer.target.items()})
    RunFlags(current, normalize=normalize).serialize(reader)


# A train_avb.py run written before --adversary-heads and
# --adversary-activation, and a four_points run that kept its decay flags
# at --decay-start 1.
OLD_AVB = {'dim_z': 8, 'lr': 3e-4}
OLD_FOUR = {'method': 'vae', 'decay_start': 1.0, 'decay_ratio': 0.1}


def test_older_runs_resume_under_the_new_flags():
    resume(OLD_AVB, dict(OLD_AVB, adversary_heads=0,
                         adversary_activation='relu', conv_padding='same'))
    resume(OLD_FOUR, {'method': 'vae', 'decay_start': 1.0,
                      'decay_ratio': 0.5})
    resume(OLD_FOUR, {'method': 'vae'})
    resume({'method': 'vae'}, OLD_FOUR)


@pytest.mark.parametrize('current, message', [
    (dict(OLD_AVB, adversary_heads=64),
     'trained with --adversary-heads (default), this run has '
     '--adversary-heads 64'),
    (dict(OLD_AVB, adversary_activation='leaky_relu'),
     '--adversary-activation "leaky_relu"'),
    (dict(OLD_AVB, conv_padding='tf_same'),
     'trained with --conv-padding (default), this run has --conv-padding '
     '"tf_same"'),
    (dict(OLD_AVB, lr=1e-3), '--lr 0.0003, this run has --lr 0.001')])
def test_changed_settings_are_still_refused(current, message):
    with pytest.raises(FlagsChangedError, match=message.replace(
            '(', r'\(').replace(')', r'\)')):
        resume(OLD_AVB, current)


def test_a_real_decay_is_compared():
    with pytest.raises(
            FlagsChangedError,
            match=r'--decay-start 0.5, .*--decay-start \(default\)'):
        resume({'decay_start': 0.5, 'decay_ratio': 0.1}, {'decay_start': 1})
    with pytest.raises(FlagsChangedError, match='--decay-ratio'):
        resume({'decay_start': 0.5, 'decay_ratio': 0.1},
               {'decay_start': 0.5, 'decay_ratio': 0.2})


def test_without_normalize_every_difference_counts():
    with pytest.raises(FlagsChangedError):
        resume(OLD_AVB, dict(OLD_AVB, adversary_heads=0), normalize=None)


@pytest.mark.parametrize('family, cls', [('mlp', MLPNetworks),
                                         ('conv', ConvNetworks)])
def test_older_method_json_reads_as_those_runs_were_built(family, cls):
    entry = json.loads(json.dumps(dict(
        cls().__dict__, family=family), default=list))
    for name in ('adversary_heads', 'output_scale', 'decoder_padding'):
        entry.pop(name, None)
    networks = networks_from_dict(entry)
    assert networks.adversary_heads == 0
    if family == 'conv':
        # Older conv runs left the code outputs Xavier and padded 'same'.
        assert networks.output_scale is None
        assert networks.decoder_padding == 'same'


@pytest.mark.parametrize('flags, error, message', [
    ({'decay_ratio': float('nan')}, ValueError, 'flags must hold JSON values'),
    ({'lr': float('inf')}, ValueError, 'flags must hold JSON values'),
    ({'x': object()}, ValueError, 'flags must hold JSON values'),
    ([1, 2], TypeError, 'flags must be a dict of settings, got list'),
    (None, TypeError, 'flags must be a dict of settings, got NoneType'),
    ('abc', TypeError, 'flags must be a dict of settings, got str'),
])
def test_settings_a_resume_could_not_compare_are_refused_when_built(
        flags, error, message):
    # NaN differs from itself: a run with it could never resume.
    with pytest.raises(error, match='^RunFlags: ' + message):
        RunFlags(flags)


def test_normalize_must_be_a_function():
    with pytest.raises(TypeError, match='normalize must be a function'):
        RunFlags({}, normalize='yes')
