// The selected pod's views (conditions, probe and restart timelines, describe, logs) and the lab
// action buttons, driven through the liveness-http and nginx-pod scenarios.

import assert from 'node:assert/strict';
import { atTimeZero, eventually, labTest, playUntil, textOf, waitForLab } from './lib/harness.mjs';

/** The probe message the kubelet records when agnhost's /healthz starts answering 500. */
const PROBE_FAILED = 'Liveness probe failed: HTTP probe failed with statuscode: 500';

/**
 * Loads a lesson scenario through the picker and waits for its pod row.
 * @param {import('playwright-core').Page} page
 * @param {string} scenario option value (file stem)
 * @param {string} pod the scenario's pod
 */
async function loadScenario(page, scenario, pod) {
  await page.locator('[data-testid=scenario]').selectOption(scenario);
  await eventually(
    async () => (await page.locator(`tr[data-pod="${pod}"]`).count()) === 1,
    `the ${pod} row after loading ${scenario}`,
  );
}

/**
 * Steps until `done()` holds (at most `limit` steps); each step must change the lab or reach idle.
 * @param {import('playwright-core').Page} page
 * @param {() => Promise<boolean>} done
 * @param {string} what
 * @param {number} [limit]
 */
async function stepUntil(page, done, what, limit = 40) {
  for (let steps = 0; !(await done()); steps += 1) {
    assert.ok(steps < limit, `${what}: not reached after ${limit} steps`);
    const before = await textOf(page, '[data-testid=sim-time]');
    const rows = await textOf(page, '[data-testid=pods-table]');
    const events = await page.locator('[data-testid=events] li').count();
    await page.locator('[data-testid=step]').click();
    await eventually(
      async () =>
        (await textOf(page, '[data-testid=sim-time]')) !== before ||
        (await textOf(page, '[data-testid=pods-table]')) !== rows ||
        (await page.locator('[data-testid=events] li').count()) !== events ||
        (await page.locator('.idle').count()) > 0 ||
        (await done()),
      `step ${steps + 1} towards: ${what}`,
    );
  }
}

