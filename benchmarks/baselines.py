"""Plain Chainer pipelines that the benchmark compares vae_avb against.

``AvgELBOLoss``, ``make_encoder``, ``make_decoder`` and ``make_prior`` are
the network of Chainer's own VAE example (``examples/vae/net.py``, v7.8.1),
written anew: ``L.Linear`` layers with Chainer's default initializer, an
encoder returning a ``chainer.distributions.Normal``, a decoder returning a
``Bernoulli``, a ``Prior`` link and the loss built from ``log_prob`` and
``chainer.kl_divergence``; ``tests/test_chainer_example.py`` swaps this
module for ``vae_avb.net`` in ``examples/chainer_vae/train_vae.py``.
``chainer_example_vae`` adds the example's ``SerialIterator``,
``StandardUpdater`` and Chainer's ``Adam``, at Chainer's default settings
(type checks on). ``plain_avb`` is a straightforward Chainer
implementation of the AVB updates (Algorithm 1) with ``L.Linear`` layers
and Chainer's functions.
"""
import numpy

import chainer
import chainer.distributions as D
import chainer.functions as F
import chainer.links as L
from chainer import training


class AvgELBOLoss(chainer.Chain):

    def __init__(self, encoder, decoder, prior, beta=1.0, k=1):
        super(AvgELBOLoss, self).__init__()
        self.beta = beta
        self.k = k
        with self.init_scope():
            self.encoder = encoder
            self.decoder = decoder
            self.prior = prior

    def forward(self, x):
        q_z = self.encoder(x)
        z = q_z.sample(self.k)
        p_x = self.decoder(z)
        p_z = self.prior()
        x_k = F.broadcast_to(x[None], (self.k,) + x.shape)
        reconstr = F.mean(p_x.log_prob(x_k))
        kl_penalty = F.mean(chainer.kl_divergence(q_z, p_z))
        loss = -(reconstr - self.beta * kl_penalty)
        chainer.report({'loss': loss, 'reconstr': reconstr,
                        'kl_penalty': kl_penalty}, self)
        return loss


class Encoder(chainer.Chain):

    def __init__(self, n_in, n_latent, n_h):
        super(Encoder, self).__init__()
        with self.init_scope():
            self.linear = L.Linear(n_in, n_h)
            self.mu = L.Linear(n_h, n_latent)
            self.ln_sigma = L.Linear(n_h, n_latent)

    def forward(self, x):
        h = F.tanh(self.linear(x))
        return D.Independent(D.Normal(loc=self.mu(h),
                                      log_scale=self.ln_sigma(h)))


class Decoder(chainer.Chain):

    def __init__(self, n_in, n_latent, n_h, binary_check=False):
        super(Decoder, self).__init__()
        self.binary_check = binary_check
        with self.init_scope():
            self.linear = L.Linear(n_latent, n_h)
            self.output = L.Linear(n_h, n_in)

    def forward(self, z, inference=False):
        axes = 1 if inference else 2
        h = F.tanh(self.linear(z, n_batch_axes=axes))
        logit = self.output(h, n_batch_axes=axes)
        return D.Independent(
            D.Bernoulli(logit=logit, binary_check=self.binary_check),
            reinterpreted_batch_ndims=1)


class Prior(chainer.Link):

    def __init__(self, n_latent):
        super(Prior, self).__init__()
        self.loc = numpy.zeros(n_latent, numpy.float32)
        self.scale = numpy.ones(n_latent, numpy.float32)
        self.register_persistent('loc')
        self.register_persistent('scale')

    def forward(self):
        return D.Independent(D.Normal(self.loc, scale=self.scale),
                             reinterpreted_batch_ndims=1)


def make_encoder(n_in, n_latent, n_h):
    return Encoder(n_in, n_latent, n_h)


def make_decoder(n_in, n_latent, n_h, binary_check=False):
    return Decoder(n_in, n_latent, n_h, binary_check=binary_check)


def make_prior(n_latent):
    return Prior(n_latent)


def chainer_example_vae(train, batch_size, n_latent=20, n_h=500,
                        device=None):
    """The example's updater: model, SerialIterator, Adam(1e-3)."""
    n_in = train.shape[1]
    return plain_updater(AvgELBOLoss(make_encoder(n_in, n_latent, n_h),
                                     make_decoder(n_in, n_latent, n_h),
                                     make_prior(n_latent)),
                         train, batch_size, device)


def plain_updater(loss, train, batch_size, device):
    """Chainer's Adam(1e-3) on ``loss``, a SerialIterator, the standard
    updater: what Chainer's examples train with."""
    loss.to_device(device)
    optimizer = chainer.optimizers.Adam(1e-3)
    optimizer.setup(loss)
    iterator = chainer.iterators.SerialIterator(train, batch_size)
    return training.updaters.StandardUpdater(
        iterator, optimizer, device=device)


class PlainMLP(chainer.ChainList):

    def __init__(self, sizes, activation):
        super(PlainMLP, self).__init__(
            *[L.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])])
        self.activation = activation

    def forward(self, h):
        for i, layer in enumerate(self):
            h = layer(h)
            if i < len(self) - 1:
                h = self.activation(h)
        return h


