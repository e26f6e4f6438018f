"""One-line errors for arguments that were removed, naming the
replacement."""

# The replacement of the removed ``fused=`` arguments (2026-12-05).
FUSED_REMOVED = ("the path is chosen by chainer.config.vae_avb_fused: run "
                 "under 'with vae_avb.functions.reference_path():' where "
                 "fused=False was given")
# The replacement of the removed ``frozen=`` arguments.
FROZEN_REMOVED = 'call the link\'s constant(...) method instead of frozen=True'


def refuse_removed(where, name, value, replacement):
    """Raises ``TypeError`` when a removed argument is given (``value``
    not ``None``)."""
    if value is not None:
        raise TypeError('{}: the argument {}= was removed; {}'.format(
            where, name, replacement))
