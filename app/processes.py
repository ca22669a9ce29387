"""Child processes that end with the process that started them: ingestion's workers
(app/ingest/runner.py) and the site's (app/web/workers.py, which also names them)."""

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG, PR_SET_NAME = 1, 15  # from <linux/prctl.h>


def _prctl(option: int, *args: object) -> None:
    """Linux's prctl; nothing elsewhere, or where it fails (best effort)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(option, *args)


def die_with_parent(parent_pid: int) -> None:
    """A worker blocked on its queue or its socket would outlive a parent killed without
    a chance to stop it (SIGKILL, SIGTERM). Linux kills it with the parent; elsewhere,
    and should prctl fail, a thread polls for the parent's exit. (Linux sends the signal
    when the parent *thread* that started the worker ends: start workers from a thread
    that outlives them.)"""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)
    threading.Thread(target=watch_parent, args=(parent_pid,), daemon=True).start()


def watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(1)
    os._exit(1)


def name_process(name: str) -> None:
    """The name `ps`, `top` and /proc/PID/comm show (Linux, 15 bytes): a server's
    processes all run the same Python command line otherwise."""
    _prctl(PR_SET_NAME, name.encode()[:15], 0, 0, 0)
