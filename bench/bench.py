#!/usr/bin/env python3
"""Benchmark driver of dndtrack against kcat on the local Kafka broker.

bench/run.sh builds dndtrack, makes sure a broker answers and runs this.
It measures, on a real broker on loopback:

  1. a source topic of N simulated events (dndtrack produce), exported as
     "key TAB value" lines for kcat;
  2. consumer throughput: dndtrack consume -e against kcat -C -e, alternated;
  3. producer throughput: dndtrack produce against kcat -P -l, alternated;
  4. the delay from a send to the figure on the dashboard's stream, at
     1,000 events/s, with VIZ_REFRESH_MESSAGES at 1 and at 5;
  5. peak resident memory of dndtrack consume -e over the same number of
     events spread over 10, 1,000 and 100,000 players, and the bytes per
     player from the slope;
  6. CPU seconds per million events of both consumers, from step 2.

It prints a table against the targets and writes every figure as JSON.
Figures are never judged by the exit status: it is 0 when every step ran
and 1 when one could not (2 for a bad option).
"""

import argparse
import datetime
import hashlib
import http.client
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CREATE_TOPIC = os.path.join(ROOT, "kafka", "create-topic.sh")
MAXRSS = os.path.join(ROOT, "bench", "maxrss.py")

# The targets the table marks as met or missed.
TARGET_RATIO = 0.85
TARGET_P99_MS = 100.0
TARGET_BYTES_PER_PLAYER = 2048

# Settings that dndtrack reads from the environment or a .env file; the
# children get none of the caller's, so that only the options count.
DND_KEYS = ("KAFKA_BROKER_ADDRESS", "DND_TOPIC", "MESSAGE_INTERVAL_SECONDS",
            "DND_CONSUMER_GROUP_ID", "TRACKED_PLAYERS",
            "VIZ_REFRESH_MESSAGES", "DASHBOARD_ADDRESS", "DND_STATE_DIR")

# The producer settings of dndtrack produce, given to kcat -P as well.
PRODUCER_PROPS = ["-X", "enable.idempotence=true", "-X",
                  "compression.type=lz4", "-X", "linger.ms=5"]

SSE_DATA = re.compile(rb'^data: \{"messages":(\d+)')

# kcat 1.7 reads its input with fread() in blocks of this many bytes, so a
# line is sent only once the bytes after it have come. Step 4 pads every
# line to a multiple of it with JSON whitespace, so that each is sent as
# soon as it is written.
KCAT_READ_BLOCK = 1024


class StepError(Exception):
    """A step could not run; its message says why."""


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def is_loopback(host):
    return host == "localhost" or host.startswith("127.") or host == "[::1]"


class Measured:
    """Wall time, CPU times and peak resident size of one process."""

    def __init__(self, rc, wall, user, sys_, maxrss_kb):
        self.rc, self.wall, self.user, self.sys = rc, wall, user, sys_
        self.maxrss_kb = maxrss_kb

    @property
    def cpu(self):
        return self.user + self.sys

    def as_dict(self):
        return {"rc": self.rc, "wall_s": round(self.wall, 4),
                "user_s": round(self.user, 4), "sys_s": round(self.sys, 4),
                "maxrss_kb": self.maxrss_kb}


def run_measured(cmd, timeout, env=None, cwd=None, stdin=None,
                 stdout=None, stderr=None):
    """Runs cmd to its end through bench/maxrss.py, which reports the
    rusage of that one process from wait4() (see there why)."""
    fd, result = tempfile.mkstemp(prefix="rusage-", suffix=".json")
    os.close(fd)
    helper = [sys.executable, "-I", "-S", MAXRSS, str(timeout), result]
    try:
        proc = subprocess.Popen(helper + list(cmd), env=env, cwd=cwd,
                                stdin=stdin or subprocess.DEVNULL,
                                stdout=stdout or subprocess.DEVNULL,
                                stderr=stderr)
        try:
            proc.wait(timeout + 60)
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.wait(30)
            raise StepError(f"the measuring helper hung: {cmd[0]}")
        with open(result, encoding="utf-8") as f:
            got = json.load(f)
    except (OSError, ValueError) as e:
        raise StepError(f"could not measure {cmd[0]}: {e}") from e
    finally:
        os.unlink(result)
    if got["timed_out"]:
        raise StepError(f"{os.path.basename(cmd[0])} ran over {timeout:.0f} s"
                        f" and was killed: {' '.join(cmd[:6])} ...")
    return Measured(got["rc"], got["wall_s"], got["user_s"], got["sys_s"],
                    got["maxrss_kb"])


