"""Drives the station's web console in headless Chromium (Debian's /usr/bin/chromium, through
Playwright; no browser is downloaded) as an officer and as a trainee.

Usage: console.py BASE_URL OFFICER_TOKEN TRAINEE_TOKEN [SCREENSHOT.png]

Officer: the page loads from the link the station prints (#token=...), the map draws the zones,
the three drones appear, the alert already raised is listed with its snapshot, another appears
live once this script prints {"check": "ready_for_alert"} (the test then raises it), the first
is acknowledged with a note, a survey of "Outer Anchorage" is planned (route and estimate shown),
drone 1 is selected and Launch clicked, and the page then shows drone 1 in AUTO; the API is
asked the same. Trainee: signs in with the box (a wrong token refused first), the same plan, Launch, commands and Acknowledge disabled, and a forced POST
from the page answered 403.

Prints one JSON line per check ({"check": name, ...}); the Rust test asserts on them. Fails
(exit 1, the reason on stderr) when the page does not get there in time.
"""
import json
import os
import sys
import urllib.error
import urllib.request

from playwright.sync_api import expect, sync_playwright

CHROMIUM = os.environ.get("PORTOPS_CHROMIUM", "/usr/bin/chromium")
LAUNCH_TIMEOUT_MS = 90_000


def emit(check, **values):
    print(json.dumps({"check": check, **values}), flush=True)


def api_get(base, token, path):
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def watch_errors(page):
    """Uncaught exceptions and console errors of the page, for the report."""
    errors = {"exceptions": [], "console": []}
    page.on("pageerror", lambda e: errors["exceptions"].append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors["console"].append(m.text))
    return errors


def plan_anchorage_survey(page):
    page.get_by_test_id("plan-pattern").select_option("survey")
    page.get_by_test_id("plan-area").select_option("Outer Anchorage")
    page.get_by_test_id("plan-camera").select_option("dji-m3e")
    page.get_by_test_id("plan-altitude").fill("115")
    page.get_by_test_id("plan-speed").fill("15")
    page.get_by_test_id("plan-front").fill("60")
    page.get_by_test_id("plan-side").fill("40")
    page.get_by_test_id("plan-button").click()
    expect(page.get_by_test_id("plan-result")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("plan-route")).to_be_attached()


def alert_items(page):
    return page.eval_on_selector_all(
        "#alert-list > li",
        """items => items.map(li => ({
            id: li.dataset.alert,
            severity: li.dataset.severity,
            text: li.textContent,
            thumb: (li.querySelector('img.thumb') || {}).naturalWidth || 0,
            acknowledged: li.classList.contains('acknowledged'),
        }))""",
    )


def alerts(page):
    """The alert raised before the page opened (GET), one raised while it is open (live), and
    an acknowledgement with a note."""
    items = page.locator("#alert-list > li")
    expect(items).to_have_count(1, timeout=15_000)
    first = items.first.get_attribute("data-alert")
    # The thumbnail arrives by its own request: wait for the picture.
    page.wait_for_function(
        "() => { const img = document.querySelector('#alert-list img.thumb'); return img && img.naturalWidth > 0; }",
        timeout=10_000,
    )
    emit("alerts_loaded", alerts=alert_items(page))
    emit("ready_for_alert")  # the test raises another alert now
    expect(items).to_have_count(2, timeout=30_000)
    expect(page.get_by_test_id("alert-count")).to_have_text("2")
    page.get_by_test_id(f"ack-note-{first}").fill("patrol sent to the examination area")
    page.get_by_test_id(f"ack-{first}").click()
    expect(page.get_by_test_id(f"alert-{first}")).to_contain_text("Acknowledged by officer", timeout=10_000)
    expect(page.get_by_test_id("alert-count")).to_have_text("1")
    emit(
        "alerts",
        alerts=alert_items(page),
        markers=page.locator("[data-testid=alert-marker]").count(),
        acknowledged=first,
    )


