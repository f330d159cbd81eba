// The lab's transport: play at high speed through a failing liveness probe, rewind to exactly the
// state right after Apply, scrub back and forth, step with a preview, jump to a restart.

import assert from 'node:assert/strict';
import { eventually, labTest, textOf, waitForLab } from './lib/harness.mjs';

/** The nginx Pod with a liveness probe on a port nothing listens on: it fails every 2 s. */
const FAILING_PROBE = `apiVersion: v1
kind: Pod
metadata:
  name: nginx
  labels:
    app: nginx
spec:
  containers:
  - name: nginx
    image: nginx:1.27
    ports:
    - containerPort: 80
    livenessProbe:
      httpGet:
        path: /
        port: 8080
      initialDelaySeconds: 1
      periodSeconds: 2
`;

/** Everything the lab shows that the transport must restore. */
async function snapshot(page) {
  return {
    time: await textOf(page, '[data-testid=sim-time]'),
    pods: await textOf(page, '[data-testid=pods-table]'),
    events: await textOf(page, '[data-testid=events]'),
    probes: await textOf(page, '[data-testid=probe-timeline]'),
    cri: await textOf(page, '[data-testid=cri-calls]'),
  };
}

/** RESTARTS of the nginx row, as a number. */
async function restarts(page) {
  return Number.parseInt((await textOf(page, 'tr[data-pod=nginx] td[data-col=restarts]')) ?? '', 10);
}

/** Moves the scrubber to `seconds` as a drag does (an input event). */
async function scrub(page, seconds) {
  await page.locator('[data-testid=scrubber]').evaluate((el, v) => {
    el.value = String(v);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, seconds);
  await eventually(
    async () => Math.abs(Number.parseFloat((await textOf(page, '[data-testid=sim-time]')) ?? '') - seconds) < 0.05,
    `sim-time at ${seconds}s after scrubbing`,
  );
}

/** Loads the failing-probe manifest and returns the lab as Apply left it. */
async function applyFailingProbe(page) {
  await waitForLab(page);
  await page.locator('[data-testid=scenario]').selectOption('nginx-pod');
  await page.locator('[data-testid=manifest-editor]').fill(FAILING_PROBE);
  await page.locator('[data-testid=apply]').click();
  await eventually(async () => (await page.locator('tr[data-pod=nginx]').count()) === 1, 'the nginx row');
  await eventually(async () => (await textOf(page, '[data-testid=sim-time]')) === '0.000s', 'the lab at t = 0');
  return snapshot(page);
}

labTest('playing fails the probe and restarts; rewind restores exactly the state after Apply', async (page) => {
  const applied = await applyFailingProbe(page);
  assert.equal(await restarts(page), 0);
  await page.locator('[data-testid=speed]').selectOption('50');
  await page.locator('[data-testid=play]').click();
  await eventually(async () => (await restarts(page)) >= 1, 'RESTARTS to go up while playing', 30_000);
  await page.locator('[data-testid=pause]').click();
  await page.locator('[data-testid=play]').waitFor({ state: 'visible' });
  const events = (await textOf(page, '[data-testid=events]')) ?? '';
  assert.match(events, /Killing/);
  assert.match(events, /Liveness probe failed/);
  assert.ok(
    (await page.locator('[data-testid=probe-timeline] [data-result=Failure]').count()) > 0,
    'the probe timeline shows failures',
  );
  // The marker strip shows the restart.
  assert.ok((await page.locator('[data-testid=timeline-markers] [data-kind=restart] .marker').count()) >= 1);

  await page.locator('[data-testid=rewind]').click();
  await eventually(async () => (await textOf(page, '[data-testid=sim-time]')) === '0.000s', 'rewound to 0');
  assert.deepEqual(await snapshot(page), applied);
});

labTest('scrubbing to a point and back shows the same lab', async (page) => {
  await applyFailingProbe(page);
  await scrub(page, 45);
  const at45 = await snapshot(page);
  assert.equal(at45.time, '45.000s');
  assert.ok((await restarts(page)) >= 1, 'restarted by 45 s');
  await scrub(page, 150);
  assert.notDeepEqual(await snapshot(page), at45);
  await scrub(page, 12.5);
  await scrub(page, 45);
  assert.deepEqual(await snapshot(page), at45);
});

labTest('step shows what it will do, then does it; step back returns', async (page) => {
  await applyFailingProbe(page);
  // The first step runs what is due at t = 0 (the scheduler); the next one moves time on.
  await page.locator('[data-testid=step]').click();
  await eventually(async () => (await page.locator('[data-testid=events] li').count()) > 0, 'the first step');
  const preview = (await textOf(page, '[data-testid=step-preview]')) ?? '';
  const match = /(\d+\.\d{3}s) — (.+)$/.exec(preview);
  assert.ok(match, `the preview names a time and a task: ${preview}`);
  const [, at, what] = match;
  const title = (await page.locator('[data-testid=step]').getAttribute('title')) ?? '';
  assert.ok(title.includes(what), `the step title carries the preview: ${title}`);
  assert.notEqual(at, '0.000s');
  await page.locator('[data-testid=step]').click();
  await eventually(async () => (await textOf(page, '[data-testid=sim-time]')) === at, `the step to land at ${at}`);
  const afterOne = await snapshot(page);
  await page.locator('[data-testid=step]').click();
  await eventually(async () => (await textOf(page, '[data-testid=sim-time]')) !== afterOne.time, 'a second step');
  await page.locator('[data-testid=step-back]').click();
  await eventually(async () => (await textOf(page, '[data-testid=sim-time]')) === afterOne.time, 'step back');
  assert.deepEqual(await snapshot(page), afterOne);
  // Keyboard: → steps (focus away from the form fields).
  await page.locator('[data-testid=lab] h2').click();
  await page.keyboard.press('ArrowRight');
  await eventually(async () => (await textOf(page, '[data-testid=sim-time]')) !== afterOne.time, '→ steps');
});

labTest('jump to the next restart lands on a restart', async (page) => {
  await applyFailingProbe(page);
  await page.locator('[data-testid=jump-restart]').click();
  await eventually(async () => (await restarts(page)) === 1, 'RESTARTS 1 after the jump', 20_000);
  const seconds = Number.parseFloat((await textOf(page, '[data-testid=sim-time]')) ?? '');
  const ms = Math.round(seconds * 1000);
  assert.equal(
    await page.locator(`[data-testid=timeline-markers] [data-kind=restart] .marker[data-time="${ms}"]`).count(),
    1,
    `a restart marker at ${ms} ms`,
  );
  // When the kubelet killed the container, it had not restarted yet.
  const killed = await textOf(page, '[data-testid=events] li:has(.reason:text-is("Killing")) time');
  const killedAt = Number.parseFloat(killed ?? '');
  assert.ok(killedAt > 0 && killedAt * 1000 < ms, `Killing at ${killed}, before the restart at ${ms} ms`);
  await scrub(page, killedAt);
  assert.equal(await restarts(page), 0);
});