def tail(path, lines=5):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return " | ".join(f.read().splitlines()[-lines:])
    except OSError:
        return ""


def median(values):
    return statistics.median(values) if values else None


def percentile(values, q):
    """The q-th percentile (0..100) by the nearest rank."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def ratio(a, b):
    return a / b if a is not None and b else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Bench:
    """One run of every step, with the figures gathered in self.result."""

    def __init__(self, args):
        self.args = args
        self.broker = args.broker
        self.work = tempfile.mkdtemp(prefix="dndtrack-bench-")
        # A private copy, so that a rebuild during the run changes nothing.
        self.dndtrack = os.path.join(self.work, "dndtrack")
        shutil.copy2(args.dndtrack, self.dndtrack)
        self.n = args.events
        self.runs = args.runs
        self.seed = args.seed
        self.stamp = datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y%m%dT%H%M%SZ")
        self.prefix = f"bench-{self.stamp.lower()}-{os.getpid()}"
        self.topics = []
        self.groups = 0
        self.lines_file = os.path.join(self.work, "events.tsv")
        self.result = {
            "format": 1,
            "started": self.stamp,
            "params": {
                "events": self.n, "runs": self.runs, "seed": self.seed,
                "quick": args.quick, "broker": self.broker, "partitions": 6,
                "latency_rate": args.latency_rate,
                "latency_seconds": args.latency_seconds,
                "memory_players": args.players,
                "memory_events": 10 * max(args.players),
            },
            "host": self.host_info(),
            "metrics": {},
            "errors": [],
        }
        self.metrics = self.result["metrics"]

    # ---- helpers ------------------------------------------------------

    def host_info(self):
        def out(cmd):
            try:
                return subprocess.run(cmd, capture_output=True, text=True,
                                      timeout=20).stdout.strip()
            except (OSError, subprocess.SubprocessError):
                return None
        kcat = out(["kcat", "-V"]) or ""
        kcat_line = next((ln for ln in kcat.splitlines()
                          if ln.startswith("Version")), None)
        with open(self.dndtrack, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        changed = out(["git", "-C", ROOT, "status", "--porcelain", "--",
                       "src", "Makefile"])
        return {"cpus": os.cpu_count(), "kernel": platform.release(),
                "python": platform.python_version(),
                "dndtrack": out([self.dndtrack, "version"]),
                "dndtrack_sha256": digest,
                "git_commit": out(["git", "-C", ROOT, "rev-parse", "HEAD"]),
                "src_changed_since_commit": bool(changed),
                "kcat": kcat_line,
                "loadavg_start": list(os.getloadavg()),
                "rss_floor_kb": run_measured(["true"], 30).maxrss_kb}

    def child_env(self, **extra):
        env = {k: v for k, v in os.environ.items() if k not in DND_KEYS}
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def new_topic(self, role):
        topic = f"{self.prefix}-{role}"
        self.topics.append(topic)
        proc = subprocess.run([CREATE_TOPIC, "--broker", self.broker,
                               "--partitions", "6", topic],
                              capture_output=True, text=True, timeout=180)
        if proc.returncode != 0:
            raise StepError(f"could not create topic {topic}: "
                            f"{proc.stderr.strip()[-400:]}")
        return topic

    def new_group(self):
        self.groups += 1
        return f"{self.prefix}-g{self.groups}"

    def new_state_dir(self):
        return tempfile.mkdtemp(prefix="state-", dir=self.work)

    def end_offsets(self, topic):
        """The sum of the topic's end offsets: the messages it holds."""
        cmd = ["kcat", "-b", self.broker, "-Q"]
        for p in range(6):
            cmd += ["-t", f"{topic}:{p}:-1"]
        proc = subprocess.run(cmd, capture_output=True, text=True,
                              timeout=60)
        found = re.findall(r"\[(\d+)\] offset (-?\d+)", proc.stdout)
        if proc.returncode != 0 or len(found) != 6:
            raise StepError(f"cannot read the end offsets of {topic}: "
                            f"{proc.stderr.strip()[-300:]}")
        return sum(int(off) for _, off in found)

    def expect_count(self, topic, want, who):
        got = self.end_offsets(topic)
        if got != want:
            raise StepError(f"{who} left {got} messages in {topic}, "
                            f"not {want}")

    def timeout_for(self, count):
        """Seconds any one client may take for count events."""
        return 120 + count / 2000

    def produce_dndtrack(self, topic, count):
        errf = os.path.join(self.work, "produce.err")
        with open(errf, "w") as err:
            m = run_measured([self.dndtrack, "produce", "-q", "-b",
                              self.broker, "-t", topic, "--rate", "max",
                              "--count", str(count), "--seed",
                              str(self.seed)], self.timeout_for(count),
                             env=self.child_env(), cwd=self.work,
                             stderr=err)
        if m.rc != 0:
            raise StepError(f"dndtrack produce exited {m.rc}: {tail(errf)}")
        return m

    def produce_kcat(self, topic, path, count, extra=()):
        errf = os.path.join(self.work, "kcat-produce.err")
        with open(errf, "w") as err:
            m = run_measured(["kcat", "-b", self.broker, "-P", "-t", topic,
                              "-K", "\t", *extra, "-l", path],
                             self.timeout_for(count), stderr=err)
        if m.rc != 0:
            raise StepError(f"kcat -P exited {m.rc}: {tail(errf)}")
        return m

    def consume_dndtrack(self, topic, count, out_path=None):
        """dndtrack consume -e in a fresh group with a fresh state dir;
        returns the measure and the messages it counted."""
        errf = os.path.join(self.work, "consume.err")
        out_path = out_path or os.path.join(self.work, "consume.json")
        state = self.new_state_dir()
        with open(out_path, "wb") as out, open(errf, "w") as err:
            m = run_measured([self.dndtrack, "consume", "-e", "-q", "-b",
                              self.broker, "-t", topic, "-G",
                              self.new_group(), "--dashboard", "off"],
                             self.timeout_for(count),
                             env=self.child_env(DND_STATE_DIR=state),
                             cwd=self.work, stdout=out, stderr=err)
        shutil.rmtree(state, ignore_errors=True)
        if m.rc != 0:
            raise StepError(f"dndtrack consume exited {m.rc}: {tail(errf)}")
        with open(out_path, "rb") as f:
            head = f.read(4096)
        os.unlink(out_path)
        found = re.search(rb'"messages"\s*:\s*(\d+)', head)
        if not found:
            raise StepError("dndtrack consume printed no message count")
        return m, int(found.group(1))

    def consume_kcat(self, topic, count):
        errf = os.path.join(self.work, "kcat-consume.err")
        with open(errf, "w") as err:
            m = run_measured(["kcat", "-b", self.broker, "-C", "-e", "-q",
                              "-o", "beginning", "-t", topic],
                             self.timeout_for(count), stderr=err)
        if m.rc != 0:
            raise StepError(f"kcat -C exited {m.rc}: {tail(errf)}")
        return m

    # ---- the steps ----------------------------------------------------

    def step_source(self):
        """1: N simulated events in a fresh topic, and as lines in a file."""
        topic = self.new_topic("source")
        m = self.produce_dndtrack(topic, self.n)
        self.expect_count(topic, self.n, "dndtrack produce")
        errf = os.path.join(self.work, "export.err")
        with open(self.lines_file, "wb") as out, open(errf, "w") as err:
            e = run_measured(["kcat", "-b", self.broker, "-C", "-e", "-q",
                              "-o", "beginning", "-t", topic, "-f",
                              "%k\\t%s\\n"], self.timeout_for(self.n),
                             stdout=out, stderr=err)
        if e.rc != 0:
            raise StepError(f"kcat could not export {topic}: {tail(errf)}")
        with open(self.lines_file, "rb") as f:
            lines = sum(1 for _ in f)
        if lines != self.n:
            raise StepError(f"exported {lines} lines, not {self.n}")
        self.source = topic
        self.result["source"] = {"topic": topic, "produce": m.as_dict(),
                                 "bytes": os.path.getsize(self.lines_file)}
        log(f"source: {self.n} events in {topic} ({m.wall:.1f} s)")

    def step_consumer(self):
        """2 and 6: dndtrack consume -e against kcat -C -e, alternated."""
        self.consume_kcat(self.source, self.n)  # warms the broker's cache
        startup, _ = self.consume_dndtrack(self.new_topic("empty"), 0)
        runs = {"dndtrack": [], "kcat": []}
        for i in range(self.runs):
            m, seen = self.consume_dndtrack(self.source, self.n)
            if seen != self.n:
                raise StepError(f"dndtrack consume counted {seen} messages,"
                                f" not {self.n}")
            runs["dndtrack"].append(m)
            k = self.consume_kcat(self.source, self.n)
            runs["kcat"].append(k)
            log(f"consume run {i + 1}/{self.runs}: dndtrack {m.wall:.2f} s,"
                f" kcat {k.wall:.2f} s")
        eps = {who: median([self.n / m.wall for m in ms])
               for who, ms in runs.items()}
        cpu = {who: median([m.cpu / self.n * 1e6 for m in ms])
               for who, ms in runs.items()}
        self.result["consumer"] = {
            "runs": {who: [m.as_dict() for m in ms]
                     for who, ms in runs.items()},
            "events_per_s": eps,
            "dndtrack_empty_topic": startup.as_dict(),
        }
        self.result["cpu"] = {"cpu_s_per_million_events": cpu}
        self.metrics.update({
            "consumer_events_per_s_dndtrack": eps["dndtrack"],
            "consumer_events_per_s_kcat": eps["kcat"],
            "consumer_ratio": ratio(eps["dndtrack"], eps["kcat"]),
            "cpu_s_per_million_dndtrack": cpu["dndtrack"],
            "cpu_s_per_million_kcat": cpu["kcat"],
            "cpu_ratio": ratio(cpu["dndtrack"], cpu["kcat"]),
            "consumer_startup_s_dndtrack": startup.wall,
        })

    def step_producer(self):
        """3: dndtrack produce against kcat -P -l, alternated."""
        runs = {"dndtrack": [], "kcat": []}
        for i in range(self.runs):
            topic = self.new_topic(f"p{i + 1}d")
            m = self.produce_dndtrack(topic, self.n)
            self.expect_count(topic, self.n, "dndtrack produce")
            runs["dndtrack"].append(m)
            topic = self.new_topic(f"p{i + 1}k")
            k = self.produce_kcat(topic, self.lines_file, self.n,
                                  PRODUCER_PROPS)
            self.expect_count(topic, self.n, "kcat -P")
            runs["kcat"].append(k)
            log(f"produce run {i + 1}/{self.runs}: dndtrack {m.wall:.2f} s,"
                f" kcat {k.wall:.2f} s")
        eps = {who: median([self.n / m.wall for m in ms])
               for who, ms in runs.items()}
        self.result["producer"] = {
            "runs": {who: [m.as_dict() for m in ms]
                     for who, ms in runs.items()},
            "events_per_s": eps,
            "kcat_settings": " ".join(PRODUCER_PROPS) + " -K TAB",
        }
        self.metrics.update({
            "producer_events_per_s_dndtrack": eps["dndtrack"],
            "producer_events_per_s_kcat": eps["kcat"],
            "producer_ratio": ratio(eps["dndtrack"], eps["kcat"]),
        })

    def step_latency(self):
        """4: send-to-stream delay at a steady rate, refresh 1 and 5."""
        self.result["latency"] = {}
        for refresh in (1, 5):
            got = self.latency_run(refresh)
            self.result["latency"][f"refresh_{refresh}"] = got
            self.metrics[f"latency_p50_ms_refresh_{refresh}"] = got["p50_ms"]
            self.metrics[f"latency_p99_ms_refresh_{refresh}"] = got["p99_ms"]
            log(f"latency, refresh {refresh}: p50 {got['p50_ms']:.1f} ms, "
                f"p99 {got['p99_ms']:.1f} ms ({got['visible']} of "
                f"{got['sent']} seen)")

    def latency_run(self, refresh):
        topic = self.new_topic(f"lat{refresh}")
        port = free_port()
        state = self.new_state_dir()
        errf = os.path.join(self.work, f"latency-{refresh}.err")
        warm = 20
        count = int(self.args.latency_rate * self.args.latency_seconds)
        with open(self.lines_file, "rb") as f:
            lines = [pad_line(ln) for _, ln in zip(range(warm + count), f)]
        if not lines:
            raise StepError("no event lines to send")
        err = open(errf, "w")
        consumer = subprocess.Popen(
            [self.dndtrack, "consume", "-q", "-b", self.broker, "-t", topic,
             "-G", self.new_group(), "--dashboard", f"127.0.0.1:{port}"],
            env=self.child_env(DND_STATE_DIR=state,
                               VIZ_REFRESH_MESSAGES=refresh),
            cwd=self.work, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=err)
        sender = None
        reader = None
        try:
            self.wait_http(port, consumer, errf)
            reader = StreamReader(port, deadline=60 + 3 * count /
                                  self.args.latency_rate)
            reader.start()
            if not reader.opened.wait(10):
                raise StepError(f"/api/stream did not open: {reader.error}")
            sender = subprocess.Popen(
                ["kcat", "-b", self.broker, "-P", "-t", topic, "-K", "\t",
                 "-X", "linger.ms=0"], stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL, stderr=err)
            # Warm-up: the group has joined and the figures flow before the
            # clock starts.
            for ln in lines[:warm]:
                sender.stdin.write(ln)
            sender.stdin.flush()
            if not reader.wait_for(warm, 60):
                raise StepError(f"the warm-up events never showed on the "
                                f"stream: {tail(errf)}")
            sent = []
            gap = 1.0 / self.args.latency_rate
            t0 = time.perf_counter() + 0.05
            for k in range(count):
                due = t0 + k * gap
                now = time.perf_counter()
                if due > now:
                    time.sleep(due - now)
                sent.append(time.perf_counter())
                sender.stdin.write(lines[(warm + k) % len(lines)])
                sender.stdin.flush()
            seen_all = reader.wait_for(warm + count, 30)
        finally:
            if sender:
                try:
                    sender.stdin.close()
                    sender.wait(30)
                except (OSError, subprocess.TimeoutExpired):
                    sender.kill()
                    sender.wait(10)
            consumer.send_signal(signal.SIGTERM)
            try:
                consumer.wait(20)
            except subprocess.TimeoutExpired:
                consumer.kill()
                consumer.wait(10)
            if reader:
                reader.stop()
            err.close()
            shutil.rmtree(state, ignore_errors=True)
        snaps = reader.snapshots
        delays = []
        j = 0
        for k, at in enumerate(sent, start=1):
            while j < len(snaps) and snaps[j][1] < warm + k:
                j += 1
            if j == len(snaps):
                break
            delays.append((snaps[j][0] - at) * 1000.0)
        if not delays:
            raise StepError("no timed event showed on the stream")
        return {
            "topic": topic, "refresh": refresh, "sent": count,
            "visible": len(delays), "all_visible": seen_all,
            "snapshots": len(snaps),
            "send_span_s": sent[-1] - sent[0],
            "p50_ms": percentile(delays, 50), "p90_ms": percentile(delays, 90),
            "p99_ms": percentile(delays, 99), "max_ms": max(delays),
            "mean_ms": statistics.fmean(delays),
        }

    def wait_http(self, port, proc, errf):
        url = f"http://127.0.0.1:{port}/healthz"
        for _ in range(150):
            if proc.poll() is not None:
                raise StepError(f"dndtrack consume exited {proc.returncode}:"
                                f" {tail(errf)}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise StepError(f"the dashboard on port {port} never answered")

    def step_memory(self):
        """5: peak RSS of consume -e by number of players."""
        rows = []
        # Every run reads as many events (10 for each player of the
        # largest run), so that what differs between runs is the players
        # alone, not the messages librdkafka holds in its queue.
        events = self.result["params"]["memory_events"]
        for players in self.args.players:
            topic = self.new_topic(f"mem{players}")
            path = os.path.join(self.work, f"players-{players}.tsv")
            count = write_players(path, players, events // players,
                                  self.seed)
            self.produce_kcat(topic, path, count,
                              ["-X", "compression.type=lz4"])
            os.unlink(path)
            self.expect_count(topic, count, "kcat -P")
            m, seen = self.consume_dndtrack(topic, count)
            if seen != count:
                raise StepError(f"dndtrack consume counted {seen} of "
                                f"{count} messages")
            rows.append({"players": players, "events": count,
                         **m.as_dict()})
            log(f"memory: {players} players, peak RSS "
                f"{m.maxrss_kb / 1024:.1f} MB")
        floor = self.result["host"]["rss_floor_kb"]
        for row in rows:
            if row["maxrss_kb"] < 1.1 * floor:
                self.result.setdefault("warnings", []).append(
                    f"peak RSS with {row['players']} players is near the "
                    f"measuring floor of {floor} KB")
        # From the fewest players to the most: both read the same events,
        # so the difference is what the players themselves take. (The
        # middle run's players hold full recent feeds, the largest run's
        # only half: a slope from it would understate the cost.)
        small, big = rows[0], rows[-1]
        slope = ((big["maxrss_kb"] - small["maxrss_kb"]) * 1024 /
                 (big["players"] - small["players"]))
        self.result["memory"] = {"runs": rows, "bytes_per_player": slope}
        for name, row in zip(("small", "medium", "large"), rows):
            self.metrics[f"rss_kb_{name}"] = row["maxrss_kb"]
        self.metrics["bytes_per_player"] = slope

    # ---- the whole run ------------------------------------------------

    def run(self):
        steps = [("source", self.step_source, ()),
                 ("consumer", self.step_consumer, ("source",)),
                 ("producer", self.step_producer, ("source",)),
                 ("latency", self.step_latency, ("source",)),
                 ("memory", self.step_memory, ())]
        done = set()
        for name, fn, needs in steps:
            missing = [n for n in needs if n not in done]
            if missing:
                self.fail(name, f"skipped: step {missing[0]} failed")
                continue
            t0 = time.monotonic()
            try:
                fn()
                done.add(name)
            except (StepError, OSError, subprocess.SubprocessError,
                    ValueError) as e:
                self.fail(name, str(e))
            self.result.setdefault("step_seconds", {})[name] = round(
                time.monotonic() - t0, 1)
        self.cleanup()
        self.result["host"]["loadavg_end"] = list(os.getloadavg())
        self.result["finished"] = datetime.datetime.now(
            datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        self.result["targets"] = targets(self.metrics)
        path = self.write_json()
        print_table(self.result)
        shown = os.path.relpath(path, ROOT)
        print(f"results: {path if shown.startswith('..') else shown}")
        return 1 if self.result["errors"] else 0

    def fail(self, step, why):
        log(f"step {step} failed: {why}")
        self.result["errors"].append({"step": step, "error": why})

    def cleanup(self):
        if self.topics and not self.args.keep_topics:
            proc = subprocess.run([CREATE_TOPIC, "--broker", self.broker,
                                   "--delete", *self.topics],
                                  capture_output=True, text=True,
                                  timeout=180)
            if proc.returncode != 0:
                log(f"could not delete the topics: {proc.stderr.strip()}")
        shutil.rmtree(self.work, ignore_errors=True)

    def write_json(self):
        os.makedirs(self.args.results_dir, exist_ok=True)
        for i in range(100):
            name = self.stamp + (f"-{i}" if i else "") + ".json"
            path = os.path.join(self.args.results_dir, name)
            try:
                with open(path, "x", encoding="utf-8") as f:
                    json.dump(self.result, f, indent=2)
                    f.write("\n")
                return path
            except FileExistsError:
                continue
        raise OSError("no free results file name")


class StreamReader(threading.Thread):
    """Reads /api/stream and keeps (arrival time, messages) per snapshot."""

    def __init__(self, port, deadline):
        super().__init__(daemon=True)
        self.port = port
        self.deadline = time.monotonic() + deadline
        self.snapshots = []
        self.error = None
        self.opened = threading.Event()
        self.cond = threading.Condition()
        self.conn = None
        self.stopping = False

    def run(self):
        try:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                   timeout=30)
            self.conn.request("GET", "/api/stream")
            resp = self.conn.getresponse()
            if resp.status != 200:
                raise OSError(f"/api/stream answered {resp.status}")
            self.opened.set()
            for _ in range(10_000_000):
                if self.stopping or time.monotonic() > self.deadline:
                    break
                line = resp.readline()
                if not line:
                    break
                m = SSE_DATA.match(line)
                if m:
                    with self.cond:
                        self.snapshots.append((time.perf_counter(),
                                               int(m.group(1))))
                        self.cond.notify_all()
        except (OSError, http.client.HTTPException, ValueError) as e:
            if not self.stopping:
                self.error = str(e)
        finally:
            self.opened.set()

    def wait_for(self, messages, timeout):
        """True once a snapshot counts at least messages."""
        end = time.monotonic() + timeout
        with self.cond:
            for _ in range(100000):
                if self.snapshots and self.snapshots[-1][1] >= messages:
                    return True
                left = end - time.monotonic()
                if left <= 0 or not self.is_alive():
                    return False
                self.cond.wait(min(left, 0.5))
        return False

    def stop(self):
        self.stopping = True
        if self.conn and self.conn.sock:
            try:
                self.conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.join(10)


def pad_line(line):
    """Pads a "key TAB {json}" line with blanks after its "{" to a multiple
    of KCAT_READ_BLOCK bytes; the event stays the same JSON object."""
    key, sep, rest = line.partition(b"\t{")
    if not sep:
        raise StepError("an event line has no key")
    extra = -len(line) % KCAT_READ_BLOCK
    return key + sep + b" " * extra + rest


def write_players(path, players, per_player, seed):
    """Writes players * per_player events as key TAB JSON lines, one round
    of every player after another, and returns how many."""
    rng = random.Random(seed * 1000003 + players)
    spells = ["Fireball", "Shield", "Magic Missile", "Cure Wounds", "Bless",
              "Sleep", "Haste", "Counterspell"]
    monsters = ["Goblin", "Orc", "Dragon", "Beholder", "Kobold", "Troll",
                "Lich", "Mimic"]
    names = [f"player{i:06d}" for i in range(players)]
    with open(path, "w", encoding="utf-8") as out:
        for r in range(per_player):
            stamp = f"2026-01-01T20:{r // 60 % 60:02d}:{r % 60:02d}Z"
            for name in names:
                kind = r % 5
                ev = {"timestamp": stamp, "player": name}
                if kind < 3:
                    ev.update(event_type="dice_roll", dice_type="d20",
                              roll_result=rng.randint(1, 20),
                              context="attack_roll")
                elif kind == 3:
                    ev.update(event_type="spell_cast",
                              spell_name=rng.choice(spells), target="enemy",
                              effect="damage")
                else:
                    ev.update(event_type="encounter",
                              monster_type=rng.choice(monsters),
                              location="cave",
                              initiative_order=rng.randint(1, 20))
                out.write(name + "\t" + json.dumps(ev, separators=(",", ":"))
                          + "\n")
    return players * per_player


def targets(m):
    """Each target with the figure it is judged on and met/missed."""
    def judge(key, ok):
        value = m.get(key)
        if value is None:
            return None, "not measured"
        return value, "met" if ok(value) else "missed"

    rows = []
    for key, text, ok in (
            ("consumer_ratio", f">= {TARGET_RATIO} of kcat",
             lambda v: v >= TARGET_RATIO),
            ("producer_ratio", f">= {TARGET_RATIO} of kcat",
             lambda v: v >= TARGET_RATIO),
            ("latency_p99_ms_refresh_1", f"< {TARGET_P99_MS:.0f} ms",
             lambda v: v < TARGET_P99_MS),
            ("latency_p99_ms_refresh_5", f"< {TARGET_P99_MS:.0f} ms",
             lambda v: v < TARGET_P99_MS),
            ("bytes_per_player", "< 2 KB",
             lambda v: v < TARGET_BYTES_PER_PLAYER)):
        value, status = judge(key, ok)
        rows.append({"metric": key, "value": value, "target": text,
                     "status": status})
    return rows


# How fmt() writes each kind of figure.
FORMATS = {
    "rate": lambda v: f"{v:,.0f}/s",
    "ratio": lambda v: f"{v:.2f}",
    "ms": lambda v: f"{v:.1f} ms",
    "mb": lambda v: f"{v / 1024:.1f} MB",
    "bytes": lambda v: f"{v:,.0f} B",
    "cpu": lambda v: f"{v:.2f} s",
    "s": lambda v: f"{v:.2f} s",
}


def fmt(value, kind):
    if value is None:
        return "-"
    return FORMATS.get(kind, str)(value)


def print_table(result):
    m = result["metrics"]
    status = {t["metric"]: t for t in result["targets"]}
    players = result["params"]["memory_players"]

    def target(key):
        t = status.get(key)
        return (t["target"], t["status"]) if t else ("", "")

    rows = [
        ("consumer events/s", fmt(m.get("consumer_events_per_s_dndtrack"),
                                  "rate"),
         fmt(m.get("consumer_events_per_s_kcat"), "rate"),
         fmt(m.get("consumer_ratio"), "ratio"), *target("consumer_ratio")),
        ("producer events/s", fmt(m.get("producer_events_per_s_dndtrack"),
                                  "rate"),
         fmt(m.get("producer_events_per_s_kcat"), "rate"),
         fmt(m.get("producer_ratio"), "ratio"), *target("producer_ratio")),
    ]
    for r in (1, 5):
        rows.append((f"delay p50, refresh {r}",
                     fmt(m.get(f"latency_p50_ms_refresh_{r}"), "ms"),
                     "", "", "", ""))
        rows.append((f"delay p99, refresh {r}",
                     fmt(m.get(f"latency_p99_ms_refresh_{r}"), "ms"), "", "",
                     *target(f"latency_p99_ms_refresh_{r}")))
    for name, n in zip(("small", "medium", "large"), players):
        rows.append((f"peak RSS, {n:,} players",
                     fmt(m.get(f"rss_kb_{name}"), "mb"), "", "", "", ""))
    rows.append(("bytes per player", fmt(m.get("bytes_per_player"), "bytes"),
                 "", "", *target("bytes_per_player")))
    rows.append(("CPU per 1M events (consume)",
                 fmt(m.get("cpu_s_per_million_dndtrack"), "cpu"),
                 fmt(m.get("cpu_s_per_million_kcat"), "cpu"),
                 fmt(m.get("cpu_ratio"), "ratio"), "", ""))
    rows.append(("consume of an empty topic",
                 fmt(m.get("consumer_startup_s_dndtrack"), "s"), "", "", "",
                 ""))
    head = ("metric", "dndtrack", "kcat", "ratio", "target", "met?")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(6)]
    for r in [head] + rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
    p = result["params"]
    load = result["host"]
    print(f"{p['events']:,} events, {p['runs']} runs each, "
          f"{load['cpus']} CPUs, load {load['loadavg_start'][0]:.1f} at "
          f"start and {load['loadavg_end'][0]:.1f} at the end")
    for w in result.get("warnings", []):
        print(f"warning: {w}")
    for e in result["errors"]:
        print(f"step {e['step']} failed: {e['error']}")


