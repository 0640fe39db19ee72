"""Connecting to a dask cluster: a scheduler address, or an in-process LocalCluster."""

import contextlib
import logging
import os

_ENVIRON = "distributed.nanny.pre-spawn-environ"


@contextlib.contextmanager
def _dask_scheduler(client):
    """Make ``client`` the scheduler of dask collections computed in the block: dask's
    "distributed" scheduler, with ``client`` as the current client (a context variable).
    The client object itself stays out of ``dask.config``, which new local clusters
    pickle for their worker processes."""
    import dask

    with dask.config.set(scheduler="dask.distributed"), client.as_current():
        yield


@contextlib.contextmanager
def connect(scheduler=None, *, n_workers=None, threads_per_worker=1, timeout=10):
    """Yield a dask ``Client``: to ``scheduler``, or to a new local cluster.

    Inside the block the client is dask's scheduler (the "distributed"
    scheduler with this client as the current one, both restored after), so
    dask arrays computed there, such as a lazy map, run on the cluster's
    workers rather than on local threads.

    Parameters
    ----------
    scheduler : str or distributed.Client, default=None
        A client to reuse, or a scheduler address such as
        ``"tcp://10.0.0.5:8786"``. ``None`` reads ``DASK_SCHEDULER_ADDRESS``
        (dask's ``scheduler-address`` setting) and, when that is unset too,
        starts an in-process ``LocalCluster`` that lives as long as the block.
    n_workers, threads_per_worker : int
        Size of the local cluster (default: one single-threaded worker
        process per core, so LIBSVM and TensorFlow fits do not fight for
        cores).
    timeout : float, default=10
        Seconds to wait for the scheduler before giving up.

    Raises
    ------
    ConnectionError
        If no scheduler answers at the address within ``timeout`` seconds.
    """
    import dask
    from distributed import Client, LocalCluster

    if isinstance(scheduler, Client):
        with _dask_scheduler(scheduler):
            yield scheduler
        return
    address = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or dask.config.get(
        "scheduler-address", None)
    if address:
        try:
            client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ConnectionError(
                f"no dask scheduler answered at {address!r} within {timeout:g} s; start one "
                "with `dask scheduler` (and workers with `dask worker ADDRESS`), check the "
                "address and port, or leave the address out to run on a local cluster"
            ) from exc
        with client, _dask_scheduler(client):
            yield client
        return
    # dask makes glibc return freed memory to the OS at once (a 64 KiB trim
    # threshold); that costs LIBSVM fits about 10% here, so workers of the
    # local cluster keep glibc's default.
    with dask.config.set({f"{_ENVIRON}.MALLOC_TRIM_THRESHOLD_": None}), \
            LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker,
                         processes=True, dashboard_address=None, host="127.0.0.1",
                         # no dashboard; distributed's scheduler still serves its HTTP
                         # health routes, here on a random port of the loopback interface
                         scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                         silence_logs=logging.ERROR) as cluster, \
            Client(cluster, set_as_default=False) as client, _dask_scheduler(client):
        yield client



def has_gpu_workers(client):
    """Whether any worker of the cluster declares a ``GPU`` resource."""
    workers = client.scheduler_info(n_workers=-1)["workers"].values()
    return any(w.get("resources", {}).get("GPU", 0) > 0 for w in workers)
