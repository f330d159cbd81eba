// The CRI views: the kubelet's CRI calls in lanes, the runtime / handler switcher, the
// side-by-side comparison and crictl, driven through the nginx-pod scenario.

import assert from 'node:assert/strict';
import { atTimeZero, eventually, labTest, playUntil, textOf, waitForLab } from './lib/harness.mjs';

/** The calls the kubelet makes to start nginx, in order (periodic calls hidden). */
const START_SEQUENCE = [
  'RunPodSandbox',
  'PodSandboxStatus',
  'ImageStatus',
  'PullImage',
  'CreateContainer',
  'StartContainer',
];

/**
 * The method of every drawn CRI call, in order.
 * @param {import('playwright-core').Page} page
 * @returns {Promise<string[]>}
 */
async function methods(page) {
  return page
    .locator('[data-testid=cri-call]')
    .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-method') ?? ''));
}

/**
 * Whether `wanted` occurs in `seen` in order (other calls may come between).
 * @param {string[]} seen
 * @param {string[]} wanted
 */
function inOrder(seen, wanted) {
  let at = 0;
  for (const method of seen) {
    if (method === wanted[at]) {
      at += 1;
    }
  }
  return at === wanted.length;
}

/**
 * Loads the nginx-pod scenario and plays until the pod is Running.
 * @param {import('playwright-core').Page} page
 */
async function runNginx(page) {
  await page.locator('[data-testid=scenario]').selectOption('nginx-pod');
  await playUntil(page, 10);
  await eventually(
    async () => (await textOf(page, 'tr[data-pod="nginx"] td[data-col=status]')) === 'Running',
    'nginx Running',
  );
}

labTest('the CRI panel shows the start sequence; periodic calls appear on request', async (page) => {
  await waitForLab(page);
  await runNginx(page);

  const seen = await methods(page);
  assert.ok(inOrder(seen, START_SEQUENCE), `the start sequence in order (got: ${seen.join(', ')})`);
  assert.equal(seen.indexOf('ListContainers'), -1, 'periodic calls are hidden by default');
  assert.equal(await page.locator('[data-testid=cri-call][data-periodic=true]').count(), 0);

  // Sandbox calls reach the handler lane, container calls the containers lane, image calls stop
  // at the runtime.
  const lane = (method) => page.locator(`[data-testid=cri-call][data-method=${method}]`).first().getAttribute('data-lane');
  assert.equal(await lane('RunPodSandbox'), 'handler');
  assert.equal(await lane('StartContainer'), 'containers');
  assert.equal(await lane('PullImage'), 'runtime');
  assert.match((await textOf(page, '[data-testid=cri-lane-runtime]')) ?? '', /containerd/);
  assert.match((await textOf(page, '[data-testid=cri-lane-handler]')) ?? '', /runc/);

  // Enter on a call expands its request and response.
  const run = page.locator('[data-testid=cri-call][data-method=RunPodSandbox]').first();
  await run.locator('button').focus();
  await page.keyboard.press('Enter');
  await eventually(async () => (await run.locator('button').getAttribute('aria-expanded')) === 'true', 'the call expanded');
  const request = JSON.parse((await run.locator('[data-testid=cri-request]').textContent()) ?? '');
  assert.equal(request.config.metadata.name, 'nginx');
  const response = JSON.parse((await run.locator('[data-testid=cri-response]').textContent()) ?? '');
  assert.match(response.podSandboxId, /^[0-9a-f]{64}$/);

  await page.locator('[data-testid=cri-show-periodic]').check();
  await eventually(async () => (await methods(page)).includes('ListContainers'), 'ListContainers shown');
});

labTest('switching the handler to gVisor reruns the lab: RunPodSandbox takes 600 ms under runsc', async (page) => {
  await waitForLab(page);
  await page.locator('[data-testid=scenario]').selectOption('nginx-pod');
  // cri-dockerd cannot run Kata: the option is disabled.
  await page.locator('[data-testid=lab-setup-runtime]').selectOption('cri-dockerd');
  await eventually(
    async () => page.locator('[data-testid=lab-setup-handler] option[value=kata]').isDisabled(),
    'kata disabled under cri-dockerd',
  );
  await page.locator('[data-testid=lab-setup-runtime]').selectOption('containerd');
  await page.locator('[data-testid=lab-setup-handler]').selectOption('runsc');
  await eventually(async () => atTimeZero(await textOf(page, '[data-testid=sim-time]')), 'the lab back at t = 0');
  assert.match((await textOf(page, '[data-testid=runtime-profile] [data-field=handler-description]')) ?? '', /gVisor/);
  assert.match((await textOf(page, '[data-testid=runtime-profile] [data-field=handler-source]')) ?? '', /density/);

  await runNginx(page);
  const run = page.locator('[data-testid=cri-call][data-method=RunPodSandbox]').first();
  assert.equal(await run.getAttribute('data-handler'), 'runsc');
  const duration = run.locator('[data-field=duration]');
  assert.equal(await duration.getAttribute('data-ms'), '600', '250 ms containerd + 350 ms runsc');
  assert.equal((await duration.textContent())?.trim(), '600 ms');
  assert.match((await textOf(page, '[data-testid=cri-lane-handler]')) ?? '', /runsc/);
});

labTest('the comparison shows two set-ups side by side; crictl ps -a lists nginx Running', async (page) => {
  await waitForLab(page);
  await runNginx(page);

  await page.locator('[data-testid=compare-run]').click();
  const table = page.locator('[data-testid=compare-table]');
  await table.waitFor({ state: 'visible', timeout: 20_000 });
  assert.equal(await table.locator('thead th[data-col]').count(), 2, 'two columns');
  const cell = (col) => table.locator(`tr[data-figure=sandbox-ms] td[data-col=${col}]`).textContent();
  const [a, b] = [Number((await cell('a'))?.trim()), Number((await cell('b'))?.trim())];
  assert.ok(a > 0 && b > 0 && a !== b, `different sandbox start figures (got ${a} and ${b})`);
  assert.match((await textOf(page, '[data-testid=compare-sources]')) ?? '', /runsc/);
  assert.equal(await page.locator('[data-testid=compare-error]').count(), 0);

  await page.locator('[data-testid=crictl-tab][data-tab=ps-a]').click();
  const output = page.locator('[data-testid=crictl-output][data-tab=ps-a]');
  await output.waitFor({ state: 'visible' });
  const lines = ((await output.textContent()) ?? '').split('\n');
  assert.ok(
    lines.some((line) => /\bRunning\b/.test(line) && /\bnginx\b/.test(line)),
    `crictl ps -a shows nginx Running (got:\n${lines.join('\n')})`,
  );
});
