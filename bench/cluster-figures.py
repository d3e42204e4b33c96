#!/usr/bin/env python3
"""Work-distribution figures on PostgreSQL (issue 16): statements, transactions and rows written per instance
(webhook run, suspend/resume through an event, Delay timer), the per-node ceiling, and the queue wait and
lock waits under 3 nodes.

    source scripts/postgres.sh && dotnet build src/FlowConnectors.Server -c Release && python3 bench/cluster-figures.py

Statements are counted from PostgreSQL's own log (log_min_duration_statement = 0 on the bench database only):
one line per executed statement. Rows are pg_stat_user_tables' inserted + updated + deleted tuples. The
background workers' idle polling is measured first and subtracted (it is reported too).
"""
import datetime, functools, json, os, re, secrets, shutil, socket, statistics, subprocess, sys, tempfile, threading, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = os.path.join(ROOT, "src/FlowConnectors.Server/bin/Release/net10.0")
PG = "host=127.0.0.1 port=55432 user=postgres"
PG_LOG = os.path.join(os.environ.get("TMPDIR", "/tmp"), "flowconnectors-pg/postgres.log")
KEY = "bench-api-key-0123456789abcdef"
N = int(os.environ.get("FIGURES_N", "200"))


def psql(sql, db="postgres"):
    return subprocess.run(["psql", f"{PG} dbname={db}", "-Atqc", sql], check=True, capture_output=True, text=True).stdout.strip()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, key=True, timeout=60):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json", **({"X-Api-Key": KEY} if key else {})})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, json.loads(r.read() or b"null")


FLOWS = {
    "fig-hook": {"format": 1, "id": "fig-hook", "outputs": [{"name": "added", "type": "number"}],
                 "nodes": [{"id": "hook", "type": "Http.Endpoint", "inputs": {"path": "fig/hook", "methods": ["POST"]}},
                           {"id": "js", "type": "RunJavaScript", "inputs": {"code": "return nodes.hook.body.a * 2;"}},
                           {"id": "out", "type": "SetOutput", "inputs": {"name": "added", "value": {"js": "nodes.js.result"}}}],
                 "connections": [{"from": "hook:done", "to": "js"}, {"from": "js:done", "to": "out"}]},
    "fig-event": {"format": 1, "id": "fig-event", "inputs": [{"name": "key", "type": "string", "required": True}],
                  "nodes": [{"id": "wait", "type": "WaitForEvent", "inputs": {"eventName": "fig-go", "correlationId": {"js": "input.key"}}},
                            {"id": "after", "type": "NoOp", "inputs": {}}],
                  "connections": [{"from": "wait:done", "to": "after"}]},
    "fig-delay": {"format": 1, "id": "fig-delay", "inputs": [{"name": "key", "type": "string", "required": True}],
                  "nodes": [{"id": "pause", "type": "Delay", "inputs": {"duration": "00:00:01"}}, {"id": "after", "type": "NoOp", "inputs": {}}],
                  "connections": [{"from": "pause:done", "to": "after"}]},
}


