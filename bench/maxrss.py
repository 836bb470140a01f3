"""Runs one command and writes its wall time, CPU times and peak resident
size as JSON, for bench/bench.py.

Usage: python3 -I -S bench/maxrss.py TIMEOUT_S RESULT_FILE COMMAND [ARG...]

The command inherits standard input, output and error. After TIMEOUT_S
seconds it is killed and "timed_out" is true. The exit status is the
command's (128 + N when a signal N ended it).

Why a process of its own: Linux starts the ru_maxrss of a new process at
the resident size of the one that forked it (the copied page tables count,
and exec keeps the figure), and ru_maxrss of RUSAGE_CHILDREN is the largest
over every child so far. The driver holds megabytes of event lines, which
would put a floor under every figure; this small process, started fresh
and importing next to nothing, forks from a few megabytes only. The driver
measures that floor by running `true` through it.
"""

import os
import signal
import sys
import time


def main(argv):
    if len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    timeout = float(argv[1])
    result_file = argv[2]
    command = argv[3:]
    state = {"pid": 0, "timed_out": False}

    def on_alarm(signum, frame):
        state["timed_out"] = True
        if state["pid"]:
            os.kill(state["pid"], signal.SIGKILL)

    def on_term(signum, frame):
        if state["pid"]:
            os.kill(state["pid"], signum)

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.execvp(command[0], command)
        except OSError as e:
            os.write(2, f"maxrss.py: cannot run {command[0]}: {e}\n".encode())
        os._exit(127)
    state["pid"] = pid
    signal.setitimer(signal.ITIMER_REAL, timeout)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    signal.setitimer(signal.ITIMER_REAL, 0)
    rc = os.waitstatus_to_exitcode(status)
    rc = 128 - rc if rc < 0 else rc
    with open(result_file, "w", encoding="utf-8") as f:
        f.write('{"rc": %d, "wall_s": %.6f, "user_s": %.6f, "sys_s": %.6f, '
                '"maxrss_kb": %d, "timed_out": %s}\n'
                % (rc, wall, ru.ru_utime, ru.ru_stime, ru.ru_maxrss,
                   "true" if state["timed_out"] else "false"))
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
