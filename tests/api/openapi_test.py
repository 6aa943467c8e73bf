#!/usr/bin/python3
"""The OpenAPI document against a real OpenAPI validator and a real agent
(issue 10, point 4).

- `redocly lint` (@redocly/cli, pinned in tools/openapi/package.json and
  installed by scripts/setup) with its strictest ruleset;
- a real `colo agent` on the sample data center and the switch simulator,
  called over HTTP on every route with the answers a client meets (2xx,
  304, 400, 401, 403, 404, 405, 409, 413, 415, 422): each status must be
  documented for its operation, and each JSON body must validate against the
  documented schema (python3-jsonschema, JSON Schema 2020-12 as OpenAPI 3.1
  uses it), as must the callbacks a receiver gets.

Run by CTest (tests/CMakeLists.txt) as

    /usr/bin/python3 tests/api/openapi_test.py --colo BUILD/colo \
        --switchsim BUILD/tests/switchsim --redocly tools/openapi/node_modules/.bin/redocly
"""

import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "support"))
from site_under_test import DEADLINE_S, SOURCE, Site, example, poll  # noqa: E402
from site_under_test import http as request  # noqa: E402

DOCUMENT = os.path.join(SOURCE, "agent", "http", "openapi.json")
ARGS = None
SITE = None
RECEIVER = None
SEEN = set()  # (operationId, status) answered by the agent


class Receiver(ThreadingHTTPServer):
    """A request system's callback endpoint on 127.0.0.1: records and 204s."""

    def __init__(self):
        self.got = []
        self.cv = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                with outer.cv:
                    outer.got.append((dict(self.headers), body))
                    outer.cv.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    def url(self):
        return "http://127.0.0.1:%d/" % self.server_address[1]

    def wait_for(self, n):
        with self.cv:
            self.cv.wait_for(lambda: len(self.got) >= n, timeout=DEADLINE_S)
            return list(self.got)


def load_document():
    with open(DOCUMENT) as f:
        return json.load(f)


DOC = load_document()


def node_ref(ref):
    assert ref.startswith("#/"), ref
    return [p.replace("~1", "/").replace("~0", "~") for p in ref[2:].split("/")]


def deref(node):
    while "$ref" in node:
        target = DOC
        for part in node_ref(node["$ref"]):
            target = target[part]
        node = target
    return node


def validate(instance, schema):
    """Validates against a schema of the document, its $refs resolved there."""
    root = dict(schema)
    root["components"] = DOC["components"]
    jsonschema.Draft202012Validator(root, format_checker=jsonschema.FormatChecker()).validate(instance)


def operation(method, template):
    return DOC["paths"][template][method.lower()]


