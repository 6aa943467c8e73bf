#!/usr/bin/python3
"""The web console in a real browser (design.md §11): headless Chromium driven by
Selenium against the real `colo agent`, which serves the sample data center
(examples/) and provisions requests on the real switch simulator.

Run by CTest (tests/CMakeLists.txt) as

    /usr/bin/python3 tests/ui/console_test.py --colo BUILD/colo --switchsim BUILD/tests/switchsim

With COLO_SCREENSHOTS=DIR it also saves the screenshots shown in docs/.
Every test starts from a browser without cookies; none depends on another.
"""

import argparse
import base64
import json
import os
import re
import subprocess
import sys
import unittest
from datetime import timedelta

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "support"))
from site_under_test import DEADLINE_S, Site, example, http, poll, tanggal  # noqa: E402

ARGS = None
SITE = None


def setUpModule():
    global SITE
    SITE = Site(ARGS.colo, ARGS.switchsim)
    # The department of planning's request system sends two requests: one
    # received two weeks ago (late by now, whatever the weekends and
    # holidays), one received now (on time). Every date is the site's now
    # or computed from it: the suite passes on any day.
    late = example("bappeda-web.json")
    late["callback_url"] = "http://127.0.0.1:9/colo"  # nobody listens: the delivery is retried
    late["received_at"] = SITE.received(days_ago=14)
    SITE.late_id = SITE.post("sikd-bappeda", late)
    fresh = example("bappeda-web.json")
    fresh.pop("callback_url")
    fresh["id"] = "REQ-UI-FRESH"
    fresh["received_at"] = SITE.received()
    fresh["servers"][0]["hostname"] = "bappeda-web09"
    SITE.fresh_id = SITE.post("sikd-bappeda", fresh)
    # The health office's own request system: another tenant, received now.
    other = example("dispendik-lms.json")
    other.pop("callback_url", None)
    other["received_at"] = SITE.received()
    SITE.other_id = SITE.post("sikd-dinkes", other)
    # One a technician will release (received now: never late).
    one = dict(fresh, id="REQ-UI-RELEASE", servers=[{"hostname": "bappeda-tmp01", "units": 1,
                                                    "power_watts": 100, "nics": []}])
    SITE.release_id = SITE.post("sikd-bappeda", one)
    SITE.all_ids = sorted([SITE.late_id, SITE.fresh_id, SITE.other_id, SITE.release_id])
    for rid in SITE.all_ids:
        assert SITE.wait(rid)["status"] == "completed", rid
    # A technician's reservation, received two weeks ago and still open: the
    # one request that is late (REQ-2026-0142 ended late: it missed its date).
    still_open = example("bappeda-web.json")
    still_open.pop("callback_url")
    still_open.update(id="REQ-UI-OPEN", received_at=SITE.received(days_ago=14))
    still_open["servers"][0]["hostname"] = "bappeda-web07"
    path = os.path.join(SITE.dir, "open.json")
    with open(path, "w") as f:
        json.dump(still_open, f)
    SITE.run("reserve", path)
    SITE.open_late_id = "REQ-UI-OPEN"
    SITE.all_ids = sorted(SITE.all_ids + [SITE.open_late_id])


def tearDownModule():
    if SITE:
        SITE.close()


class ConsoleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        o = webdriver.ChromeOptions()
        o.binary_location = "/usr/bin/chromium"
        for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--window-size=1400,1000", "--lang=en-US"]:
            o.add_argument(a)
        o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        cls.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
        cls.driver.set_page_load_timeout(DEADLINE_S)

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()

    def setUp(self):
        self.d = self.driver
        self.d.get(SITE.base + "/ui/login")
        self.d.delete_all_cookies()
        self.d.get_log("browser")  # forget what earlier tests logged

    def tearDown(self):
        # A refused stylesheet, a blocked resource, a script error: the
        # browser says so here.
        # (Answers like 401 and 404 are logged as "network" errors: expected.)
        problems = [e for e in self.d.get_log("browser")
                    if e["level"] == "SEVERE" and e["source"] != "network"]
        self.assertEqual(problems, [])

    def submit(self, element):
        """Clicks a button or link that leads to another page, and waits
        (bounded) until that page has replaced this one: a click returns
        before the browser has navigated."""
        page = self.d.find_element(By.TAG_NAME, "html")
        element.click()

        def replaced(_):
            try:
                page.tag_name  # the old document's root: gone once the new page is in
                return False
            except WebDriverException:  # stale, or "does not belong to the document"
                return True

        WebDriverWait(self.d, DEADLINE_S).until(replaced)

    def go(self, path):
        self.d.get(SITE.base + path)

    def css(self, selector):
        return self.d.find_elements(By.CSS_SELECTOR, selector)

    def login(self, who):
        self.go("/ui/login")
        self.d.find_element(By.NAME, "token").send_keys(SITE.tokens[who])
        self.submit(self.d.find_element(By.ID, "login"))
        who_am_i = self.css("#who")
        self.assertTrue(who_am_i, "not logged in: " + self.d.current_url + "\n" + self.d.find_element(By.TAG_NAME, "body").text)
        self.assertEqual(who_am_i[0].text.split(" ")[0], who)

    def shot(self, name, width=1400, height=1000):
        folder = os.environ.get("COLO_SCREENSHOTS")
        if not folder:
            return
        self.d.set_window_size(width, height)
        full = self.d.execute_script("return document.documentElement.scrollHeight")
        self.d.set_window_size(width, min(max(full, 400), height))
        self.d.save_screenshot(os.path.join(folder, name + ".png"))
        self.d.set_window_size(1400, 1000)

    def test_without_a_session_every_page_leads_to_the_login_and_shows_nothing(self):
        for path in ["/", "/ui", "/ui/", "/ui/racks/R01", "/ui/racks/R01/elevation.svg", "/ui/pools",
                     "/ui/pools?pool=colo-public-v4", "/ui/requests", "/ui/requests/" + SITE.late_id,
                     "/ui/requests/%s/letter" % SITE.late_id, "/ui/nothing-here"]:
            status, headers, body = http("GET", SITE.base + path)
            self.assertIn(status, (303,), path)
            self.assertTrue(headers["Location"].startswith("/ui/"), path)
            for secret in ["R01", "bappeda", "203.0.113"]:
                self.assertNotIn(secret, body, path)
        # A form sent without a session is not acted on either.
        status, headers, _ = http("POST", SITE.base + "/ui/requests/%s/release" % SITE.late_id,
                                  body=b"csrf=x", headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual((status, headers["Location"]), (303, "/ui/login"))
        self.assertEqual(SITE.api("/v1/requests/" + SITE.late_id)["status"], "completed")
        # In the browser: the login form, then the page first asked for.
        self.go("/ui/racks/R02")
        self.assertTrue(self.d.current_url.endswith("/ui/login?next=%2Fui%2Fracks%2FR02"), self.d.current_url)
        self.assertEqual(self.css("main .rack"), [])
        self.d.find_element(By.NAME, "token").send_keys(SITE.tokens["ops-alice"])
        self.submit(self.d.find_element(By.ID, "login"))
        self.assertTrue(self.d.current_url.endswith("/ui/racks/R02"))

    def test_login_and_logout(self):
        self.go("/ui/")
        self.assertTrue(self.d.current_url.endswith("/ui/login"))
        self.shot("console-login", 900, 600)
        self.d.find_element(By.NAME, "token").send_keys("colo_" + "0" * 64)
        self.submit(self.d.find_element(By.ID, "login"))
        self.assertIn("not valid", self.d.find_element(By.ID, "login-error").text)
        self.assertIsNone(self.d.get_cookie("colo_session"))

        self.login("ops-alice")
        c = self.d.get_cookie("colo_session")
        self.assertTrue(c["httpOnly"])
        self.assertEqual(c["sameSite"], "Strict")
        self.assertEqual(c["path"], "/")
        self.assertFalse(c["secure"])  # plain HTTP here; Secure under TLS
        self.assertRegex(c["value"], "^[0-9a-f]{64}$")
        self.assertEqual(self.d.execute_script("return document.cookie"), "")  # HttpOnly: no script sees it

        self.submit(self.d.find_element(By.ID, "logout"))
        self.assertTrue(self.d.current_url.endswith("/ui/login"))
        # The old cookie opens nothing any more, even if a browser kept it.
        status, headers, _ = http("GET", SITE.base + "/ui/", headers={"Cookie": "colo_session=" + c["value"]})
        self.assertEqual((status, headers["Location"]), (303, "/ui/login"))
        self.go("/ui/requests")
        self.assertIn("/ui/login", self.d.current_url)

    def test_every_page_renders_for_the_sample_data_center(self):
        self.login("ops-alice")
        racks = SITE.api("/v1/racks")
        pools = SITE.api("/v1/pools")
        self.go("/ui/")
        cards = {e.get_attribute("data-rack"): e for e in self.css("article.rack")}
        self.assertEqual(sorted(cards), sorted(r["name"] for r in racks))
        for r in racks:
            card = cards[r["name"]]
            self.assertEqual(card.find_element(By.CSS_SELECTOR, ".units").get_attribute("data-free"),
                             str(r["units"]["free"]))
            feeds = card.find_elements(By.CSS_SELECTOR, ".feed")
            self.assertEqual(len(feeds), len(r["feeds"]))
            for f, api in zip(feeds, r["feeds"]):
                self.assertEqual(f.get_attribute("data-feed"), api["name"])
                level = f.get_attribute("data-level")
                percent = int(f.get_attribute("data-percent"))
                self.assertEqual(level, "critical" if percent >= 95 else "high" if percent >= 80 else "ok")
                # The bars are drawn: each feed's filled part is as wide as its share.
                fill = f.find_elements(By.CSS_SELECTOR, "svg.bar rect")[1]
                self.assertEqual(fill.get_attribute("width"), str(min(percent, 100)))
        self.shot("console-overview", 1400, 1000)
        self.shot("console-phone", 390, 844)

        for r in racks:
            self.go("/ui/racks/" + r["name"])
            self.assertEqual(self.d.find_element(By.CSS_SELECTOR, "main h1").text.split(" ")[1], r["name"])
            self.assertEqual(len(self.css("svg.elevation")), 1)
            # One row of draw per device and colo server.
            occupants = {(u["state"], u.get("request_id"), u["occupant"])
                         for u in SITE.api("/v1/racks/" + r["name"])["elevation"]
                         if u["state"] in ("device", "claimed")}
            self.assertEqual(len(self.css("#loads tbody tr")), len(occupants))
            for f, api in zip(self.css(".feed"), r["feeds"]):
                self.assertEqual(int(f.get_attribute("data-percent")), api["percent"])
            self.assertGreater(len(self.css(".ports .port")), 0)
        self.go("/ui/racks/R04")
        self.shot("console-rack", 1400, 1000)

        self.go("/ui/pools")
        self.assertEqual(sorted(e.get_attribute("data-pool") for e in self.css("#pools tbody tr")),
                         sorted(p["name"] for p in pools))
        for p in pools:
            self.go("/ui/pools?pool=" + p["name"])
            rows = self.css("#held-addresses tbody tr")
            self.assertEqual(len(rows), max(int(p["held"]), 1), p["name"])
        self.go("/ui/pools?pool=colo-public-v4")
        self.shot("console-pools", 1400, 900)

        # The forecast: the same racks and pools as the API's, and the card
        # on the overview that leads to it.
        forecast = SITE.api("/v1/forecast")
        self.go("/ui/")
        self.assertEqual(len(self.css("#forecast-card")), 1)
        self.go("/ui/forecast")
        self.assertEqual(len(self.css("#forecast-racks tbody tr")), len(forecast["racks"]))
        self.assertEqual(len(self.css("#forecast-pools tbody tr")), len(forecast["pools"]))
        self.assertEqual(len(self.css("#forecast-tenants tbody tr")), len(forecast["tenants"]))
        self.shot("console-forecast", 1400, 1000)

        self.go("/ui/requests")
        ids = [e.get_attribute("data-id") for e in self.css("#requests tbody tr")]
        self.assertEqual(sorted(ids), SITE.all_ids)
        self.shot("console-requests", 1400, 500)
        for rid in ids:
            self.go("/ui/requests/" + rid)
            self.assertIn(rid, self.d.find_element(By.CSS_SELECTOR, "main h1").text)
            # A reservation has two steps; a provisioned request more than three.
            self.assertGreater(len(self.css("#steps tbody tr")), 1 if rid == SITE.open_late_id else 3)
            self.assertGreater(len(self.css("#allocation tbody tr")), 0)
            self.assertEqual(self.d.find_element(By.CSS_SELECTOR, "main h1 .badge").text,
                             SITE.api("/v1/requests/" + rid)["status"])
        self.go("/ui/requests/" + SITE.late_id)
        self.shot("console-request", 1400, 1000)
        self.go("/ui/racks/R99")
        self.assertIn("rack R99 does not exist", self.d.find_element(By.ID, "detail").text)

    def test_the_elevation_shows_each_device_and_server_at_its_units(self):
        self.login("tech-budi")
        for rack in ["R01", "R04"]:
            truth = SITE.api("/v1/racks/" + rack)["elevation"]
            by_unit = {u["unit"]: u for u in truth}
            self.go("/ui/racks/" + rack)
            svg = self.d.find_element(By.CSS_SELECTOR, "svg.elevation")
            height = int(svg.get_attribute("data-height"))
            unit_px = int(svg.get_attribute("data-unit-px"))
            top = int(svg.get_attribute("data-top"))
            covered = set()
            placed = []
            for g in svg.find_elements(By.CSS_SELECTOR, "g.occupant"):
                first = int(g.get_attribute("data-first-unit"))
                n = int(g.get_attribute("data-units"))
                kind, name = g.get_attribute("data-kind"), g.get_attribute("data-name")
                rect = g.find_element(By.CSS_SELECTOR, "rect")
                # Where it is drawn: unit 1 at the bottom, unit_px per unit.
                self.assertEqual(int(rect.get_attribute("y")), top + (height - (first + n - 1)) * unit_px + 1)
                self.assertEqual(int(rect.get_attribute("height")), n * unit_px - 2)
                # What the ledger and inventory say is at those units.
                for u in range(first, first + n):
                    self.assertNotIn(u, covered)
                    covered.add(u)
                    want = by_unit[u]
                    self.assertEqual(kind, want["state"], (rack, u))
                    if kind in ("device", "claimed"):
                        self.assertEqual(name, want["occupant"], (rack, u))
                placed.append((first, rect.rect["y"], rect.rect["height"]))
            self.assertEqual(covered, set(range(1, height + 1)))
            # As the browser laid it out: higher units above, no overlaps.
            placed.sort()
            for (u1, y1, h1), (u2, y2, _) in zip(placed, placed[1:]):
                self.assertLessEqual(y2 + 0.5, y1, (rack, u1, u2))
        # A colo server links to its request, in whichever rack it was placed.
        self.go("/ui/racks/" + SITE.api("/v1/requests/" + SITE.late_id)["allocation"][0]["rack"])
        link = self.d.find_element(By.CSS_SELECTOR, 'g.occupant[data-request="%s"] a' % SITE.late_id)
        self.d.get(SITE.base + link.get_dom_attribute("href"))
        self.assertIn(SITE.late_id, self.d.find_element(By.CSS_SELECTOR, "main h1").text)

    def test_late_means_open_and_overdue(self):
        self.login("ops-alice")
        self.go("/ui/requests")
        rows = {e.get_attribute("data-id"): e for e in self.css("#requests tbody tr")}
        late = rows[SITE.open_late_id]
        self.assertEqual(late.get_attribute("data-late"), "1")
        cell = late.find_element(By.CSS_SELECTOR, "td:last-child .late")
        self.assertRegex(cell.text, r"^late \d+d( \d+h)?$")
        self.assertEqual(cell.value_of_css_property("color"), "rgba(198, 40, 40, 1)")
        # Ended after its due date: not late, it missed its date.
        missed = rows[SITE.late_id]
        self.assertEqual(missed.get_attribute("data-late"), "0")
        self.assertEqual(missed.find_elements(By.CSS_SELECTOR, ".late"), [])
        self.assertRegex(missed.find_element(By.CSS_SELECTOR, "td:last-child .missed").text,
                         r"^missed by \d+d( \d+h)?$")
        self.assertEqual(rows[SITE.fresh_id].get_attribute("data-late"), "0")
        self.assertEqual(rows[SITE.fresh_id].find_element(By.CSS_SELECTOR, "td:last-child").text, "met")
        # The filters: late only, then ended late only.
        self.d.find_element(By.NAME, "late").click()
        self.submit(self.d.find_element(By.CSS_SELECTOR, ".filters button"))
        self.assertIn("late=1", self.d.current_url)
        self.assertEqual([e.get_attribute("data-id") for e in self.css("#requests tbody tr")],
                         [SITE.open_late_id])
        self.go("/ui/requests?missed=1")
        self.assertEqual([e.get_attribute("data-id") for e in self.css("#requests tbody tr")], [SITE.late_id])
        self.go("/ui/requests?tenant=DISPENDIK")
        self.assertEqual([e.get_attribute("data-id") for e in self.css("#requests tbody tr")], [SITE.other_id])
        self.go("/ui/requests/" + SITE.open_late_id)
        self.assertRegex(self.d.find_element(By.ID, "late").text, r"^late by \d+d")
        self.go("/ui/requests/" + SITE.late_id)
        self.assertRegex(self.d.find_element(By.ID, "missed").text, r"^missed by \d+d")
        self.assertEqual(self.css("#late"), [])
        # The overview's red count is what is open and overdue: one.
        self.go("/ui/")
        self.assertTrue(self.d.find_element(By.ID, "late-count").text.startswith("1\n"))

    def test_a_requester_sees_its_own_requests_only(self):
        self.login("sikd-bappeda")
        self.go("/ui/requests")
        ids = sorted(e.get_attribute("data-id") for e in self.css("#requests tbody tr"))
        self.assertEqual(ids, sorted([SITE.late_id, SITE.fresh_id, SITE.release_id]))
        for path in ["/ui/requests/" + SITE.other_id, "/ui/requests/%s/letter" % SITE.other_id]:
            self.go(path)
            self.assertIn("does not exist", self.d.find_element(By.ID, "detail").text)
            self.assertNotIn("dispendik", self.d.page_source.lower())
        self.go("/ui/requests?tenant=DISPENDIK")
        self.assertEqual(self.css("#requests tbody tr[data-id]"), [])
        # Its own: visible, with its letter, and no release button.
        self.go("/ui/requests/" + SITE.late_id)
        self.assertEqual(self.css("#release"), [])
        self.assertEqual(len(self.css("#letter")), 1)
        # Racks and pools, as over the API.
        self.go("/ui/racks/R01")
        self.assertEqual(len(self.css("svg.elevation")), 1)

    def test_the_letter_prints_to_one_a4_page_with_every_fact(self):
        self.login("sikd-bappeda")
        self.go("/ui/requests/" + SITE.late_id)
        self.submit(self.d.find_element(By.ID, "letter"))
        self.assertTrue(self.d.current_url.endswith("/ui/requests/%s/letter" % SITE.late_id))
        pdf = base64.b64decode(self.d.execute_cdp_cmd("Page.printToPDF", {
            "preferCSSPageSize": True, "printBackground": True, "displayHeaderFooter": False})["data"])
        path = os.path.join(SITE.dir, "letter.pdf")
        with open(path, "wb") as f:
            f.write(pdf)
        info = subprocess.run(["/usr/bin/pdfinfo", path], capture_output=True, text=True, check=True).stdout
        self.assertRegex(info, r"Pages: +1\n")
        self.assertRegex(info, r"Page size: +59\d(\.\d+)? x 84\d(\.\d+)? pts \(A4\)")
        text = subprocess.run(["/usr/bin/pdftotext", "-layout", path, "-"], capture_output=True, text=True,
                              check=True).stdout
        text = re.sub(r"\s+", " ", text)
        r = SITE.api("/v1/requests/" + SITE.late_id)
        server = r["allocation"][0]
        received = tanggal(SITE.now.date() - timedelta(days=14))
        facts = ["Badan Perencanaan Pembangunan Daerah", r["letter_number"], received, SITE.late_id,
                 server["hostname"], server["rack"], "%d W" % server["power_watts"]]
        for nic in server["nics"]:
            facts += [nic["switch"], nic["port"], "VLAN %d" % nic["vlan"]]
            for a in nic["addresses"]:
                facts += ["%s/%d" % (a["address"], a["prefix_length"]), a["gateway"]]
        for fact in facts:
            self.assertIn(fact, text)
        self.assertRegex(text, r"\d+/COLO/DISKOMINFO/\d{4}")

    def test_a_technician_checks_the_cabling_from_the_console(self):
        rid = SITE.fresh_id
        self.login("tech-budi")
        self.go("/ui/requests/" + rid)
        self.submit(self.d.find_element(By.ID, "check"))
        self.assertIn("done=checking", self.d.current_url)
        self.assertIn("Cabling check asked for", self.d.find_element(By.ID, "notice").text)
        poll(lambda: [c["state"] for c in SITE.api("/v1/requests/" + rid)["checks"]][:1] == ["done"],
             "the cabling check ran")
        self.go("/ui/requests/" + rid)
        rows = self.css("#checks tbody tr")
        nics = SITE.api("/v1/requests/" + rid)["checks"][0]["nics"]
        self.assertEqual(len(rows), len(nics))
        self.assertIn("NIC", self.d.find_element(By.ID, "check-summary").text)
        self.shot("console-cabling", 1400, 1000)

    def test_the_drift_page_reads_the_switches_when_asked(self):
        self.login("tech-budi")
        self.go("/ui/drift")
        self.assertIn("Drift", self.d.find_element(By.CSS_SELECTOR, "main h1").text)
        self.submit(self.d.find_element(By.ID, "read-drift"))
        self.assertIn("done=read", self.d.current_url)

        def read():
            self.go("/ui/drift")
            return "Last read" in self.d.find_element(By.TAG_NAME, "main").text and not self.css("#reading")
        poll(read, "the drift watch read every switch")
        # The sample data center as the quick start leaves it: as colo intends.
        self.assertTrue(self.css("#drift-clean"))
        self.assertTrue(self.css("#reconcile"))
        self.shot("console-drift", 1400, 700)

    def test_a_technician_releases_from_the_console_after_saying_what_it_will_do(self):
        rid = SITE.release_id
        self.login("tech-budi")
        self.go("/ui/requests/" + rid)
        # The first click asks: what the release does, then the button that does it.
        self.submit(self.d.find_element(By.ID, "release"))
        self.assertTrue(self.d.current_url.endswith("/ui/requests/%s/release" % rid))
        self.assertIn("Release " + rid + "?", self.d.find_element(By.CSS_SELECTOR, "main h1").text)
        self.assertIn("bappeda-tmp01", self.d.find_element(By.ID, "freed").text)
        self.assertEqual(self.css("#forget"), [])  # an admin's
        self.assertEqual(SITE.api("/v1/requests/" + rid)["status"], "completed")  # asking changed nothing
        # A request on switches: each port, and what each switch will receive.
        self.go("/ui/requests/%s/release" % SITE.late_id)
        ports = self.css("#unconfigure tbody tr")
        self.assertGreater(len(ports), 0)
        self.assertEqual(len(self.css("pre.commands")),
                         len({p.find_element(By.TAG_NAME, "td").text for p in ports}))
        self.assertIn("description unused", self.css("pre.commands")[0].text)
        self.shot("console-release", 1400, 1000)
        self.go("/ui/requests/%s/release" % rid)
        self.submit(self.d.find_element(By.ID, "confirm-release"))
        # Completed: a worker returns its ports (none here), then frees it.
        self.assertIn("done=releasing", self.d.current_url)
        self.assertIn("Release requested", self.d.find_element(By.ID, "notice").text)
        SITE.wait(rid, ("released",))
        self.go("/ui/requests/" + rid)
        self.assertEqual(self.d.find_element(By.CSS_SELECTOR, "main h1 .badge").text, "released")
        self.assertEqual(self.css("#release"), [])

    def test_the_requests_table_reads_on_a_phone(self):
        self.login("ops-alice")
        self.go("/ui/requests")
        try:
            self.d.set_window_size(390, 844)
            # The resize reaches the page's layout a moment later: wait (bounded)
            # until the phone's layout applies.
            WebDriverWait(self.d, DEADLINE_S).until(lambda d: d.execute_script(
                "return window.innerWidth <= 400 && getComputedStyle("
                "document.querySelector('#requests thead')).display == 'none'"))
            width = self.d.execute_script("return window.innerWidth")
            rows = self.css("#requests tbody tr")
            self.assertEqual(len(rows), len(SITE.all_ids))
            for row in rows:
                rid = row.get_attribute("data-id")
                link = row.find_element(By.CSS_SELECTOR, "td.id a")
                # The id on one line, every cell on screen: nothing to scroll sideways.
                self.assertEqual(link.text, rid)
                one_line = self.d.execute_script(
                    "const r = arguments[0].getClientRects(); return r.length;", link)
                self.assertEqual(one_line, 1, rid)
                for td in row.find_elements(By.TAG_NAME, "td"):
                    right = self.d.execute_script("return arguments[0].getBoundingClientRect().right", td)
                    self.assertLessEqual(right, width, "%s %s: %r" % (rid, td.get_attribute("data-label"), td.get_attribute("outerHTML")))
                due = row.find_element(By.CSS_SELECTOR, "td[data-label=Due]")
                self.assertTrue(due.is_displayed())
                self.assertRegex(due.text, r"^\d{4}-\d{2}-\d{2}$")
            late = [r for r in rows if r.get_attribute("data-late") == "1"]
            self.assertEqual([r.get_attribute("data-id") for r in late], [SITE.open_late_id])
            self.assertIn("LATE", late[0].find_element(By.CSS_SELECTOR, "td[data-label=SLA]").text.upper())
            scroll = self.d.execute_script("return document.documentElement.scrollWidth")
            self.assertLessEqual(scroll, width)
            if os.environ.get("COLO_SCREENSHOTS"):
                self.d.save_screenshot(os.path.join(os.environ["COLO_SCREENSHOTS"],
                                                    "console-requests-phone.png"))
        finally:
            self.d.set_window_size(1400, 1000)

    def test_search_by_hostname_address_or_request(self):
        self.login("tech-budi")
        self.go("/ui/")
        box = self.d.find_element(By.ID, "search")
        box.send_keys("BAPPEDA-WEB09")
        page = self.d.find_element(By.TAG_NAME, "html")
        box.submit()
        WebDriverWait(self.d, DEADLINE_S).until(lambda d: "/ui/search?q=" in d.current_url)
        hit = self.d.find_element(By.CSS_SELECTOR, "#hits li[data-kind=server] a")
        self.assertEqual(hit.text, "bappeda-web09")
        self.shot("console-search", 1400, 600)
        self.submit(hit)
        self.assertIn(SITE.fresh_id, self.d.find_element(By.CSS_SELECTOR, "main h1").text)
        # An address the agent handed out: who holds it.
        nic = SITE.api("/v1/requests/" + SITE.other_id)["allocation"][0]["nics"][0]
        address = nic["addresses"][0]["address"].split("/")[0]
        self.go("/ui/search?q=" + address)
        text = self.d.find_element(By.ID, "hits").text
        self.assertIn("request " + SITE.other_id, text)
        self.go("/ui/search?q=" + SITE.late_id.lower())
        self.assertEqual([e.text for e in self.css("#hits li[data-kind=request] a")], [SITE.late_id])

    def test_any_callback_is_delivered_again_from_the_request_page(self):
        self.login("tech-budi")
        self.go("/ui/requests/" + SITE.late_id)
        rows = self.css("#callbacks tbody tr")
        self.assertGreater(len(rows), 0)
        delivery = rows[0].get_attribute("data-delivery")
        self.submit(rows[0].find_element(By.CSS_SELECTOR, "button.redeliver"))
        self.assertIn("done=redelivered", self.d.current_url)
        self.assertIn("goes out again", self.d.find_element(By.ID, "notice").text)
        ids = [r.get_attribute("data-delivery") for r in self.css("#callbacks tbody tr")]
        self.assertIn(delivery, ids)
        # Times to the second in the step log.
        for cell in self.css("#steps tbody tr td:first-child"):
            self.assertRegex(cell.text, r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--colo", required=True)
    parser.add_argument("--switchsim", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0], "-v", *rest])


if __name__ == "__main__":
    main()