labTest('liveness-http: probe failures flip the verdict, the kubelet restarts the container', async (page) => {
  await waitForLab(page);
  await loadScenario(page, 'liveness-http', 'liveness-http');
  await page.locator('[data-testid=pod-select][data-pod="liveness-http"]').click();
  await eventually(
    async () => (await textOf(page, '#pod-detail-heading'))?.includes('liveness-http'),
    'the detail views to show liveness-http',
  );
  await playUntil(page, 40);

  const lane = page.locator('[data-testid=probe-timeline] [data-container=liveness] [data-probe=Liveness]');
  const failures = await lane.locator('.marks [data-result=Failure]').count();
  const successes = await lane.locator('.marks [data-result=Success]').count();
  assert.ok(failures >= 3, `at least 3 failed liveness probes (got ${failures})`);
  assert.ok(successes >= 1, `the first probes succeed (got ${successes})`);

  // The third failure in a row flips the verdict (failureThreshold 3).
  const flip = lane.locator('.marks [data-flip=Failure]').first();
  assert.equal(await flip.getAttribute('data-result'), 'Failure');
  assert.equal(await flip.getAttribute('data-run'), '3');
  const title = (await flip.getAttribute('title')) ?? '';
  assert.match(title, /3\/3/, `the flip's tooltip shows the run against the threshold (got: ${title})`);
  assert.match(title, /statuscode: 500/, `the flip's tooltip shows the probe output (got: ${title})`);

  const restarts = page.locator('[data-testid=restart-timeline] [data-container=liveness]');
  assert.ok((await restarts.locator('li[data-kind=Killed]').count()) >= 1, 'a Killed item');
  assert.ok((await restarts.locator('li[data-kind=Started]').count()) >= 2, 'a second Started item');
  const killed = (await restarts.locator('li[data-kind=Killed]').first().textContent()) ?? '';
  assert.match(killed, /failed liveness probe, will be restarted/);

  const restartCell = await textOf(page, 'tr[data-pod="liveness-http"] td[data-col=restarts]');
  assert.ok(Number.parseInt(restartCell ?? '', 10) >= 1, `RESTARTS ≥ 1 (got ${restartCell})`);

  const describe = (await textOf(page, '[data-testid=describe]')) ?? '';
  assert.ok(describe.includes(PROBE_FAILED), `describe shows the Unhealthy event (got:\n${describe})`);
  assert.match(describe, /Name:\s+liveness-http/);

  const journal = (await textOf(page, '[data-testid=journal]')) ?? '';
  assert.match(journal, /MountVolume\.SetUp succeeded for volume "kube-api-access-/, 'the journal shows the volume set-up');
  assert.match(journal, /cni: ADD default\/liveness-http .* eth0 10\.244\.0\.\d+\/24/, 'the journal shows CNI ADD with the pod IP');

  const conditions = page.locator('[data-testid=conditions]');
  for (const type of ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']) {
    const status = await conditions.locator(`tr[data-condition=${type}] td[data-col=status]`).textContent();
    assert.match(status ?? '', /^(True|False|Unknown)$/, `${type} has a status (got ${status})`);
  }
  const restartCount = await conditions.locator('tr[data-container=liveness] td[data-col=restartCount]').textContent();
  assert.ok(Number.parseInt(restartCount ?? '', 10) >= 1, `restartCount ≥ 1 (got ${restartCount})`);
  assert.equal(await textOf(page, '[data-testid=conditions] [data-field=phase]'), 'Running');
});

labTest('nginx: delete pod shows Terminating, then the pod goes; rewind replays the action', async (page) => {
  await waitForLab(page);
  const row = 'tr[data-pod="nginx"]';
  const status = `${row} td[data-col=status]`;
  await playUntil(page, 10);
  assert.equal(await textOf(page, status), 'Running');
  // kubectl top: nginx's working set (3Mi in the process model), no CPU limit so no throttling.
  const usage = page.locator('[data-testid=usage] tr[data-container=nginx]');
  assert.equal(await usage.locator('td[data-col=memory]').textContent(), '3Mi');
  assert.match((await usage.locator('td[data-col=throttled]').textContent()) ?? '', /^0\/\d+$/);

  await page.locator('[data-testid=action-delete-pod]').click();
  await eventually(async () => (await textOf(page, status)) === 'Terminating', 'STATUS Terminating');
  assert.equal(await page.locator('[data-testid=action-error]').count(), 0, 'no action error');
  const taken = page.locator('[data-testid=actions-taken] li');
  assert.equal(await taken.count(), 1);
  assert.match((await taken.first().textContent()) ?? '', /kubectl delete pod nginx/);
  assert.equal(await taken.first().getAttribute('data-state'), 'done');

  const gone = async () => (await page.locator(row).count()) === 0;
  await stepUntil(page, gone, 'the nginx row to disappear');
  await page.locator('[data-testid=no-pod]').waitFor({ state: 'visible' });

  // Rewind undoes the deletion but keeps it as a pending action, taken again at its time.
  await page.locator('[data-testid=rewind]').click();
  await eventually(async () => atTimeZero(await textOf(page, '[data-testid=sim-time]')), 'sim-time 0 after rewind');
  await eventually(async () => (await page.locator(row).count()) === 1, 'the nginx row back after rewind');
  assert.equal(await taken.first().getAttribute('data-state'), 'pending');
  await playUntil(page, 11);
  await eventually(async () => (await taken.first().getAttribute('data-state')) === 'done', 'the action replayed');
  await stepUntil(page, gone, 'the nginx row to disappear again after the replay');
});

labTest('an action on a pod that is not running shows an error, not a crash', async (page) => {
  await waitForLab(page);
  assert.ok(atTimeZero(await textOf(page, '[data-testid=sim-time]')));
  await page.locator('[data-testid=action-exit]').click();
  const error = page.locator('[data-testid=action-error]');
  await error.waitFor({ state: 'visible', timeout: 5_000 });
  assert.match((await error.textContent()) ?? '', /not running|not found|not scheduled/);
  assert.equal(await page.locator('[data-testid=error-banner]').count(), 0, 'no crash banner');
  const taken = page.locator('[data-testid=actions-taken] li').first();
  assert.equal(await taken.getAttribute('data-error'), 'true');

  // An invalid status code is refused before it reaches the engine.
  await page.locator('[data-testid=action-http-code]').fill('9999');
  await page.locator('[data-testid=action-http-status]').click();
  await eventually(async () => /100.*599/.test((await textOf(page, '[data-testid=action-error]')) ?? ''), 'the invalid status message');
  assert.equal(await page.locator('[data-testid=actions-taken] li').count(), 1, 'no new action taken');

  // The lab still runs.
  await playUntil(page, 5);
  assert.equal(await page.locator('[data-testid=error-banner]').count(), 0, 'no crash banner');
});

labTest('the pod selector works from the keyboard and the detail views follow it', async (page) => {
  await waitForLab(page);
  const select = page.locator('[data-testid=pod-select][data-pod=nginx]');
  await select.focus();
  await page.keyboard.press('Enter');
  await eventually(async () => (await select.getAttribute('aria-pressed')) === 'true', 'nginx selected');
  for (const testid of ['conditions', 'probe-timeline', 'restart-timeline', 'describe', 'logs']) {
    await page.locator(`[data-testid=${testid}]`).waitFor({ state: 'visible' });
  }
  await playUntil(page, 10);
  const started = page.locator('[data-testid=restart-timeline] [data-container=nginx] li[data-kind=Started]');
  assert.equal(await started.count(), 1, 'one Started item');
  assert.match((await textOf(page, '[data-testid=probe-timeline] [data-container=nginx]')) ?? '', /.+/);
  assert.match((await textOf(page, '[data-testid=describe]')) ?? '', /Status:\s+Running/);
});
