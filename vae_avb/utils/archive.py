def starts_as_zip(path):
    """Whether the file ``path`` starts as a zip archive (an ``.npz``)
    does: anything else given to ``numpy.load`` is one ``.npy`` array or,
    with pickles allowed, a pickle.

    Raises:
        OSError: ``path`` cannot be read.
    """
    with open(path, 'rb') as f:
        return f.read(4) in (b'PK\x03\x04', b'PK\x05\x06')
