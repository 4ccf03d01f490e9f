#!/usr/bin/env python3
"""Three conductor-server processes on one PostgreSQL database, with external workers spread over
them: every workflow completes, no task is handed out twice, and every update a server acknowledged
is stored. Then one server is killed with SIGKILL mid-run and the other two finish its workflows.

usage: multiprocess_test.py CONDUCTOR_SERVER PSQL   (the URL comes from the environment, as for the
other PostgreSQL tests)"""
import faulthandler
import json
import os
import random
import subprocess
import sys
import threading
import time

from server_process import Server

SERVER, PSQL = sys.argv[1], sys.argv[2]
TASK = "mp_work"
FLOW = "mp_flow"
DEADLINE_S = 120  # generous: polling for completion stops as soon as everything is done


def server_url():
    if "CONDUCTOR_TEST_POSTGRES_URL" in os.environ:
        return os.environ["CONDUCTOR_TEST_POSTGRES_URL"]
    with open(os.environ["CONDUCTOR_TEST_POSTGRES_URL_FILE"]) as f:
        return f.read().strip()


def fresh_database_url():
    """A schema of our own on the shared server."""
    base = server_url()
    schema = "mp%d" % random.randrange(1 << 40)
    subprocess.run([PSQL, "-q", base, "-c", "CREATE SCHEMA " + schema], check=True)
    return base + ("&" if "?" in base else "?") + "options=-csearch_path%3D" + schema


class Ledger:
    """What the workers saw: every task handed out, and every update a server acknowledged."""

    def __init__(self):
        self.lock = threading.Lock()
        self.handed_out = {}
        self.acknowledged = {}
        self.completed = 0
        self.refused = {}  # HTTP status of updates a server did not acknowledge -> count

    def hand_out(self, task_id):
        with self.lock:
            self.handed_out[task_id] = self.handed_out.get(task_id, 0) + 1

    def acknowledge(self, task_id, value):
        with self.lock:
            self.acknowledged[task_id] = value
            self.completed += 1


def worker(name, servers, home, ledger, stop, polling):
    """Polls its home server while `polling` is set; when that server dies, the tasks in hand are
    lost with it (as for a worker inside that process) and the worker moves on to a live server."""
    index = home
    while not stop.is_set():
        if not polling.wait(0.05):
            continue
        server = servers[index]
        if not server.alive:
            index = next(i for i, s in enumerate(servers) if s.alive)
            continue
        try:
            status, body = server.call("GET", "/tasks/poll/batch/%s?count=4&timeout=300&workerid=%s" % (TASK, name))
        except OSError:
            continue
        if status != 200:
            continue
        for task in json.loads(body) if body else []:
            ledger.hand_out(task["taskId"])
            value = "%s:%s" % (name, task["taskId"])
            result = {"workflowInstanceId": task["workflowInstanceId"], "taskId": task["taskId"],
                      "status": "COMPLETED", "outputData": {"by": value}, "workerId": name}
            if not server.alive:
                break  # the tasks in hand died with the process
            try:
                status, _ = server.call("POST", "/tasks", result)
            except OSError:
                break
            if status == 200:
                ledger.acknowledge(task["taskId"], value)
            else:
                with ledger.lock:
                    ledger.refused[status] = ledger.refused.get(status, 0) + 1


def start_workflows(servers, count):
    ids = []
    for i in range(count):
        server = servers[i % len(servers)]
        status, body = server.call("POST", "/workflow/" + FLOW, {"n": i})
        assert status == 200, body
        ids.append(body.strip().strip('"'))
    return ids


def wait_until_done(servers, ids):
    deadline = time.time() + DEADLINE_S
    pending = set(ids)
    while pending and time.time() < deadline:
        server = next(s for s in servers if s.alive)
        for workflow_id in list(pending):
            status, body = server.call("GET", "/workflow/%s?includeTasks=false" % workflow_id)
            if status == 200 and json.loads(body)["status"] == "COMPLETED":
                pending.discard(workflow_id)
        if pending:
            time.sleep(0.2)  # polling for completion, not timing
    return pending


def check_ledger(servers, ledger, ids):
    server = next(s for s in servers if s.alive)
    stored = {}
    for workflow_id in ids:
        status, body = server.call("GET", "/workflow/%s?includeTasks=true" % workflow_id)
        assert status == 200, body
        for task in json.loads(body)["tasks"]:
            stored[task["taskId"]] = task
    timed_out = sum(1 for t in stored.values() if t["status"] == "TIMED_OUT")
    print("tasks lost with the killed process and retried after their response timeout: %d" % timed_out)
    twice = [t for t, n in ledger.handed_out.items() if n > 1]
    assert not twice, "tasks handed out more than once: %s" % twice[:5]
    for task_id, value in ledger.acknowledged.items():
        task = stored.get(task_id)
        assert task is not None, "acknowledged task %s is missing" % task_id
        assert task["status"] == "COMPLETED", "acknowledged task %s is %s" % (task_id, task["status"])
        assert task["outputData"].get("by") == value, "acknowledged output of %s was not stored" % task_id


def main():
    faulthandler.dump_traceback_later(100, exit=True)  # a hang shows where it is
    db = fresh_database_url()
    servers = [Server(SERVER, db)]  # the first one migrates the schema; the others find it done
    servers += [Server(SERVER, db), Server(SERVER, db)]
    try:
        first = servers[0]
        task_def = [{"name": TASK, "retryCount": 5, "retryLogic": "FIXED", "retryDelaySeconds": 0,
                     "responseTimeoutSeconds": 2, "timeoutSeconds": 0, "ownerEmail": "t@example.com"}]
        assert first.call("POST", "/metadata/taskdefs", task_def)[0] == 200
        flow = {"name": FLOW, "version": 1, "schemaVersion": 2, "ownerEmail": "t@example.com",
                "tasks": [{"name": TASK, "taskReferenceName": "step%d" % i, "type": "SIMPLE"} for i in range(3)]}
        status, body = first.call("POST", "/metadata/workflow", flow)
        assert status == 200, body

        ledger = Ledger()
        stop = threading.Event()
        polling = threading.Event()
        polling.set()
        workers = [threading.Thread(target=worker, args=("w%d" % i, servers, i % 3, ledger, stop, polling))
                   for i in range(6)]
        for w in workers:
            w.start()
        try:
            ids = start_workflows(servers, 30)
            pending = wait_until_done(servers, ids)
            assert not pending, "not completed on three processes: %s" % sorted(pending)[:5]
            print("phase 1: 30 workflows on 3 processes completed")

            # The workers pause while the next workflows start: on a loaded machine they would
            # otherwise finish them during the starts, leaving nothing to kill a server in the middle of.
            polling.clear()
            more = start_workflows(servers, 90)
            target = ledger.completed + 10
            polling.set()
            deadline = time.time() + DEADLINE_S
            while ledger.completed < target and time.time() < deadline:
                time.sleep(0.01)  # polling for progress before the kill
            servers[0].kill()
            print("phase 2: process 1 killed after %d acknowledged updates" % ledger.completed)
            pending = wait_until_done(servers, more)
            assert not pending, "not completed after the kill: %s" % sorted(pending)[:5]
            print("phase 2: the two survivors completed all 90 workflows")
        finally:
            stop.set()
            for w in workers:
                w.join()
        check_ledger(servers, ledger, ids + more)
        print("no task handed out twice; %d acknowledged updates all stored; refused: %s" %
              (len(ledger.acknowledged), ledger.refused))
    finally:
        for server in servers:
            server.stop()


if __name__ == "__main__":
    main()