def call(method, template, path, token=None, body=None, headers=None, expect=None):
    """Calls the agent, and checks the answer against the document: the
    status is one the operation lists, and a JSON body fits its schema."""
    token = SITE.tokens[token] if token else None
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        headers = dict({"Content-Type": "application/json"}, **(headers or {}))
    status, hdrs, text = request(method, SITE.base + path, token, body, headers)
    if expect is not None:
        assert status == expect, (method, path, status, text[:500])
    op = operation(method, template)
    responses = op["responses"]
    key = str(status) if str(status) in responses else "%dXX" % (status // 100)
    assert key in responses, "%s %s answered %d, which the document does not list (%s)" % (
        method, template, status, ", ".join(responses))
    SEEN.add((op["operationId"], status))
    response = deref(responses[key])
    content_type = hdrs.get("Content-Type", "").split(";")[0].strip()
    if status == 304:
        assert text == "", text
    elif response.get("content"):
        assert content_type in response["content"], (method, path, status, content_type, list(response["content"]))
        if content_type.endswith("json"):
            validate(json.loads(text), response["content"][content_type]["schema"])
    for name in response.get("headers", {}):
        if name in ("Link",):
            continue  # only when there is a next page
        assert name in hdrs, (method, path, "no " + name + " header")
    return status, hdrs, text


def setUpModule():
    global SITE, RECEIVER
    RECEIVER = Receiver()
    SITE = Site(ARGS.colo, ARGS.switchsim, callback_urls=(RECEIVER.url(),))


def tearDownModule():
    if SITE:
        SITE.close()
    if RECEIVER:
        RECEIVER.shutdown()


class DocumentTest(unittest.TestCase):
    def test_redocly_lint_finds_nothing_with_its_strictest_rules(self):
        env = dict(os.environ, REDOCLY_TELEMETRY="off", REDOCLY_SUPPRESS_UPDATE_NOTICE="true",
                   NO_COLOR="1")
        r = subprocess.run([os.path.abspath(ARGS.redocly), "lint", "--extends", "recommended-strict", DOCUMENT],
                           capture_output=True, text=True, timeout=120, env=env, cwd=HERE)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Your API description is valid", r.stdout + r.stderr)
        self.assertNotIn("warning", (r.stdout + r.stderr).replace("Deprecation warning", ""))

    def test_the_agent_serves_this_document(self):
        _, _, text = call("GET", "/v1/openapi.json", "/v1/openapi.json", expect=200)
        self.assertEqual(json.loads(text), DOC)
        self.assertEqual(DOC["openapi"], "3.1.0")

    def test_the_problem_types_are_the_ones_the_agent_sends(self):
        # problemType() in agent/http/problem.cpp names every kind the agent
        # answers with; the document lists exactly those, no more.
        with open(os.path.join(SOURCE, "agent", "http", "problem.cpp")) as f:
            source = f.read()
        kinds = set(re.findall(r'kind = (?:invalid \? "[a-z-]+" : )?"([a-z-]+)"', source))
        kinds |= set(re.findall(r'invalid \? "([a-z-]+)"', source))
        documented = {t[len("urn:colo:problem:"):] for t in
                      DOC["components"]["schemas"]["Problem"]["properties"]["type"]["enum"]}
        self.assertEqual(documented, kinds)
        # Every status the agent's server layer answers on any route is listed on every operation.
        for template, item in DOC["paths"].items():
            for method, op in item.items():
                for status in ("405", "431", "500", "501", "503"):
                    self.assertIn(status, op["responses"], (method, template))

    def test_every_operation_has_an_id_and_typed_bodies(self):
        ids = []
        for template, item in DOC["paths"].items():
            for method, op in item.items():
                ids.append(op["operationId"])
                for status, response in op["responses"].items():
                    for media, c in deref(response).get("content", {}).items():
                        schema = c["schema"]
                        # No bare objects: every JSON body says what is in it.
                        if media.endswith("json") and template != "/v1/openapi.json":
                            self.assertNotEqual(deref(schema), {"type": "object"}, (template, status))
        self.assertEqual(len(ids), len(set(ids)))
        for name, schema in DOC["components"]["schemas"].items():
            for prop, s in schema.get("properties", {}).items():
                self.assertTrue(s, (name, prop, "a property with no type"))


class ContractTest(unittest.TestCase):
    """Each answer a client meets, checked against the document."""

    def test_a_failed_request_retried(self):
        req = example("bappeda-web.json")
        req["id"] = "REQ-OA-RETRY"
        req["servers"][0]["units"] = 42  # as tall as a rack, whose switch takes a unit: no fit
        req.pop("callback_url", None)
        call("POST", "/v1/requests", "/v1/requests", "sikd-bappeda", req, expect=202)
        failed = SITE.wait("REQ-OA-RETRY")
        self.assertEqual(failed["status"], "failed")
        self.assertEqual(failed["attempt"], 1)
        self.assertEqual(failed["reason"], "no_fit")
        self.assertNotIn("completed_at", failed)
        self.assertIn("ended_at", failed)
        path = "/v1/requests/REQ-OA-RETRY/retry"
        call("POST", "/v1/requests/{id}/retry", path, "sikd-bappeda", expect=403)
        _, _, text = call("POST", "/v1/requests/{id}/retry", path, "tech-budi", expect=202)
        self.assertEqual(json.loads(text), {"id": "REQ-OA-RETRY", "status": "planning", "attempt": 2})
        poll(lambda: SITE.api("/v1/requests/REQ-OA-RETRY")["attempt"] == 2 and
             SITE.api("/v1/requests/REQ-OA-RETRY")["status"] == "failed", "the second attempt failed")
        call("POST", "/v1/requests/{id}/retry", "/v1/requests/REQ-NOPE/retry", "tech-budi", expect=404)
        # A failed request's cabling is not checked.
        call("POST", "/v1/requests/{id}/check", "/v1/requests/REQ-OA-RETRY/check", "tech-budi", expect=409)

    def test_a_release_that_forgets_the_switches(self):
        req = example("bappeda-web.json")
        req["id"] = "REQ-OA-FORGET"
        req.pop("callback_url", None)
        call("POST", "/v1/requests", "/v1/requests", "sikd-bappeda", req, expect=202)
        self.assertEqual(SITE.wait("REQ-OA-FORGET")["status"], "completed")
        path = "/v1/requests/REQ-OA-FORGET/release"
        forget = {"forget_switches": True, "reason": "switch removed from service"}
        call("POST", "/v1/requests/{id}/release", path, "tech-budi", forget, expect=403)
        call("POST", "/v1/requests/{id}/release", path, "ops-alice", {"forget_switches": True},
             expect=400)  # no reason
        call("POST", "/v1/requests/{id}/release", path, "ops-alice", {"forget_switches": 1, "reason": "x"},
             expect=400)
        call("POST", "/v1/requests/{id}/release", path, "ops-alice", {"reason": "x"}, expect=400)
        call("POST", "/v1/requests/{id}/release", path, "ops-alice", b"forget", expect=415,
             headers={"Content-Type": "text/plain"})
        _, _, text = call("POST", "/v1/requests/{id}/release", path, "ops-alice", forget, expect=202)
        answer = json.loads(text)
        self.assertEqual(answer["status"], "released")
        self.assertTrue(answer["switches_forgotten"])
        self.assertTrue(answer["ports_to_clean"])
        # The ports stay held: the request still names them, its status is released.
        detail = SITE.api("/v1/requests/REQ-OA-FORGET")
        self.assertEqual(detail["status"], "released")
        self.assertIn("switch removed from service", json.dumps(detail["steps"]))
        call("POST", "/v1/requests/{id}/release", path, "ops-alice", forget, expect=409)
        call("POST", "/v1/requests/{id}/release", "/v1/requests/REQ-NOPE/release", "ops-alice", forget,
             expect=404)

    def test_health_and_metrics(self):
        call("GET", "/healthz", "/healthz", expect=200)
        call("GET", "/readyz", "/readyz", expect=200)
        _, _, text = call("GET", "/metrics", "/metrics", expect=200)
        self.assertIn("colo_requests{status=", text)

    def test_a_request_from_submission_to_its_callbacks(self):
        req = example("bappeda-web.json")
        req["id"] = "REQ-OA-1"
        req["callback_url"] = RECEIVER.url() + "colo"
        before = len(RECEIVER.got)
        call("POST", "/v1/requests", "/v1/requests", "sikd-bappeda", req, expect=202)
        call("POST", "/v1/requests", "/v1/requests", "sikd-bappeda", req, expect=202)  # the same again
        call("POST", "/v1/requests", "/v1/requests", "sikd-dinkes", req, expect=409)  # another's id
        done = SITE.wait("REQ-OA-1")
        self.assertEqual(done["status"], "completed")
        _, _, text = call("GET", "/v1/requests/{id}", "/v1/requests/REQ-OA-1", "sikd-bappeda", expect=200)
        detail = json.loads(text)
        self.assertEqual(detail["allocation"][0]["hostname"], "bappeda-web01")
        self.assertTrue(detail["steps"])
        call("GET", "/v1/requests/{id}", "/v1/requests/REQ-OA-1", "sikd-dinkes", expect=404)
        call("GET", "/v1/requests/{id}", "/v1/requests/REQ-NOPE", "ops-alice", expect=404)
        call("GET", "/v1/requests/{id}/letter", "/v1/requests/REQ-OA-1/letter", "sikd-bappeda", expect=200)

        got = RECEIVER.wait_for(before + 1)
        completed = json.loads(got[before][1])
        validate(completed, operation("POST", "/v1/requests")["callbacks"]["requestEnded"]
                 ["{$request.body#/callback_url}"]["post"]["requestBody"]["content"]["application/json"]["schema"])
        self.assertEqual(completed["type"], "request.completed")

        # Only a failed request is retried: a completed one is left as it is.
        call("POST", "/v1/requests/{id}/retry", "/v1/requests/REQ-OA-1/retry", "tech-budi", expect=409)
        call("POST", "/v1/requests/{id}/release", "/v1/requests/REQ-OA-1/release", "sikd-bappeda", expect=403)
        call("POST", "/v1/requests/{id}/release", "/v1/requests/REQ-OA-1/release", "tech-budi", expect=202)
        SITE.wait("REQ-OA-1", ("released",))
        call("POST", "/v1/requests/{id}/release", "/v1/requests/REQ-OA-1/release", "tech-budi", expect=409)
        call("POST", "/v1/requests/{id}/release", "/v1/requests/REQ-NOPE/release", "tech-budi", expect=404)
        call("GET", "/v1/requests/{id}/letter", "/v1/requests/REQ-OA-1/letter", "sikd-bappeda", expect=409)
        got = RECEIVER.wait_for(before + 2)
        released = json.loads(got[before + 1][1])
        self.assertEqual(released["type"], "request.released")
        # The receiver has it; the agent records the answer a moment later.
        # Until then the delivery is still being tried, and a redelivery
        # would be that delivery itself.
        def last_delivered():
            _, _, text = call("GET", "/v1/requests/{id}", "/v1/requests/REQ-OA-1", "ops-alice", expect=200)
            return json.loads(text)["deliveries"][-1]["state"] == "delivered"
        poll(last_delivered, "the released callback recorded as delivered")

        call("POST", "/v1/requests/{id}/redeliver", "/v1/requests/REQ-OA-1/redeliver", "sikd-bappeda",
             expect=403)
        _, _, text = call("POST", "/v1/requests/{id}/redeliver", "/v1/requests/REQ-OA-1/redeliver",
                          "tech-budi", expect=202)
        self.assertTrue(json.loads(text)["delivery_id"].endswith("~r1"))
        got = RECEIVER.wait_for(before + 3)
        self.assertEqual(got[before + 2][1], got[before + 1][1])
        # A redelivery is the same message: the same webhook-id.
        self.assertEqual(got[before + 2][0]["webhook-id"], got[before + 1][0]["webhook-id"])
        call("POST", "/v1/requests/{id}/redeliver", "/v1/requests/REQ-NOPE/redeliver", "tech-budi", expect=404)
        call("POST", "/v1/requests/{id}/redeliver", "/v1/requests/REQ-OA-1/redeliver", "tech-budi",
             {"delivery_id": "REQ-OA-1-nope-1"}, expect=404)
        call("POST", "/v1/requests/{id}/redeliver", "/v1/requests/REQ-OA-1/redeliver", "tech-budi",
             {"delivery": "x"}, expect=400)
        call("POST", "/v1/requests/{id}/redeliver", "/v1/requests/REQ-OA-1/redeliver", "tech-budi",
             b"x", headers={"Content-Type": "text/plain"}, expect=415)
        # The callbacks a receiver got, as the deliveries list says.
        def states():
            _, _, text = call("GET", "/v1/requests/{id}", "/v1/requests/REQ-OA-1", "ops-alice", expect=200)
            return [d["state"] for d in json.loads(text)["deliveries"]]
        poll(lambda: states() == ["delivered"] * 3, "three deliveries, each delivered")
        self.assertEqual(states(), ["delivered"] * 3)

    def test_a_cabling_check(self):
        req = example("dispendik-lms.json")
        req["callback_url"] = RECEIVER.url() + "colo-check"
        req["id"] = "REQ-OA-CHECK"
        before = len(RECEIVER.got)
        call("POST", "/v1/requests", "/v1/requests", "sikd-dinkes", req, expect=202)
        self.assertEqual(SITE.wait("REQ-OA-CHECK")["status"], "completed")
        # Queued, run by a worker, shown under checks.
        path = "/v1/requests/REQ-OA-CHECK/check"
        call("POST", "/v1/requests/{id}/check", path, "sikd-dinkes", expect=403)
        _, _, text = call("POST", "/v1/requests/{id}/check", path, "tech-budi", expect=202)
        self.assertEqual(json.loads(text)["id"], "REQ-OA-CHECK")
        call("POST", "/v1/requests/{id}/check", "/v1/requests/REQ-NOPE/check", "tech-budi", expect=404)
        call("POST", "/v1/requests/{id}/check", path, "tech-budi", {"x": 1}, expect=400)
        poll(lambda: [c["state"] for c in SITE.api("/v1/requests/REQ-OA-CHECK")["checks"]][:1] == ["done"],
             "the cabling check ran")
        _, _, text = call("GET", "/v1/requests/{id}", "/v1/requests/REQ-OA-CHECK", "tech-budi", expect=200)
        self.assertTrue(json.loads(text)["checks"][0]["nics"])
        # request.checked, as the document's callback says: after the completion's.
        got = RECEIVER.wait_for(before + 2)
        bodies = [json.loads(b) for _, b in got[before:before + 2]]
        checked = [b for b in bodies if b["type"] == "request.checked"]
        self.assertEqual(len(checked), 1)
        validate(checked[0], operation("POST", "/v1/requests")["callbacks"]["requestChecked"]
                 ["{$request.body#/callback_url}"]["post"]["requestBody"]["content"]["application/json"]["schema"])
        self.assertEqual(checked[0]["request_id"], "REQ-OA-CHECK")

    def test_a_request_without_a_callback_cannot_be_redelivered(self):
        req = example("dispendik-lms.json")
        req.pop("callback_url", None)
        req["id"] = "REQ-OA-NOCB"
        call("POST", "/v1/requests", "/v1/requests", "sikd-dinkes", req, expect=202)
        SITE.wait("REQ-OA-NOCB")
        call("POST", "/v1/requests/{id}/redeliver", "/v1/requests/REQ-OA-NOCB/redeliver", "tech-budi", expect=409)

    def test_what_a_request_system_gets_wrong(self):
        good = example("bappeda-web.json")
        good.pop("callback_url")
        good["id"] = "REQ-OA-BAD"
        call("POST", "/v1/requests", "/v1/requests", None, good, expect=401)
        status, _, _ = request("POST", SITE.base + "/v1/requests", "colo_not-a-token", json.dumps(good).encode(),
                            {"Content-Type": "application/json"})
        self.assertEqual(status, 401)
        _, _, text = call("POST", "/v1/requests", "/v1/requests", "sikd-bappeda",
                          {"id": "x y", "servers": []}, expect=400)
        self.assertGreaterEqual(len(json.loads(text)["errors"]), 3)  # every field at once
        call("POST", "/v1/requests", "/v1/requests", "sikd-bappeda", b"{not json",
             {"Content-Type": "application/json"}, expect=400)
        call("POST", "/v1/requests", "/v1/requests", "sikd-bappeda", json.dumps(good).encode(),
             {"Content-Type": "text/plain"}, expect=415)
        # Over 1 MiB: answered 413 as soon as the length is read.
        conn = http.client.HTTPConnection(SITE.base[len("http://"):], timeout=DEADLINE_S)
        conn.putrequest("POST", "/v1/requests")
        conn.putheader("Authorization", "Bearer " + SITE.tokens["sikd-bappeda"])
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(2 << 20))
        conn.endheaders()
        try:
            conn.send(b" " * (2 << 20))
        except (BrokenPipeError, ConnectionResetError):
            pass  # it stopped reading: the answer is waiting
        r = conn.getresponse()
        self.assertEqual(r.status, 413)
        self.assertIn("413", operation("POST", "/v1/requests")["responses"])
        validate(json.loads(r.read()), {"$ref": "#/components/schemas/Problem"})
        conn.close()
        too_big = dict(good, servers=[dict(good["servers"][0], units=60)])
        _, _, text = call("POST", "/v1/requests", "/v1/requests", "sikd-bappeda", too_big, expect=422)
        self.assertTrue(json.loads(text)["errors"])
        # No PUT operation to check it against: every operation lists 405.
        status, hdrs, _ = request("PUT", SITE.base + "/v1/requests", SITE.tokens["sikd-bappeda"])
        self.assertEqual(status, 405)
        self.assertEqual(hdrs["Allow"], "POST, GET, HEAD")
        self.assertIn("405", operation("GET", "/v1/requests")["responses"])

    def test_lists_pages_and_etags(self):
        for template in ("/v1/requests", "/v1/racks", "/v1/pools"):
            _, hdrs, text = call("GET", template, template, "ops-alice", expect=200)
            self.assertIn("X-Total-Count", hdrs)
            items = json.loads(text)
            if int(hdrs["X-Total-Count"]) > 1:
                _, hdrs1, _ = call("GET", template, template + "?limit=1", "ops-alice", expect=200)
                link = hdrs1["Link"]
                rels = dict((rel, target) for target, rel in
                            re.findall(r'<([^>]*)>; rel="([a-z]+)"', link))
                self.assertEqual(rels["first"], template + "?limit=1")
                nxt = rels["next"]
                call("GET", template, nxt, "ops-alice", expect=200)
            call("GET", template, template + "?bogus=1", "ops-alice", expect=400)
            call("GET", template, template, None, expect=401)
            call("GET", template, template, "ops-alice", headers={"If-None-Match": hdrs["ETag"]}, expect=304)
            self.assertTrue(items or template == "/v1/requests")
        call("GET", "/v1/requests", "/v1/requests?status=bogus", "ops-alice", expect=400)
        _, hdrs, text = call("GET", "/v1/pools/{name}", "/v1/pools/colo-public-v4?limit=1", "ops-alice",
                             expect=200)
        self.assertIn("free_ranges", json.loads(text))
        call("GET", "/v1/pools/{name}", "/v1/pools/colo-public-v4", "sikd-bappeda", expect=200)
        call("GET", "/v1/pools/{name}", "/v1/pools/colo-public-v5", "ops-alice", expect=404)
        call("GET", "/v1/pools/{name}", "/v1/pools/colo-public-v4?limit=0", "ops-alice", expect=400)
        call("GET", "/v1/pools/{name}", "/v1/pools/colo-public-v4", None, expect=401)
        _, _, text = call("GET", "/v1/pools", "/v1/pools", "sikd-bappeda", expect=200)
        for p in json.loads(text):
            for k in ("usable", "held", "free"):
                self.assertIsInstance(p[k], str)  # one type, IPv4 and IPv6 alike

    def test_agents(self):
        _, _, text = call("GET", "/v1/agents", "/v1/agents", "ops-alice", expect=200)
        view = json.loads(text)
        self.assertGreaterEqual(view["live_agents"], 1)
        me = [a for a in view["agents"] if a["self"]]
        self.assertEqual(len(me), 1)
        self.assertEqual(me[0]["state"], "live")
        call("GET", "/v1/agents", "/v1/agents", "tech-budi", expect=403)
        call("GET", "/v1/agents", "/v1/agents", None, expect=401)

    def test_forecast(self):
        _, _, text = call("GET", "/v1/forecast", "/v1/forecast", "tech-budi", expect=200)
        view = json.loads(text)
        self.assertEqual(view["window_days"], 90)
        self.assertTrue(view["racks"] and view["feeds"] and view["pools"] and view["rooms"])
        _, _, text = call("GET", "/v1/forecast", "/v1/forecast?window=365d", "ops-alice", expect=200)
        self.assertEqual(json.loads(text)["window_days"], 365)
        call("GET", "/v1/forecast", "/v1/forecast?window=0", "tech-budi", expect=400)
        call("GET", "/v1/forecast", "/v1/forecast?window=90&window=30", "tech-budi", expect=400)
        call("GET", "/v1/forecast", "/v1/forecast?bogus=1", "tech-budi", expect=400)
        call("GET", "/v1/forecast", "/v1/forecast", "sikd-bappeda", expect=403)
        call("GET", "/v1/forecast", "/v1/forecast", None, expect=401)

    def test_racks(self):
        _, _, text = call("GET", "/v1/racks", "/v1/racks", "ops-alice", expect=200)
        name = json.loads(text)[0]["name"]
        _, hdrs, _ = call("GET", "/v1/racks/{name}", "/v1/racks/" + name, "sikd-bappeda", expect=200)
        call("GET", "/v1/racks/{name}", "/v1/racks/" + name, "sikd-bappeda",
             headers={"If-None-Match": hdrs["ETag"]}, expect=304)
        call("GET", "/v1/racks/{name}", "/v1/racks/R99", "sikd-bappeda", expect=404)
        call("GET", "/v1/racks/{name}/elevation.svg", "/v1/racks/%s/elevation.svg" % name, "sikd-bappeda",
             expect=200)
        call("GET", "/v1/racks/{name}/elevation.svg", "/v1/racks/R99/elevation.svg", "sikd-bappeda", expect=404)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--colo", required=True)
    parser.add_argument("--switchsim", required=True)
    parser.add_argument("--redocly", required=True)
    ARGS, rest = parser.parse_known_args()
    result = unittest.main(argv=[sys.argv[0], "-v", *rest], exit=False).result
    if not result.wasSuccessful():
        sys.exit(1)
    if not rest:
        # The whole suite ran: it must have called every operation the
        # document describes and seen it succeed.
        missing = [op["operationId"] for item in DOC["paths"].values() for op in item.values()
                   if not any(o == op["operationId"] and s < 300 for o, s in SEEN)]
        if missing:
            print("operations never called with success: " + ", ".join(missing))
            sys.exit(1)
        print("every operation called; answers seen: %d" % len(SEEN))


if __name__ == "__main__":
    main()
