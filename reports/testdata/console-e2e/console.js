// Drives the live game-day console of a running `redrill serve` in headless
// Chromium, as a facilitator would: log in, watch the game day's drill run
// with its recovery clock ticking, confirm the manual step when it shows,
// see the clock stop, and read the note in the day's report. It prints
// what it saw as JSON, for the Go test (cmd/redrill/console_e2e_test.go)
// to check, and saves screenshots.
//
// Environment: CONSOLE_URL (serve's dashboard), CONSOLE_TOKEN, SHOTS (a
// folder), CHROMIUM (default /usr/bin/chromium).
"use strict";
const path = require("path");
const { chromium } = require("playwright-core");

const base = process.env.CONSOLE_URL;
const shots = process.env.SHOTS;
const timeout = 60000;

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  const seen = { requests: [] };
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
    page.setDefaultTimeout(timeout);
    page.on("request", (request) => seen.requests.push(request.url()));
    const errors = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    page.on("console", (message) => { if (message.type() === "error") errors.push(message.text()); });

    // A browser without a session is sent to the login form.
    await page.goto(base + "/console");
    seen.login_url = new URL(page.url()).pathname + new URL(page.url()).search;
    await page.fill("#token", process.env.CONSOLE_TOKEN);
    await page.fill("#name", "Ada (facilitator)");
    await Promise.all([page.waitForURL(/\/console$/), page.click("button[type=submit]")]);
    await page.screenshot({ path: path.join(shots, "1-logged-in.png"), fullPage: true });

    const card = '[data-gameday="december"] [data-scenario="orders-restore"]';
    await page.waitForSelector(card + ' .badge.running');
    seen.about = await page.textContent('[data-gameday="december"] .about');
    seen.pending = await page.textContent('[data-gameday="december"] [data-scenario="web-failover"] [data-verdict]');

    // The recovery clock ticks in the page, between the server's events.
    const clock = card + " [data-clock]";
    await page.waitForFunction((selector) => document.querySelector(selector).textContent.startsWith("clock "), clock);
    const first = await page.textContent(clock);
    await page.waitForFunction(([selector, before]) => document.querySelector(selector).textContent !== before, [clock, first]);
    seen.clock_ticking = [first, await page.textContent(clock)];

    // The manual step shows with its instructions; the facilitator
    // writes a note and confirms it. The phase is read once the step
    // waits: the clock ticks from the disruption on, before it.
    const waiting = card + ' [data-waiting="confirm-restore"]';
    await page.waitForSelector(waiting);
    seen.phase = await page.textContent(card + " [data-phase]");
    seen.connection = await page.textContent("#connection");
    seen.instructions = await page.textContent(waiting + " .instructions");
    await page.fill(waiting + " textarea", "rows counted by hand: 1,204");
    await page.screenshot({ path: path.join(shots, "2-waiting.png"), fullPage: true });
    await page.click(waiting + " button.confirm");
    await page.waitForFunction((selector) => !document.querySelector(selector), waiting);
    seen.message = await page.textContent("#message");

    // The clock stops at recovery and the drill's verdict shows.
    await page.waitForFunction((selector) => document.querySelector(selector).textContent.startsWith("recovered in"), clock);
    seen.clock_stopped = await page.textContent(clock);
    await page.waitForSelector(card + " .badge.met");
    seen.verdict = await page.textContent(card + " [data-verdict]");
    await page.screenshot({ path: path.join(shots, "3-recovered.png"), fullPage: true });

    // The next drill waits on a person too; the facilitator aborts it
    // instead, saying why: its rollback runs.
    const next = '[data-gameday="december"] [data-scenario="web-failover"]';
    await page.waitForSelector(next + ' [data-waiting="promote-standby"]');
    page.once("dialog", (dialog) => dialog.accept("the load balancer is down"));
    await page.click(next + " button.abort");
    await page.waitForSelector(next + " .badge.interrupted");
    seen.aborted = await page.textContent(next + " [data-verdict]");
    seen.aborted_row = await page.textContent(next);
    await page.screenshot({ path: path.join(shots, "3b-aborted.png"), fullPage: true });

    // The console links to the day's report, which has the answer's note.
    await Promise.all([page.waitForURL(/\/gamedays\/december$/), page.click('[data-gameday="december"] h2 a')]);
    await page.waitForSelector("svg.timeline rect");
    seen.day_bars = await page.locator("svg.timeline rect").count();
    seen.day_notes = await page.textContent("ul.notes, p.no-notes");
    await page.screenshot({ path: path.join(shots, "4-day-report.png"), fullPage: true });
    seen.errors = errors;
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(seen) + "\n");
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack || error) + "\n");
  process.exit(1);
});