def fly_by_hand(page, mode_cell):
    """Pause (LOITER), Go to a point clicked on the map (GUIDED), Resume (AUTO): each button's
    answer and the mode the page then shows."""
    done = []
    status = page.get_by_test_id("command-status")

    def after(mode):
        expect(status).to_contain_text("done", timeout=30_000)
        expect(mode_cell).to_have_text(mode, timeout=30_000)
        done.append({"status": status.inner_text(), "mode": mode_cell.inner_text()})

    page.get_by_test_id("command-pause").click()
    after("LOITER")
    page.get_by_test_id("command-goto").click()
    expect(page.get_by_test_id("map-hint")).to_be_visible()
    # The middle of the map: the middle of the port, inside its fence.
    box = page.get_by_test_id("map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.get_by_test_id("map-hint")).to_be_hidden()
    after("GUIDED")
    page.get_by_test_id("command-resume").click()
    after("AUTO")
    return done


def officer(browser, base, token, screenshot):
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    errors = watch_errors(page)
    page.goto(f"{base}/#token={token}")
    expect(page.get_by_test_id("whoami")).to_contain_text("officer")
    emit("signin", whoami=page.get_by_test_id("whoami").inner_text(), url_has_token="token" in page.url)

    page.wait_for_selector('[data-testid=zone][data-name="Outer Anchorage"]', state="attached")
    zones = page.eval_on_selector_all(
        "[data-testid=zone]",
        "els => els.map(e => ({name: e.dataset.name, kind: e.dataset.kind, drawn: e.getBBox().width > 0}))",
    )
    vessels = page.eval_on_selector_all("[data-testid=vessel]", "els => els.map(e => e.dataset.name)")
    emit("map", zones=zones, vessels=vessels, scale=page.locator("#scale-label").inner_text())

    for sysid in (1, 2, 3):
        expect(page.get_by_test_id(f"vehicle-{sysid}")).to_be_visible(timeout=30_000)
        expect(page.get_by_test_id(f"vehicle-marker-{sysid}")).to_be_attached()
    expect(page.get_by_test_id("live-status")).to_have_text("live", timeout=10_000)
    rows = page.eval_on_selector_all(
        "#fleet-rows tr",
        "rows => rows.map(r => ({testid: r.dataset.testid, mode: r.querySelector('[data-field=mode]').textContent,"
        " battery: r.querySelector('[data-field=battery]').textContent, gps: r.querySelector('[data-field=gps]').textContent}))",
    )
    markers = page.locator("[data-testid^=vehicle-marker-]").count()
    emit("fleet", rows=rows, markers=markers)

    alerts(page)

    launch = page.get_by_test_id("launch-button")
    plan_anchorage_survey(page)
    result = {
        key: page.get_by_test_id(f"plan-{key}").inner_text()
        for key in ("title", "verdict", "time", "distance", "battery", "photos", "coverage")
    }
    result["route_points"] = int(page.get_by_test_id("plan-route").get_attribute("data-points"))
    result["plan_id"] = int(page.get_by_test_id("plan-result").get_attribute("data-plan-id"))
    result["launch_disabled_without_drone"] = launch.is_disabled()
    emit("plan", **result)

    page.get_by_test_id("vehicle-1").click()
    expect(page.get_by_test_id("vehicle-detail")).to_be_visible()
    # Either pictures arrive, or the note gives the station's reason verbatim.
    page.wait_for_function(
        """() => {
            const img = document.querySelector('[data-testid=video]');
            const note = document.querySelector('[data-testid=video-note]').textContent;
            return (img && !img.hidden && img.naturalWidth > 0) || note.startsWith('No live video');
        }""",
        timeout=15_000,
    )
    video = page.evaluate(
        """() => ({note: document.querySelector('[data-testid=video-note]').textContent,
                   width: document.querySelector('[data-testid=video]').naturalWidth})"""
    )
    expect(launch).to_be_enabled()
    expect(launch).to_have_text("Launch on drone 1")
    launch.click()
    expect(page.get_by_test_id("plan-status")).to_contain_text("is flying", timeout=LAUNCH_TIMEOUT_MS)
    mode_cell = page.locator("[data-testid=vehicle-1] [data-field=mode]")
    expect(mode_cell).to_have_text("AUTO", timeout=30_000)
    vehicles = api_get(base, token, "/api/v1/vehicles")
    api_modes = {str(v["sysid"]): v["mode"] for v in vehicles}
    expect(page.get_by_test_id("flight-list")).to_contain_text("drone 1 · flying", timeout=10_000)
    flights = page.get_by_test_id("flight-list").inner_text()
    commands = fly_by_hand(page, mode_cell)
    emit(
        "launch",
        page_mode=mode_cell.inner_text(),
        armed=page.locator("[data-testid=vehicle-1] [data-field=armed]").inner_text(),
        status=page.get_by_test_id("plan-status").inner_text(),
        api_modes=api_modes,
        video=video,
        flights=flights,
        commands=commands,
        commands_enabled=page.get_by_test_id("command-pause").is_enabled(),
    )
    if screenshot:
        page.screenshot(path=screenshot)
    emit("officer_errors", **errors)
    context.close()


def trainee(browser, base, token):
    # A fresh context: its own sessionStorage, so the officer's token is not there.
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    errors = watch_errors(page)
    # No link this time: the sign-in box, which first refuses a wrong token with the reason.
    page.goto(base + "/")
    expect(page.get_by_test_id("signin")).to_be_visible()
    page.get_by_test_id("signin-token").fill("pgs_not_a_token")
    page.get_by_test_id("signin-button").click()
    expect(page.locator("#signin-error")).to_contain_text("401", timeout=10_000)
    refused = page.locator("#signin-error").inner_text()
    page.get_by_test_id("signin-token").fill(token)
    page.get_by_test_id("signin-button").click()
    expect(page.get_by_test_id("whoami")).to_contain_text("trainee")
    expect(page.locator("#alert-list > li")).to_have_count(2, timeout=15_000)
    plan_anchorage_survey(page)
    plan_id = int(page.get_by_test_id("plan-result").get_attribute("data-plan-id"))
    page.get_by_test_id("vehicle-2").click()
    launch = page.get_by_test_id("launch-button")
    forced = page.evaluate(
        """async (planId) => {
            const response = await fetch('/api/v1/vehicles/2/launch', {
                method: 'POST',
                headers: {Authorization: 'Bearer ' + sessionStorage.getItem('portops.token'),
                          'Content-Type': 'application/json'},
                body: JSON.stringify({plan_id: planId}),
            });
            return {status: response.status, body: await response.json()};
        }""",
        plan_id,
    )
    open_alerts = [a for a in alert_items(page) if not a["acknowledged"]]
    ack_disabled = [page.get_by_test_id(f"ack-{a['id']}").is_disabled() for a in open_alerts]
    emit(
        "trainee",
        refused=refused,
        ack_disabled=ack_disabled,
        whoami=page.get_by_test_id("whoami").inner_text(),
        plan_verdict=page.get_by_test_id("plan-verdict").inner_text(),
        launch_disabled=launch.is_disabled(),
        launch_title=launch.get_attribute("title"),
        commands_disabled=page.get_by_test_id("command-pause").is_disabled(),
        forced_status=forced["status"],
        forced_body=forced["body"],
    )
    emit("trainee_errors", **errors)
    context.close()


def main():
    if len(sys.argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    base, officer_token, trainee_token = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
    screenshot = sys.argv[4] if len(sys.argv) == 5 else None
    with sync_playwright() as p:
        # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            officer(browser, base, officer_token, screenshot)
            trainee(browser, base, trainee_token)
        finally:
            browser.close()


if __name__ == "__main__":
    try:
        main()
    except urllib.error.URLError as e:
        print(f"console.py: the station's API did not answer: {e}", file=sys.stderr)
        sys.exit(1)
