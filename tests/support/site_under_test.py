"""A real `colo agent` on the sample data center (examples/), provisioning on
the real switch simulator, in a temporary directory: what the browser test
(tests/ui/) and the API contract test (tests/api/) run against.
"""

import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEADLINE_S = 60  # any wait below gives up after this


WIB = timezone(timedelta(hours=7))  # the sample site's zone (Asia/Pontianak, no DST)
MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
          "Oktober", "November", "Desember"]


def tanggal(day):
    """A date as the confirmation letter writes it: "23 November 2026"."""
    return "%d %s %d" % (day.day, MONTHS[day.month - 1], day.year)


def poll(check, what, deadline_s=None):
    """Calls `check` until it returns something true, and returns that; fails
    the test naming `what` when DEADLINE_S passes first."""
    end = time.monotonic() + (deadline_s or DEADLINE_S)
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > end:
            raise AssertionError("%s: not within %d s" % (what, deadline_s or DEADLINE_S))
        time.sleep(0.05)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def http(method, url, token=None, body=None, headers=None):
    """One request without following redirects: (status, headers, body)."""
    req = urllib.request.Request(url, method=method, data=body)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


class Site:
    """examples/ served by a real agent, on simulated switches, in a temp dir."""

    def __init__(self, colo, switchsim, callback_urls=("http://127.0.0.1:9/",)):
        self.colo, self.switchsim, self.callback_urls = colo, switchsim, callback_urls
        # The one "now" every date a test sends or expects is computed from
        # (in the sample site's zone), never a fixed day that later passes.
        self.now = datetime.now(WIB).replace(microsecond=0)
        self.dir = tempfile.mkdtemp(prefix="colo-site-")
        self.procs = []
        try:
            self.start_switches()
            self.write_config()
            self.start_agent()
        except BaseException:
            self.close()
            raise

    def received(self, days_ago=0):
        """A received_at `days_ago` days before the test's now (RFC 3339)."""
        return (self.now - timedelta(days=days_ago)).isoformat(timespec="seconds")

    def run(self, *args):
        return subprocess.run([self.colo, "--config", self.config, *args], check=True,
                              capture_output=True, text=True, timeout=DEADLINE_S, env=self.env)

    def start_switches(self):
        with open(os.path.join(SOURCE, "examples/switchsim.json")) as f:
            sim = json.load(f)
        sim["state_dir"] = os.path.join(self.dir, "switchsim")
        sim["known_hosts"] = os.path.join(self.dir, "known_hosts")
        for s in sim["switches"]:
            s["port"] = 0  # any free port; the simulator says which
            s["host_key"] = os.path.join(self.dir, "switchsim", s["name"] + ".key")
        os.makedirs(sim["state_dir"])
        path = os.path.join(self.dir, "switchsim.json")
        with open(path, "w") as f:
            json.dump(sim, f)
        # It lives as long as its standard input is open.
        p = subprocess.Popen([self.switchsim, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
        self.procs.append(p)
        self.ports = {}
        for line in self.lines(p, "ready"):
            m = re.match(r"switchsim: (\S+) \S+ 127\.0\.0\.1:(\d+)", line)
            if m:
                self.ports[m.group(1)] = int(m.group(2))

    def lines(self, proc, until):
        """Lines of `proc` up to the one that contains `until` (bounded in
        time). Reads the pipe itself: a buffered reader would hide lines
        from select()."""
        end = time.monotonic() + DEADLINE_S
        fd = proc.stdout.fileno()
        text = ""
        while time.monotonic() < end:
            ready, _, _ = select.select([fd], [], [], 1)
            if not ready:
                continue
            chunk = os.read(fd, 4096).decode(errors="replace")
            if not chunk:
                raise RuntimeError("exited early: " + text)
            text += chunk
            lines = text.split("\n")
            for i, line in enumerate(lines[:-1]):
                if until in line:
                    return lines[:i + 1]
        raise RuntimeError("no '%s' within %d s: %s" % (until, DEADLINE_S, text))

    def ledger_state(self):
        """A file here; under the suite's PostgreSQL run, a new database."""
        cluster = os.environ.get("COLO_TEST_POSTGRES")
        if not cluster:
            return "colo.db"
        name = "py%d_%d" % (os.getpid(), int(time.time() * 1000) % 10**9)
        return subprocess.run([os.path.join(SOURCE, "scripts/pg-cluster"), "createdb", cluster, name],
                              check=True, capture_output=True, text=True, timeout=DEADLINE_S).stdout.strip()

    def write_config(self):
        with open(os.path.join(SOURCE, "examples/inventory.yaml")) as f:
            inventory = f.read()
        for name, port in self.ports.items():
            inventory = re.sub(r"(name: %s,[^}]*port: )\d+" % re.escape(name), r"\g<1>%d" % port, inventory)
        with open(os.path.join(self.dir, "inventory.yaml"), "w") as f:
            f.write(inventory)
        self.tokens = {}
        entries = []
        for name, role in [("ops-alice", "admin"), ("tech-budi", "technician"),
                           ("sikd-bappeda", "requester"), ("sikd-dinkes", "requester")]:
            t = json.loads(subprocess.run([self.colo, "--json", "token"], check=True, capture_output=True,
                                          text=True, timeout=DEADLINE_S).stdout)
            self.tokens[name] = t["token"]
            entries.append('  - {name: %s, role: %s, sha256: "%s"}' % (name, role, t["sha256"]))
        self.config = os.path.join(self.dir, "colo.yaml")
        with open(self.config, "w") as f:
            f.write("\n".join([
                "inventory: inventory.yaml",
                "state: " + self.ledger_state(),
                "playbooks: " + os.path.join(SOURCE, "playbooks"),
                "known_hosts: known_hosts",
                "credentials:",
                "  tor-default: {username: colo, password_env: COLO_TOR_PASSWORD, enable_password_env: COLO_TOR_ENABLE}",
                "  tor-juniper: {username: colo, password_env: COLO_JUNOS_PASSWORD}",
                "listen: 127.0.0.1:0",
                "tokens:", *entries,
                "callback: {secret_env: COLO_CALLBACK_SECRET, max_attempts: 2, retry_base_ms: 100,"
                " allowed_urls: [%s]}" % ", ".join("'%s'" % u for u in self.callback_urls),
                "workers: 2", ""]))
        self.env = dict(os.environ, COLO_TOR_PASSWORD="demo-tor", COLO_TOR_ENABLE="demo-enable",
                        COLO_JUNOS_PASSWORD="demo-junos", COLO_CALLBACK_SECRET="ui-test-secret")
        self.run("init")

    def start_agent(self):
        # Its log goes to a file: a pipe nobody reads would fill and stop it.
        path = os.path.join(self.dir, "agent.log")
        with open(path, "w") as log:
            p = subprocess.Popen([self.colo, "--config", self.config, "agent"], stdout=log,
                                 stderr=subprocess.STDOUT, env=self.env)
        self.procs.append(p)
        end = time.monotonic() + DEADLINE_S
        while time.monotonic() < end and p.poll() is None:
            with open(path) as log:
                for line in log:
                    if '"listening"' in line:
                        self.base = "http://" + json.loads(line)["address"]
                        return
            time.sleep(0.05)
        with open(path) as log:
            raise RuntimeError("the agent did not start: " + log.read())

    def post(self, token, request):
        status, _, body = http("POST", self.base + "/v1/requests", self.tokens[token],
                               json.dumps(request).encode(), {"Content-Type": "application/json"})
        assert status == 202, body
        return request["id"]

    def wait(self, rid, statuses=("completed", "failed")):
        end = time.monotonic() + DEADLINE_S
        while time.monotonic() < end:
            status, _, body = http("GET", self.base + "/v1/requests/" + rid, self.tokens["ops-alice"])
            if status == 200 and json.loads(body)["status"] in statuses:
                return json.loads(body)
            time.sleep(0.05)
        raise RuntimeError("request %s never reached %s" % (rid, statuses))

    def api(self, path):
        status, _, body = http("GET", self.base + path, self.tokens["ops-alice"])
        assert status == 200, (path, status, body)
        return json.loads(body)

    def close(self):
        for p in self.procs:
            if p.stdin:
                p.stdin.close()
            else:
                p.terminate()
            if p.stdout:
                p.stdout.close()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def example(name):
    with open(os.path.join(SOURCE, "examples/requests", name)) as f:
        return json.load(f)