def parse_args(argv):
    port = os.environ.get("KAFKA_PORT", "9092")
    ap = argparse.ArgumentParser(
        prog="bench/run.sh",
        description="Benchmarks dndtrack against kcat on the local broker.")
    ap.add_argument("--events", type=int, default=None,
                    help="events per throughput run (default 1,000,000)")
    ap.add_argument("--quick", action="store_true",
                    help="10,000 events, 2 runs, 3 s of latency, 10,000 "
                    "players at most")
    ap.add_argument("--runs", type=int, default=None,
                    help="runs of each client per comparison (default 5)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--broker", default=f"127.0.0.1:{port}",
                    help="a loopback HOST:PORT (default 127.0.0.1:"
                    "$KAFKA_PORT or 9092)")
    ap.add_argument("--dndtrack", default=os.path.join(ROOT, "build",
                                                       "dndtrack"))
    ap.add_argument("--results-dir",
                    default=os.path.join(ROOT, "bench", "results"))
    ap.add_argument("--keep-topics", action="store_true",
                    help="leave the benchmark's topics on the broker")
    args = ap.parse_args(argv)
    if args.events is None:
        args.events = 10_000 if args.quick else 1_000_000
    if args.runs is None:
        args.runs = 2 if args.quick else 5
    args.latency_rate = 1000
    args.latency_seconds = 3 if args.quick else 10
    args.players = [10, 1000, 10_000 if args.quick else 100_000]
    if not 1 <= args.events <= 100_000_000:
        ap.error("--events must be from 1 to 100,000,000")
    if not 1 <= args.runs <= 50:
        ap.error("--runs must be from 1 to 50")
    host, _, port = args.broker.rpartition(":")
    if not port.isdigit() or not is_loopback(host):
        ap.error(f"--broker must be a loopback HOST:PORT, not {args.broker}")
    if not os.access(args.dndtrack, os.X_OK):
        ap.error(f"no dndtrack binary at {args.dndtrack} (run make)")
    return args


def main(argv):
    args = parse_args(argv)
    return Bench(args).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
