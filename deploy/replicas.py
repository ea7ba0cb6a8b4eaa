"""Run N Token Lab replicas behind nginx on one machine.

    python deploy/replicas.py --replicas 2 --first-port 8601 --port 8080 [--address 0.0.0.0]

starts ``streamlit run app.py`` N times on loopback ports (first-port, first-port+1, ...), waits until
each answers ``/_stcore/health``, renders deploy/nginx.conf.template into a private prefix folder and runs
Debian's nginx there as the current user (not the system service) listening on ``--address:--port``.
Ctrl-C stops everything. The functions are used by tests/test_browser_deploy.py.

All replicas share one cookie secret (``STREAMLIT_SERVER_COOKIE_SECRET``, random per start unless set),
so an upload's XSRF cookie is valid on any of them should a session move after its replica failed.
"""
from __future__ import annotations

import argparse
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).with_name("nginx.conf.template")
NGINX = os.environ.get("NGINX", shutil.which("nginx") or "/usr/sbin/nginx")


def healthy(url: str, timeout: float = 2.0) -> bool:
    """Whether ``url``/_stcore/health answers 200."""
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/_stcore/health", timeout=timeout) as r:
            return r.status == 200
    except OSError:
        return False


def wait_healthy(url: str, seconds: float = 120.0, proc: subprocess.Popen | None = None) -> None:
    """Wait until ``url`` is healthy; RuntimeError after ``seconds`` or when ``proc`` has exited."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if healthy(url):
            return
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {proc.returncode}")
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not become healthy within {seconds:.0f} s")


def start_replica(port: int, cookie_secret: str, log: Path | None = None) -> subprocess.Popen:
    """``streamlit run app.py`` on 127.0.0.1:``port`` (not yet healthy: see :func:`wait_healthy`)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "STREAMLIT_SERVER_COOKIE_SECRET": cookie_secret}
    out = open(log, "w") if log else subprocess.DEVNULL
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT if log else subprocess.DEVNULL)


def render_config(prefix: Path, listen: str, replica_ports: list[int], max_fails: int = 1,
                  fail_timeout: int = 10) -> str:
    """The nginx configuration: the template with the prefix folder, the listen address and one
    ``server`` line per replica (passive health checks: ``max_fails``, ``fail_timeout`` seconds)."""
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails={max_fails} fail_timeout={fail_timeout}s;"
                        for p in replica_ports)
    # run as root (a container), nginx's workers would switch to "nobody", who cannot write the prefix
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
    return (TEMPLATE.read_text().replace("@PREFIX@", str(prefix)).replace("@LISTEN@", listen)
            .replace("@SERVERS@", servers).replace("@USER@", user))


def start_nginx(prefix: Path, listen: str, replica_ports: list[int]) -> subprocess.Popen:
    """nginx in the foreground with its own configuration, logs and temp folders under ``prefix``."""
    prefix.mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    conf.write_text(render_config(prefix, listen, replica_ports))
    check = subprocess.run([NGINX, "-t", "-p", str(prefix), "-c", str(conf)], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"nginx refused the configuration: {check.stderr.strip()}")
    return subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(proc: subprocess.Popen, seconds: float = 10.0) -> None:
    """Terminate ``proc`` (kill it if it does not stop in ``seconds``)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(seconds)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--first-port", type=int, default=8601, help="replica ports: this one and the next ones")
    parser.add_argument("--port", type=int, default=8080, help="where nginx listens")
    parser.add_argument("--address", default="127.0.0.1", help="nginx's address (0.0.0.0: every interface)")
    args = parser.parse_args(argv)
    ports = [args.first_port + i for i in range(args.replicas)]
    secret = os.environ.get("STREAMLIT_SERVER_COOKIE_SECRET") or secrets.token_hex(32)
    prefix = Path(tempfile.mkdtemp(prefix="tokenlab-nginx-"))
    procs: list[subprocess.Popen] = []
    try:
        for port in ports:
            procs.append(start_replica(port, secret))
        for port, proc in zip(ports, procs):
            wait_healthy(f"http://127.0.0.1:{port}", proc=proc)
        procs.append(start_nginx(prefix, f"{args.address}:{args.port}", ports))
        wait_healthy(f"http://127.0.0.1:{args.port}", seconds=20, proc=procs[-1])
        print(f"Token Lab: {len(ports)} replicas ({', '.join(map(str, ports))}) behind "
              f"http://{args.address}:{args.port} (nginx prefix {prefix}); Ctrl-C stops", flush=True)
        signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop as on Ctrl-C
        while all(proc.poll() is None for proc in procs):
            time.sleep(1)
        print("error: a replica or nginx stopped", file=sys.stderr)
    except (RuntimeError, KeyboardInterrupt) as err:
        print(f"error: {err}" if isinstance(err, RuntimeError) else "stopping", file=sys.stderr)
    finally:
        for proc in reversed(procs):
            stop(proc)
        shutil.rmtree(prefix, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