class Node:
    def __init__(self, n, db, data, flows):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/"
        env = dict(os.environ, FlowConnectors__Urls=f"http://127.0.0.1:{self.port}", FlowConnectors__DataFolder=data, FlowConnectors__FlowsFolder=flows,
                   FlowConnectors__ApiKey=KEY, FlowConnectors__Database="postgres", FlowConnectors__NodeId=f"fig-node-{n}",
                   FlowConnectors__ConnectionString=f"Host=127.0.0.1;Port=55432;Username=postgres;Database={db}", DOTNET_gcServer="0",
                   Logging__LogLevel__Default="Warning")
        self.proc = subprocess.Popen(["dotnet", os.path.join(SERVER, "FlowConnectors.Server.dll")], cwd=SERVER, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(600):
            try:
                http("GET", self.base + "api/flows")
                return
            except Exception:
                time.sleep(0.2)
        raise RuntimeError("node did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(60)


def counters(db):
    row = psql("SELECT coalesce(sum(n_tup_ins),0), coalesce(sum(n_tup_upd),0), coalesce(sum(n_tup_del),0) FROM pg_stat_user_tables", db).split("|")
    commits = psql(f"SELECT xact_commit FROM pg_stat_database WHERE datname = '{db}'")
    with open(PG_LOG, errors="replace") as f:
        statements = sum(1 for line in f if "duration:" in line and ("execute" in line or "statement:" in line))
    return {"ins": int(row[0]), "upd": int(row[1]), "del": int(row[2]), "commits": int(commits), "statements": statements}


def settle():
    time.sleep(1.5)  # the statistics collector flushes at most once a second


def measure(db, what, action, idle_per_s, instances):
    settle()
    before, t0 = counters(db), time.time()
    action()
    elapsed = time.time() - t0
    settle()
    after = counters(db)
    idle_span = elapsed + 1.5
    d = {k: after[k] - before[k] for k in before}
    net = {k: (d[k] - idle_per_s[k] * idle_span) / instances for k in d}
    print(f"{what}: per instance {net['statements']:.1f} statements, {net['commits']:.1f} commits, rows {net['ins']:.1f} inserted / "
          f"{net['upd']:.1f} updated / {net['del']:.1f} deleted (raw totals {d}, {elapsed:.1f} s, idle subtracted)")
    return net


def parallel(count, fn, threads=4):
    it = iter(range(count))
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                i = next(it, None)
            if i is None:
                return
            fn(i)
    ts = [threading.Thread(target=worker) for _ in range(threads)]
    [t.start() for t in ts]
    [t.join() for t in ts]


def wait_finished(node, flow, count, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        _, items = http("GET", node.base + f"api/instances?flowId={flow}&status=finished&take=1000")
        if len(items) >= count:
            return items
        time.sleep(0.2)
    raise RuntimeError(f"{flow}: not all finished")


def wrk(urls, seconds=10, conns=32):
    lua = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    lua.write('wrk.method = "POST"\nwrk.body = \'{"a": 21}\'\nwrk.headers["Content-Type"] = "application/json"\n')
    lua.close()
    procs = [subprocess.Popen(["wrk", "-t1" if len(urls) > 1 else "-t2", f"-c{max(4, conns // len(urls))}", f"-d{seconds}s", "--latency", "-s", lua.name, u],
                              stdout=subprocess.PIPE, text=True) for u in urls]
    total, lines = 0.0, []
    for p in procs:
        out = p.communicate()[0]
        total += float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        p50 = re.search(r"50%\s+(\S+)", out).group(1)
        p99 = re.search(r"99%\s+(\S+)", out).group(1)
        lines.append(f"p50 {p50} p99 {p99}{' non-2xx ' + non2xx.group(1) if non2xx else ''}")
    return total, lines


def main():
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    db = "fc_figures_" + secrets.token_hex(4)
    psql(f'CREATE DATABASE "{db}"')
    psql(f'ALTER DATABASE "{db}" SET log_min_duration_statement = 0')
    data, flows = tempfile.mkdtemp(prefix="fig-data-"), tempfile.mkdtemp(prefix="fig-flows-")
    for fid, flow in FLOWS.items():
        with open(os.path.join(flows, fid + ".flow.json"), "w") as f:
            json.dump(flow, f)
    nodes = [Node(1, db, data, flows)]
    try:
        a = nodes[0]
        if not os.environ.get("FIGURES_QUEUE_ONLY"):  # only the 3-node queue wait
            settle()
            before, t0 = counters(db), time.time()
            time.sleep(5)
            after = counters(db)
            idle = {k: (after[k] - before[k]) / (time.time() - t0) for k in before}
            print(f"idle node: {idle['statements']:.1f} statements/s, {idle['commits']:.1f} commits/s (claim polls: inbox, orphans, timers)")

            measure(db, f"webhook run (Http.Endpoint -> RunJavaScript -> SetOutput), {N} instances",
                    lambda: parallel(N, lambda i: http("POST", a.base + "hooks/fig/hook", {"a": i}, key=False)), idle, N)

            def suspend_resume():
                parallel(N, lambda i: http("POST", a.base + "api/flows/fig-event/run", {"inputs": {"key": f"e{i}"}, "mode": "async"}))
                deadline = time.time() + 120
                while len(http("GET", a.base + "api/instances?flowId=fig-event&status=suspended&take=1000")[1]) < N and time.time() < deadline:
                    time.sleep(0.2)
                parallel(N, lambda i: http("POST", a.base + "api/events", {"event": "fig-go", "correlationId": f"e{i}"}))
                wait_finished(a, "fig-event", N)
            measure(db, f"suspend/resume (async start -> Wait for Event -> event -> finish), {N} instances", suspend_resume, idle, N)

            def timers():
                parallel(N, lambda i: http("POST", a.base + "api/flows/fig-delay/run", {"inputs": {"key": f"d{i}"}, "mode": "async"}))
                wait_finished(a, "fig-delay", N)
            measure(db, f"timer (async start -> Delay 1 s -> finish), {N} instances", timers, idle, N)

            psql(f'ALTER DATABASE "{db}" RESET log_min_duration_statement')
            total, lines = wrk([a.base + "hooks/fig/hook"])
            print(f"per-node ceiling, 1 node on PostgreSQL, wrk -t2 -c32 -d10s webhook: {total:.0f} req/s ({'; '.join(lines)})")

        nodes += [Node(2, db, data, flows), Node(3, db, data, flows)]
        for n in nodes:
            http("POST", n.base + "hooks/fig/hook", {"a": 1}, key=False)  # warm: flow compiled, trigger read
        total, lines = wrk([n.base + "hooks/fig/hook" for n in nodes]) if not os.environ.get("FIGURES_QUEUE_ONLY") else (0, [])
        if lines: print(f"3 nodes on 2 cores, wrk 3 x (-t1 -c10 -d10s) webhook: {total:.0f} req/s in all ({'; '.join(lines)})")

        # Queue wait under 3 nodes: N events sent round robin; the wait is from the send to the step after the wait.
        keys = {}

        def start(i):
            keys[http("POST", nodes[i % 3].base + "api/flows/fig-event/run", {"inputs": {"key": f"q{i}"}, "mode": "async"})[1]["instanceId"]] = f"q{i}"
        parallel(N, start)
        deadline = time.time() + 120
        while len([x for x in http("GET", a.base + "api/instances?flowId=fig-event&status=suspended&take=1000")[1]]) < N and time.time() < deadline:
            time.sleep(0.2)
        lock_samples, samples, stop = [0], [0], [False]

        def sample():
            while not stop[0]:
                waiting = psql(f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{db}' AND wait_event_type = 'Lock'")
                lock_samples[0] += int(waiting)
                samples[0] += 1
                time.sleep(0.05)
        sampler = threading.Thread(target=sample)
        sampler.start()
        sent = {}

        def send(i):
            sent[f"q{i}"] = time.time()
            http("POST", nodes[i % 3].base + "api/events", {"event": "fig-go", "correlationId": f"q{i}"})
        parallel(N, send)
        wait_finished(a, "fig-event", N if os.environ.get("FIGURES_QUEUE_ONLY") else 2 * N)
        stop[0] = True
        sampler.join()
        waits, by_node = [], {}
        for inst in http("GET", a.base + "api/instances?flowId=fig-event&take=1000")[1]:
            key = keys.get(inst["instanceId"])
            if key not in sent:
                continue
            journal = http("GET", a.base + f"api/instances/{inst['instanceId']}/journal")[1]
            after = next(e for e in journal if e["nodeId"] == "after")
            # .NET writes 7 fractional digits; Python reads 6.
            started = datetime.datetime.fromisoformat(re.sub(r"(\.\d{6})\d*", r"\1", after["startedAt"]).replace("Z", "+00:00")).timestamp()
            waits.append((started - sent[key]) * 1000)
            by_node[after.get("runBy")] = by_node.get(after.get("runBy"), 0) + 1
        waits.sort()
        print(f"queue wait under 3 nodes ({len(waits)} event resumes sent round robin): p50 {statistics.median(waits):.0f} ms, "
              f"p95 {waits[int(len(waits) * .95) - 1]:.0f} ms, max {waits[-1]:.0f} ms; resumed per node {by_node}; "
              f"backends waiting on a lock: {lock_samples[0]} in {samples[0]} samples of pg_stat_activity")
    finally:
        for n in nodes:
            try:
                n.stop()
            except Exception:
                n.proc.kill()
        psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        shutil.rmtree(data, ignore_errors=True)
        shutil.rmtree(flows, ignore_errors=True)
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


print = functools.partial(print, flush=True)  # figures appear as they are measured, also when piped

if __name__ == "__main__":
    sys.exit(main())
