// The lab's views: `kubectl get svc|endpointslices -o wide` tables with kubectl's columns and
// real values (service-web), an event's cause chain (liveness-http: Killing ← Unhealthy ← the
// probe result ← agnhost's own behaviour), and the node diagram lighting the kubelet and the
// CRI on a step.

import assert from 'node:assert/strict';
import { atTimeZero, eventually, labTest, playUntil, textOf, waitForLab } from './lib/harness.mjs';

/** A cluster IP in the default service CIDR 10.96.0.0/12. */
const CLUSTER_IP = /^10\.(?:9[6-9]|10\d|11[01])\.\d+\.\d+$/;

/**
 * The kubectl table's headers and rows as arrays of cell texts.
 * @param {import('playwright-core').Page} page
 */
async function kubectlTable(page) {
  return page.locator('[data-testid=kubectl-table]').evaluate((table) => ({
    kind: table.getAttribute('data-kind'),
    headers: [...table.querySelectorAll('thead th')].map((th) => th.textContent.trim()),
    rows: [...table.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())),
  }));
}

/**
 * Selects a scenario and waits for t = 0.
 * @param {import('playwright-core').Page} page
 * @param {string} id
 */
async function load(page, id) {
  await page.locator('[data-testid=scenario]').selectOption(id);
  await eventually(async () => atTimeZero(await textOf(page, '[data-testid=sim-time]')), 'the lab at t = 0');
}

labTest('kubectl get svc and endpointslices -o wide show kubectl columns with real values', async (page) => {
  await waitForLab(page);
  await load(page, 'service-web');
  await playUntil(page, 30);

  const panel = page.locator('[data-testid=kubectl-panel]');
  await panel.waitFor({ state: 'visible' });
  const kinds = await page.locator('[data-testid=kubectl-kind]').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
  assert.deepEqual(kinds, ['pods', 'services', 'endpointslices']);

  await page.locator('[data-testid=kubectl-kind][data-kind=services]').click();
  assert.equal(await page.locator('[data-testid=kubectl-kind][data-kind=services]').getAttribute('aria-selected'), 'true');
  const svc = await kubectlTable(page);
  assert.equal(svc.kind, 'services');
  assert.deepEqual(svc.headers, ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR']);
  assert.equal(svc.rows.length, 1);
  const [name, type, clusterIp, externalIp, ports, age, selector] = svc.rows[0];
  assert.deepEqual([name, type, externalIp, ports, selector], ['web', 'ClusterIP', '<none>', '80/TCP', 'app=web']);
  assert.match(clusterIp, CLUSTER_IP);
  assert.match(age, /^\d+s$/);

  // The endpoint slice lists the three ready backends once they are up.
  await page.locator('[data-testid=kubectl-kind][data-kind=endpointslices]').click();
  const slices = await eventually(async () => {
    const t = await kubectlTable(page);
    return t.kind === 'endpointslices' && t.rows.length === 1 && t.rows[0][3].split(',').length === 3 ? t : null;
  }, 'an EndpointSlice with three endpoints');
  assert.deepEqual(slices.headers, ['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE']);
  const [sliceName, addressType, slicePorts, endpoints] = slices.rows[0];
  assert.match(sliceName, /^web-[a-z0-9]{5}$/);
  assert.equal(addressType, 'IPv4');
  assert.equal(slicePorts, '80');
  for (const ip of endpoints.split(',')) {
    assert.match(ip, /^10\.244\.[01]\.\d+$/);
  }

  // Pods -o wide: the wide columns.
  await page.locator('[data-testid=kubectl-kind][data-kind=pods]').click();
  const pods = await kubectlTable(page);
  assert.deepEqual(pods.headers, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
  assert.deepEqual(pods.rows.map((r) => [r[0], r[6]]), [['client', 'node-1'], ['web-1', 'node-1'], ['web-2', 'node-2'], ['web-3', 'node-2']]);
});

labTest('liveness-http: the Killing event explains itself back to agnhost', async (page) => {
  await waitForLab(page);
  await load(page, 'liveness-http');
  await playUntil(page, 25);
  const killing = page.locator('[data-testid=event-row][data-reason=Killing]').first();
  await killing.waitFor({ state: 'visible' });
  const toggle = killing.locator('button.event-toggle');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  // Keyboard: focus the event and press Enter.
  await toggle.focus();
  await page.keyboard.press('Enter');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  const chain = killing.locator('[data-testid=cause-chain]');
  await chain.waitFor({ state: 'visible' });
  const steps = await chain.locator('.cause-step').evaluateAll((els) => els.map((e) => ({ kind: e.getAttribute('data-kind'), text: e.textContent })));
  assert.deepEqual(steps.map((s) => s.kind), ['event', 'event', 'probe', 'image']);
  assert.match(steps[0].text, /Killing.*Container liveness failed liveness probe, will be restarted/);
  assert.match(steps[1].text, /Unhealthy.*Liveness probe failed: HTTP probe failed with statuscode: 500/);
  assert.match(steps[2].text, /Liveness \/ liveness.*HTTP probe failed with statuscode: 500/);
  assert.match(steps[3].text, /registry\.k8s\.io\/e2e-test-images\/agnhost:2\.40/);
  // Clicking again collapses it.
  await toggle.click();
  assert.equal(await killing.locator('[data-testid=cause-chain]').count(), 0);
});

labTest('the node diagram lights the kubelet and the CRI on a step, and selects a pod', async (page) => {
  await waitForLab(page);
  await load(page, 'liveness-http');
  const diagram = page.locator('[data-testid=node-diagram]');
  await diagram.waitFor({ state: 'visible' });
  const active = (component) =>
    page.locator(`[data-testid=diagram-component][data-component=${component}]`).first().getAttribute('data-active');
  // Step until the kubelet calls the runtime (the first step binds and starts the pod).
  await eventually(async () => {
    await page.locator('[data-testid=step]').click();
    return (await active('cri')) === 'true' && (await active('kubelet')) === 'true';
  }, 'kubelet and CRI lit after a step');
  // Every part has an accessible label.
  const unlabeled = await page.locator('[data-testid=diagram-component]').evaluateAll((els) => els.filter((e) => !e.getAttribute('aria-label')).length);
  assert.equal(unlabeled, 0);
  // The pod box is keyboard-focusable and selects the pod.
  const pod = page.locator('[data-testid=diagram-component][data-component=pod][data-pod=liveness-http]');
  await pod.focus();
  await page.keyboard.press('Enter');
  await eventually(async () => (await pod.getAttribute('aria-pressed')) === 'true', 'the pod selected from the diagram');
  assert.equal(await page.locator('[data-testid=pod-select][data-pod=liveness-http]').getAttribute('aria-pressed'), 'true');
});
