"""Make this interpreter look like Windows to kpi_workbook (put this folder on PYTHONPATH).

Removes what Windows lacks — ``os.fork``, ``os.pread``/``pwrite``, ``os.register_at_fork``,
the ``resource`` and ``fcntl`` modules, ``signal.setitimer``/``SIGALRM`` — and
makes ``spawn`` the default way to start processes.  Every process started from here
(pool workers, isolated readers) gets the same treatment, since they inherit PYTHONPATH.
``KPI_WORKBOOK_WINDOWS_EMULATION=1`` tells tests it is in force.
"""
import os
import signal
import sys

for _name in ("fork", "forkpty", "pread", "pwrite", "register_at_fork"):
    if hasattr(os, _name):
        delattr(os, _name)
for _name in ("setitimer", "getitimer", "SIGALRM", "ITIMER_REAL"):
    if hasattr(signal, _name):
        delattr(signal, _name)
# (termios stays: click's POSIX terminal code needs it where Windows uses msvcrt instead)
for _name in ("resource", "fcntl"):
    sys.modules[_name] = None  # import raises ImportError, as on Windows

import multiprocessing  # noqa: E402

multiprocessing.set_start_method("spawn", force=True)
os.environ["KPI_WORKBOOK_WINDOWS_EMULATION"] = "1"
