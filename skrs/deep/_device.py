"""Device set-up: GPU memory growth, logical CPU devices, distribution strategies,
and thread pools sized to the dask worker that runs a fit."""

import sys
import warnings

import tensorflow as tf


# Whether fits turn on GPU memory growth; configure_devices(memory_growth=False) clears it.
_GROW_GPU_MEMORY = [True]


def grow_gpu_memory_unless_configured():
    """Called by every fit: memory growth, unless ``configure_devices`` said otherwise."""
    if _GROW_GPU_MEMORY[0]:
        enable_memory_growth()


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
    _GROW_GPU_MEMORY[0] = bool(memory_growth)
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


def cpu_supports_bfloat16():
    """Whether this CPU has bfloat16 arithmetic (AVX512_BF16 or AMX), read from
    /proc/cpuinfo; False where that file does not exist."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return bool(flags & {"avx512_bf16", "amx_bf16"})
    except OSError:
        pass
    return False


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


def limit_threads_to_dask_worker():
    """On a dask worker, size TensorFlow's thread pools to the worker's threads.

    TensorFlow's pools belong to the process and default to one thread per
    core, so two single-threaded dask workers on a 2-core machine would each
    run 2-4 compute threads; threadpoolctl cannot limit them. Called at the
    start of every fit and predict; it only acts inside a dask worker, and only
    before TensorFlow has run anything there (later the pools are fixed, and a
    mismatch is reported once as a warning). Returns the worker's thread
    count, or None outside a worker.
    """
    if "distributed" not in sys.modules:
        return None
    from distributed import get_worker

    try:
        n_threads = get_worker().state.nthreads
    except ValueError:  # not in a worker
        return None
    pools = tf.config.threading
    for get, set_ in ((pools.get_intra_op_parallelism_threads,
                       pools.set_intra_op_parallelism_threads),
                      (pools.get_inter_op_parallelism_threads,
                       pools.set_inter_op_parallelism_threads)):
        if get() != n_threads:
            try:
                set_(n_threads)
            except RuntimeError:
                if not getattr(limit_threads_to_dask_worker, "_warned", False):
                    limit_threads_to_dask_worker._warned = True
                    warnings.warn(
                        f"TensorFlow already runs in this dask worker with {get()} threads; it "
                        f"cannot be limited to the worker's {n_threads} any more (start the "
                        "worker afresh)", RuntimeWarning, stacklevel=3)
    return n_threads
