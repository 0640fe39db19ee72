"""Device set-up: GPU memory growth, logical CPU devices, distribution strategies."""

import tensorflow as tf


def enable_memory_growth():
    """Let TensorFlow allocate GPU memory as needed instead of all of it.

    Safe to call any number of times; GPUs already initialised (a tensor was
    placed on them) keep their setting. Returns the physical GPUs.
    """
    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # runtime already initialised: nothing left to change
            pass
    return gpus


def configure_devices(logical_cpus=None, memory_growth=True):
    """Configure devices before TensorFlow's runtime starts.

    Parameters
    ----------
    logical_cpus : int, default=None
        Split the CPU into this many logical devices, so that
        ``distribute="mirrored"`` can be exercised (or used) without GPUs.
    memory_growth : bool, default=True
        Allocate GPU memory on demand (never grab a whole GPU).

    Raises
    ------
    RuntimeError
        If the runtime is already initialised (call this first thing).

    Examples
    --------
    >>> from skrs.deep import configure_devices
    >>> configure_devices(memory_growth=True)  # doctest: +SKIP
    """
    if memory_growth:
        enable_memory_growth()
    if logical_cpus is not None:
        cpu = tf.config.list_physical_devices("CPU")[0]
        try:
            tf.config.set_logical_device_configuration(
                cpu, [tf.config.LogicalDeviceConfiguration()] * int(logical_cpus))
        except RuntimeError as exc:
            raise RuntimeError(
                "configure_devices(logical_cpus=...) must run before TensorFlow "
                "executes anything in this process (start a fresh process)") from exc


def get_strategy(distribute):
    """Return the tf.distribute strategy named by an estimator's ``distribute``.

    ``None`` gives TensorFlow's default (one device: the first GPU if any);
    ``"mirrored"`` replicates the model on every visible GPU, or on every
    logical CPU device where there is no GPU.
    """
    if distribute is None:
        return tf.distribute.get_strategy()
    if distribute == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        devices = gpus or tf.config.list_logical_devices("CPU")
        return tf.distribute.MirroredStrategy([d.name for d in devices])
    if isinstance(distribute, tf.distribute.Strategy):
        return distribute
    raise ValueError(
        f"distribute must be None, 'mirrored' or a tf.distribute.Strategy; got {distribute!r}")