class PlainAVB(chainer.Chain):

    """Encoder z(x, eps), decoder and adversary T = <g(x), h(z)> / n."""

    def __init__(self, n_in, n_latent, n_noise, n_h, n_layers, n_adv,
                 encoder_activation, decoder_activation):
        super(PlainAVB, self).__init__()
        self.n_noise = n_noise
        self.n_adv = n_adv
        with self.init_scope():
            self.encoder = PlainMLP(
                [n_in + n_noise] + [n_h] * n_layers + [n_latent],
                encoder_activation)
            self.decoder = PlainMLP(
                [n_latent] + [n_h] * n_layers + [n_in], decoder_activation)
        adversary = chainer.Chain()
        with adversary.init_scope():
            adversary.x_tower = PlainMLP([n_in, n_adv, n_adv], F.relu)
            adversary.z_tower = PlainMLP([n_latent, n_adv, n_adv], F.relu)
        self.adversary = adversary  # owned by its own optimizer

    def encode(self, x):
        eps = self.xp.random.standard_normal(
            (len(x), self.n_noise)).astype(x.dtype)
        return self.encoder(F.concat((2 * x - 1, eps), axis=1))

    def t(self, x, z):
        adv = self.adversary
        return F.sum(adv.x_tower(2 * x - 1) * adv.z_tower(z),
                     axis=1) / self.n_adv


class PlainAVBUpdater(training.updaters.StandardUpdater):

    """Algorithm 1 with Chainer's functions: adversary steps, then one
    encoder/decoder step, on the same batch."""

    def __init__(self, iterator, model, optimizers, n_adversary_steps,
                 device=None):
        super(PlainAVBUpdater, self).__init__(iterator, optimizers,
                                              device=device)
        self.model = model
        self.n_adversary_steps = n_adversary_steps

    def adversary_loss(self, x):
        model = self.model
        with chainer.no_backprop_mode():
            z_q = model.encode(x).array
        z_p = model.xp.random.standard_normal(z_q.shape).astype(z_q.dtype)
        logits = model.t(F.concat((x, x), axis=0),
                         F.concat((z_q, z_p), axis=0))
        labels = model.xp.concatenate(
            (model.xp.ones(len(x), numpy.int32),
             model.xp.zeros(len(x), numpy.int32)))
        loss = 2 * F.sigmoid_cross_entropy(logits, labels)
        chainer.report({'loss': loss}, model.adversary)
        return loss

    def main_loss(self, x):
        model = self.model
        z = model.encode(x)
        reconstruction = F.bernoulli_nll(x, model.decoder(z)) / len(x)
        loss = reconstruction + F.mean(model.t(x, z))
        chainer.report({'loss': loss}, model)
        return loss

    def update_core(self):
        batch = self.get_iterator('main').next()
        x = self.converter(batch, self.device)
        adversary = self.get_optimizer('adversary')
        for _ in range(self.n_adversary_steps):
            adversary.update(self.adversary_loss, x)
        self.get_optimizer('main').update(self.main_loss, x)


def plain_avb(train, batch_size, config, device=None):
    """A straightforward Chainer AVB updater for ``config`` (a dict)."""
    model = PlainAVB(train.shape[1], config['n_latent'], config['n_noise'],
                     config['n_hidden'], config['n_layers'],
                     config['n_adversary_hidden'],
                     getattr(F, config['encoder_activation']),
                     getattr(F, config['decoder_activation']))
    model.to_device(device)
    model.adversary.to_device(device)
    optimizers = {
        'main': chainer.optimizers.Adam(config['lr'], beta1=0.5),
        'adversary': chainer.optimizers.Adam(config['adversary_lr'],
                                             beta1=0.5)}
    optimizers['main'].setup(model)
    optimizers['adversary'].setup(model.adversary)
    iterator = chainer.iterators.SerialIterator(train, batch_size)
    return PlainAVBUpdater(iterator, model, optimizers,
                           config['adversary_steps'], device=device)


class PlainConvVAE(chainer.Chain):

    """The seeds' conv VAE (TensorFlow's tutorial) in plain Chainer:
    conv 32 and 64 (3 x 3, stride 2, no padding, ReLU), linear heads for
    the mean and the log variance; dense to 32 x 7 x 7 (ReLU), transposed
    conv 64 and 32 (stride 2, ReLU) and 1 (stride 1), logits. Chainer's
    default initializer, ``F.gaussian``, ``F.bernoulli_nll`` and
    ``F.gaussian_kl_divergence``."""

    def __init__(self, n_latent=50):
        super(PlainConvVAE, self).__init__()
        with self.init_scope():
            self.conv1 = L.Convolution2D(1, 32, 3, 2)
            self.conv2 = L.Convolution2D(32, 64, 3, 2)
            self.mu = L.Linear(64 * 6 * 6, n_latent)
            self.ln_var = L.Linear(64 * 6 * 6, n_latent)
            self.dense = L.Linear(n_latent, 32 * 7 * 7)
            self.deconv1 = L.Deconvolution2D(32, 64, 3, 2, 1, outsize=(14, 14))
            self.deconv2 = L.Deconvolution2D(64, 32, 3, 2, 1, outsize=(28, 28))
            self.deconv3 = L.Deconvolution2D(32, 1, 3, 1, 1, outsize=(28, 28))

    def forward(self, x):
        batch = x.shape[0]
        h = F.relu(self.conv1(F.reshape(x, (batch, 1, 28, 28))))
        h = F.relu(self.conv2(h))
        mu, ln_var = self.mu(h), self.ln_var(h)
        z = F.gaussian(mu, ln_var)
        h = F.reshape(F.relu(self.dense(z)), (batch, 32, 7, 7))
        h = F.relu(self.deconv1(h))
        h = F.relu(self.deconv2(h))
        logits = F.reshape(self.deconv3(h), (batch, 784))
        loss = (F.bernoulli_nll(x, logits) +
                F.gaussian_kl_divergence(mu, ln_var)) / batch
        chainer.report({'loss': loss}, self)
        return loss


def plain_conv_vae(train, batch_size, n_latent=50, device=None):
    """The plain conv VAE's updater: SerialIterator, Chainer's Adam."""
    return plain_updater(PlainConvVAE(n_latent), train, batch_size, device)
