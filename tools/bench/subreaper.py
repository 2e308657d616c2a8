"""Runs a command as its "child subreaper" (prctl PR_SET_CHILD_SUBREAPER), for the bench's
forking peer, vsftpd: a vsftpd session process can outlive its parent, and an orphan is
normally reaped by init, taking its CPU time with it. Here orphans are reparented to this
process and reaped by it, so their CPU lands in this process's cutime/cstime, where the bench
reads it. This process itself only waits; the bench leaves it out of the memory sums.

usage: subreaper.py COMMAND [ARG...]
"""

import ctypes
import os
import signal
import sys

PR_SET_CHILD_SUBREAPER = 36


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print("subreaper: prctl failed, orphans' CPU time will be lost", file=sys.stderr, flush=True)
    child = os.fork()
    if child == 0:
        os.execvp(sys.argv[1], sys.argv[1:])
    # The bench stops the whole process group; pass a signal sent to this process alone on.
    def forward(signum, _frame):
        try:
            os.kill(child, signum)
        except ProcessLookupError:
            pass

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, forward)
    code = 0
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        if pid == child:
            code = os.waitstatus_to_exitcode(status)
    sys.exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    main()
