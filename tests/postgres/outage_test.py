#!/usr/bin/env python3
"""conductor-server through a PostgreSQL outage: while the database is down, requests that need it
are answered 503 with a JSON body (never 500, never a hang) and the server keeps running; once the
database is back, the server serves again on its own, with everything committed before the outage
still there.

The test stops and starts a cluster of its own (the shared one serves the other tests meanwhile).

usage: outage_test.py CONDUCTOR_SERVER CLUSTER_SH PG_BINDIR SCRATCH_DIR"""
import faulthandler
import json
import subprocess
import sys
import time

from server_process import Server

SERVER, CLUSTER_SH, PG_BINDIR, SCRATCH = sys.argv[1:5]
TASK = "outage_work"
FLOW = "outage_flow"
DEADLINE_S = 30  # generous: the loops below stop as soon as the server serves again


def cluster(action):
    subprocess.run(["bash", CLUSTER_SH, action, PG_BINDIR, SCRATCH], check=True, stdout=subprocess.DEVNULL)


def expect_unavailable(server, method, path, body=None):
    # A short timeout: an answer that takes longer during the outage is a hang.
    status, text = server.call(method, path, body, timeout=15)
    assert status == 503, "%s %s during the outage answered %d: %s" % (method, path, status, text)
    assert "message" in json.loads(text), "503 without a JSON message: " + text


def until_served(server, method, path, body=None):
    """The first answer that is not 503, once the database is back."""
    deadline = time.monotonic() + DEADLINE_S
    while True:
        status, text = server.call(method, path, body)
        if status != 503 or time.monotonic() > deadline:
            return status, text
        time.sleep(0.1)


def main():
    faulthandler.dump_traceback_later(100, exit=True)  # a hang shows where it is
    cluster("start")
    server = None
    try:
        with open(SCRATCH + "/url") as f:
            db = f.read().strip()
        server = Server(SERVER, db, pool_size=4)
        task_def = [{"name": TASK, "responseTimeoutSeconds": 60, "timeoutSeconds": 0, "ownerEmail": "t@example.com"}]
        assert server.call("POST", "/metadata/taskdefs", task_def)[0] == 200
        flow = {"name": FLOW, "version": 1, "schemaVersion": 2, "ownerEmail": "t@example.com",
                "tasks": [{"name": TASK, "taskReferenceName": "only", "type": "SIMPLE"}]}
        status, text = server.call("POST", "/metadata/workflow", flow)
        assert status == 200, text
        status, before = server.call("POST", "/workflow/" + FLOW, {"n": 1})
        assert status == 200, before

        cluster("halt")
        # Reads, writes, polls and searches all need the database; each is refused the same way,
        # and more than once, so that pooled connections found broken do not change the answer.
        for _ in range(2):
            expect_unavailable(server, "GET", "/workflow/%s?includeTasks=true" % before)
            expect_unavailable(server, "POST", "/workflow/" + FLOW, {"n": 2})
            expect_unavailable(server, "GET", "/tasks/poll/%s?workerid=w" % TASK)
            expect_unavailable(server, "GET", "/workflow/search?query=workflowType%3D" + FLOW)
        assert server.running(), "the server exited during the outage"
        print("outage: every request answered 503")

        cluster("resume")
        status, text = until_served(server, "GET", "/workflow/%s?includeTasks=true" % before)
        assert status == 200, "after the outage: %d %s" % (status, text)
        assert json.loads(text)["status"] == "RUNNING", text
        status, task = until_served(server, "GET", "/tasks/poll/%s?workerid=w" % TASK)
        assert status == 200 and task, "no task to poll after the outage: %d %s" % (status, task)
        task = json.loads(task)
        assert task["workflowInstanceId"] == before, task
        result = {"workflowInstanceId": before, "taskId": task["taskId"], "status": "COMPLETED",
                  "outputData": {"done": True}, "workerId": "w"}
        status, text = server.call("POST", "/tasks", result)
        assert status == 200, text
        status, text = server.call("GET", "/workflow/%s?includeTasks=false" % before)
        assert status == 200 and json.loads(text)["status"] == "COMPLETED", text
        status, after = server.call("POST", "/workflow/" + FLOW, {"n": 3})
        assert status == 200, after
        print("after the outage: the workflow started before it completed, a new one started")
    finally:
        if server is not None:
            server.stop()
        cluster("stop")


if __name__ == "__main__":
    main()
