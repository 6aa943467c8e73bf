#!/usr/bin/env python3
"""The Debian package (README, "Install as a service"): built by
scripts/package from the build tree, clean under lintian, every file where
and as it should be, the unit accepted by systemd-analyze and rated 2.0 or
lower, and the packaged binary and config serving as installed: an agent
that comes up on an empty inventory and does nothing."""
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request

SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(*argv, check=True, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        raise SystemExit(f"{' '.join(argv)}: exit {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r


failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def main():
    build = os.path.abspath(sys.argv[1])
    deb = run(os.path.join(SOURCE, "scripts/package"), build).stdout.strip().splitlines()[-1]
    version = re.search(r"project\(colo VERSION ([0-9.]+)", open(os.path.join(SOURCE, "CMakeLists.txt")).read())[1]
    check(deb == os.path.join(build, f"colo_{version}_amd64.deb"), f"the package is {deb}")

    # lintian: no error, no warning (its informational tags are listed, not failed).
    lint = run("lintian", "--no-tag-display-limit", "--display-info", deb, check=False)
    print(lint.stdout, end="")
    bad = [l for l in lint.stdout.splitlines() if l[:2] in ("E:", "W:")]
    check(not bad and lint.returncode == 0, "lintian: no errors and no warnings")

    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "root")
        run("dpkg-deb", "-x", deb, root)
        control = os.path.join(tmp, "DEBIAN")
        run("dpkg-deb", "-e", deb, control)

        # Every file, its mode and owner, as dpkg will install it.
        listing = {}
        for line in run("dpkg-deb", "-c", deb).stdout.splitlines():
            mode, owner, _size, _date, _time, path = line.split(None, 5)
            listing[path.split(" -> ")[0]] = (mode, owner)
        expect = {
            "./usr/bin/colo": "-rwxr-xr-x",
            "./usr/share/man/man1/colo.1.gz": "-rw-r--r--",
            "./usr/share/bash-completion/completions/colo": "-rw-r--r--",
            "./usr/share/doc/colo/README.md.gz": "-rw-r--r--",
            "./usr/share/doc/colo/changelog.gz": "-rw-r--r--",
            "./usr/share/doc/colo/copyright": "-rw-r--r--",
            "./usr/share/doc/colo/examples/inventory.yaml": "-rw-r--r--",
            "./usr/share/colo/playbooks/provision.yaml": "-rw-r--r--",
            "./usr/share/colo/playbooks/templates/cisco_ios.yaml": "-rw-r--r--",
            "./usr/share/colo/secrets.env": "-rw-r--r--",
            "./etc/colo/colo.yaml": "-rw-r--r--",
            "./etc/colo/inventory/site.yaml": "-rw-r--r--",
            "./etc/logrotate.d/colo": "-rw-r--r--",
            "./lib/systemd/system/colo.service": "-rw-r--r--",
        }
        for path, mode in expect.items():
            got = listing.get(path)
            check(got == (mode, "root/root"), f"{path} {mode} root/root (got {got})")
        check(all(owner == "root/root" for _, owner in listing.values()), "everything is root's")
        check(not any(p.startswith("./var/") for p in listing),
              "nothing under /var: postinst makes /var/lib/colo and /var/log/colo for colo")
        conffiles = open(os.path.join(control, "conffiles")).read().split()
        check(conffiles == ["/etc/colo/colo.yaml", "/etc/colo/inventory/site.yaml",
                            "/etc/logrotate.d/colo"], f"conffiles {conffiles}")
        fields = run("dpkg-deb", "-f", deb, "Package", "Version", "Architecture", "Depends").stdout
        check("Version: " + version in fields and "Architecture: amd64" in fields, "control fields")
        check(re.search(r"Depends: adduser, .*libc6", fields) is not None,
              "Depends names adduser and the shared libraries")
        for script in ("postinst", "prerm", "postrm"):
            path = os.path.join(control, script)
            check(os.access(path, os.X_OK), f"{script} is executable")
            check(run("sh", "-n", path, check=False).returncode == 0, f"{script} parses")

        # The unit as systemd reads it, and how exposed it leaves the system.
        unit = os.path.join(root, "lib/systemd/system/colo.service")
        check(open(unit).read() == open(os.path.join(SOURCE, "packaging/colo.service")).read(),
              "the packaged unit is packaging/colo.service (whose ExecStart service_test runs)")
        # (verify runs the unit's commands' paths on this machine: the unpacked
        # binary stands in for /usr/bin/colo, nothing else changes.)
        checked = os.path.join(tmp, "colo.service")
        with open(checked, "w") as f:
            f.write(open(unit).read().replace("/usr/bin/colo ", os.path.join(root, "usr/bin/colo") + " "))
        verify = run("systemd-analyze", "verify", "--man=no", checked, check=False)
        check(verify.returncode == 0 and verify.stderr.strip() == "",
              f"systemd-analyze verify: {verify.stderr.strip() or 'clean'}")
        security = run("systemd-analyze", "security", "--offline=true", "--threshold=20",
                       "--no-pager", unit, check=False)
        rating = re.search(r"Overall exposure level for colo.service: ([0-9.]+)", security.stdout)
        check(rating is not None and float(rating[1]) <= 2.0 and security.returncode == 0,
              f"systemd-analyze security rates it {rating[1] if rating else '?'} (at most 2.0)")

        # The packaged binary with the packaged config, as installed (only
        # its ledger and listen port moved into this test's room).
        colo = os.path.join(root, "usr/bin/colo")
        check(run(colo, "--version").stdout.strip() == f"colo {version}", "colo --version")
        etc = os.path.join(root, "etc/colo")
        config = open(os.path.join(etc, "colo.yaml")).read()
        config = config.replace("listen: 127.0.0.1:8080", "listen: 127.0.0.1:0")
        check("listen: 127.0.0.1:0" in config, "the packaged config listens on 127.0.0.1:8080")
        with open(os.path.join(etc, "test.yaml"), "w") as f:
            f.write(config)
        flags = ["--config", os.path.join(etc, "test.yaml"), "--state", os.path.join(tmp, "colo.db")]
        init = run(colo, *flags, "init", check=False)
        check(init.returncode == 0, f"colo init with the packaged config: {init.stderr.strip()}")
        rc = run(colo, *flags, "reload-check", check=False)
        check(rc.returncode == 0, f"colo reload-check of the packaged config: {rc.stderr.strip()}")
        agent = subprocess.Popen([colo, *flags, "agent"], stdout=subprocess.PIPE, text=True)
        try:
            line = agent.stdout.readline()  # the first line says where it listens
            event = json.loads(line) if line else {}
            check(event.get("event") == "listening", f"the agent starts: {line.strip()}")
            if event.get("event") == "listening":
                # Without --playbooks: the packaged ones beside the binary.
                base = "http://" + event["address"]
                with urllib.request.urlopen(base + "/readyz", timeout=10) as r:
                    check(r.status == 200, "/readyz: ready with no switches")
                req = urllib.request.Request(base + "/v1/requests")
                try:
                    urllib.request.urlopen(req, timeout=10)
                    check(False, "no token is accepted as installed")
                except urllib.error.HTTPError as e:
                    check(e.code == 401, "no token is accepted as installed (401)")
        finally:
            agent.terminate()
            agent.wait(timeout=60)
        check(agent.returncode == 0, f"SIGTERM ends it cleanly (exit {agent.returncode})")

    install_remove_purge(deb)

    if failures:
        print(f"{len(failures)} failed")
        sys.exit(1)


# In a mount namespace, a copy-on-write view of this machine (overlayfs over
# /, its writes in a tmpfs that goes with the namespace): dpkg installs,
# upgrades, removes and purges the package there for real, running its
# maintainer scripts, and this machine is left as it was.
IN_CHROOT = r"""
set -u
say() { echo "$1=$2"; }
rm -f /var/lib/man-db/auto-update  # no man-db index rebuild at each step (a minute of the test)
out=$(dpkg -i /tmp/pkg/colo.deb 2>&1); say install_rc $?
echo "$out" | grep -qi "warning" && say install_warning "$(echo "$out" | grep -i warning | head -n 1)"
say user "$(getent passwd colo | cut -d: -f1,6,7)"
say lib "$(stat -c '%a %U %G' /var/lib/colo)"
say log "$(stat -c '%a %U %G' /var/log/colo)"
say secrets "$(stat -c '%a %U' /etc/colo/secrets.env)"
say ledger "$(stat -c '%a %U' /var/lib/colo/colo.db)"
echo "COLO_TOR_PASSWORD=kept" >> /etc/colo/secrets.env
dpkg -i /tmp/pkg/colo.deb >/dev/null 2>&1; say upgrade_rc $?
say secrets_kept "$(grep -c COLO_TOR_PASSWORD=kept /etc/colo/secrets.env)"
dpkg -r colo >/dev/null 2>&1; say remove_rc $?
say removed_binary "$(test -e /usr/bin/colo && echo present || echo gone)"
say removed_ledger "$(test -e /var/lib/colo/colo.db && echo kept || echo gone)"
say removed_config "$(test -e /etc/colo/colo.yaml && echo kept || echo gone)"
say removed_user "$(getent passwd colo >/dev/null && echo kept || echo gone)"
dpkg -P colo >/dev/null 2>&1; say purge_rc $?
say purged "$(for p in /var/lib/colo /var/log/colo /etc/colo; do test -e $p && echo $p; done | tr '\n' ' ')"
say purged_user "$(getent passwd colo >/dev/null && echo kept || echo gone)"
"""


def install_remove_purge(deb):
    if os.geteuid() != 0 or not os.path.exists("/usr/bin/unshare"):
        print("SKIP install, remove, purge: needs root (CI runs as root)")
        return
    inner = IN_CHROOT.replace("'", "'\\''")  # inside '...' for sh -c
    with tempfile.TemporaryDirectory() as tmp:
        setup = f"""
set -e
mount -t tmpfs tmpfs {tmp}
mkdir {tmp}/upper {tmp}/work {tmp}/root
mount -t overlay overlay -o lowerdir=/,upperdir={tmp}/upper,workdir={tmp}/work {tmp}/root
mount --bind /proc {tmp}/root/proc
mount --bind /dev {tmp}/root/dev
mkdir -p {tmp}/root/tmp/pkg
cp {deb} {tmp}/root/tmp/pkg/colo.deb
exec chroot {tmp}/root /bin/sh -c '{inner}'
"""
        r = run("unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", setup,
                check=False)
    got = dict(l.split("=", 1) for l in r.stdout.splitlines() if "=" in l)
    print(r.stdout, r.stderr, sep="")
    expect = {
        "install_rc": "0",
        "user": "colo:/var/lib/colo:/usr/sbin/nologin",
        "lib": "750 colo colo",
        "log": "750 colo colo",
        "secrets": "600 root",
        "ledger": "600 colo",
        "upgrade_rc": "0",
        "secrets_kept": "1",
        "remove_rc": "0",
        "removed_binary": "gone",
        "removed_ledger": "kept",
        "removed_config": "kept",
        "removed_user": "kept",
        "purge_rc": "0",
        "purged": "",
        "purged_user": "gone",
    }
    for key, want in expect.items():
        check(got.get(key) == want, f"dpkg in a copy of this machine: {key} = {want!r} (got {got.get(key)!r})")
    check("install_warning" not in got, f"no warning while installing: {got.get('install_warning', '')}")


if __name__ == "__main__":
    main()
