// The kube-proxy views: the programmed rules per mode, a packet trace with its DNAT step and the
// matched rule highlighted, the distribution of a batch of requests, the rules diff after a
// readiness failure, and the scale view — driven through the service-web scenario (a Service
// `web` over three nginx Pods on two nodes, and a `client` Pod).

import assert from 'node:assert/strict';
import { atTimeZero, eventually, labTest, playUntil, textOf, waitForLab } from './lib/harness.mjs';

const BACKENDS = ['web-1', 'web-2', 'web-3'];
/** A cluster IP in the default service CIDR 10.96.0.0/12 (the allocator picks one at random). */
const CLUSTER_IP = String.raw`10\.(?:9[6-9]|10\d|11[01])\.\d+\.\d+`;

/**
 * Loads service-web and plays until every backend is Running and ready, and kube-proxy has
 * synced the endpoints (a sync follows an EndpointSlice change within 1 s).
 * @param {import('playwright-core').Page} page
 */
async function runServiceWeb(page) {
  await page.locator('[data-testid=scenario]').selectOption('service-web');
  await eventually(async () => atTimeZero(await textOf(page, '[data-testid=sim-time]')), 'the lab at t = 0');
  await playUntil(page, 30);
  for (const pod of BACKENDS) {
    await eventually(
      async () => (await textOf(page, `tr[data-pod="${pod}"] td[data-col=ready]`)) === '1/1',
      `${pod} ready`,
    );
  }
}

/**
 * Opens the kube-proxy tab.
 * @param {import('playwright-core').Page} page
 */
async function openProxyTab(page) {
  const tab = page.locator('[data-testid=view-tab][data-tab=kube-proxy]');
  await tab.click();
  assert.equal(await tab.getAttribute('aria-selected'), 'true');
  await page.locator('[data-testid=proxy-views]').waitFor({ state: 'visible' });
}

/**
 * The rules text shown.
 * @param {import('playwright-core').Page} page
 */
async function rulesText(page) {
  return (await page.locator('[data-testid=rules-text]').textContent({ timeout: 1_000 }).catch(() => null)) ?? '';
}

labTest('iptables rules, a traced packet through its DNAT, 300 requests over three backends, then IPVS', async (page) => {
  await waitForLab(page);
  await runServiceWeb(page);
  await openProxyTab(page);

  // iptables mode (the default): iptables-save text with the service dispatch chain.
  assert.equal(await page.locator('[data-testid=proxy-mode][data-mode=iptables]').isChecked(), true);
  assert.equal(await page.locator('[data-testid=ipvs-scheduler]').isDisabled(), true, 'the scheduler is IPVS-only');
  await eventually(async () => (await rulesText(page)).includes('KUBE-SERVICES'), 'KUBE-SERVICES in the iptables rules');
  assert.ok(Number(await textOf(page, '[data-testid=rule-count]')) > 0, 'rules are counted');
  assert.equal(await page.locator('[data-testid=proxy-node]').count(), 1, 'two nodes: a node picker');

  // Trace from the client pod to the Service by name (the form's defaults), with the keyboard.
  assert.equal(await page.locator('[data-testid=trace-from]').inputValue(), 'pod/client');
  assert.equal(await page.locator('[data-testid=trace-to]').inputValue(), 'web');
  await page.locator('[data-testid=trace-run]').focus();
  await page.keyboard.press('Enter');
  const result = page.locator('[data-testid=trace-result]');
  await result.waitFor({ state: 'visible' });
  assert.match((await textOf(page, '[data-testid=trace-outcome]')) ?? '', /HTTP 200/);
  const backend = (await textOf(page, '[data-testid=trace-backend]')) ?? '';
  assert.ok(BACKENDS.some((b) => backend.includes(`pod/${b}`)), `a web pod answered (got ${backend})`);
  assert.match((await textOf(page, '[data-testid=trace-seen-source]')) ?? '', /^10\.244\.0\.2:\d+$/, 'the client pod IP, not NATed');
  assert.match((await textOf(page, '[data-testid=trace-conntrack]')) ?? '', new RegExp(`dst=${CLUSTER_IP} .*dport=80`));

  // The DNAT step: destination rewritten from the cluster IP to a pod IP, with matched rules.
  const dnat = page.locator('[data-testid=trace-step][data-dnat=true]').first();
  await dnat.waitFor({ state: 'attached' });
  const rewrite = (await dnat.locator('[data-field=rewrite]').textContent()) ?? '';
  assert.match(rewrite, new RegExp(`${CLUSTER_IP}:80.*⇒.*10\\.244\\.\\d+\\.\\d+:80`, 's'), `DNAT to a pod (got ${rewrite})`);
  const hits = await page.locator('[data-testid=trace-hit]').evaluateAll((els) => els.map((e) => e.querySelector('code')?.textContent ?? ''));
  assert.ok(hits.some((h) => h.includes('DNAT')), `a DNAT rule matched (got ${hits.join(' | ')})`);

  // The matched rules are highlighted in the rules text, by their exact line.
  const marked = await page.locator('[data-testid=rules-text] mark.hit').evaluateAll((els) => els.map((e) => (e.textContent ?? '').trim()));
  assert.ok(marked.length > 0, 'highlighted rule lines');
  assert.ok(marked.some((line) => line.includes('KUBE-SERVICES')), `the KUBE-SERVICES jump is highlighted (got ${marked.join(' | ')})`);
  assert.equal(Number(await textOf(page, '[data-testid=rules-matched]')), marked.length);

  // The packet diagram: client, the nodes visited, the backend; the packet can be stepped.
  const figure = page.locator('[data-testid=packet-path]');
  assert.ok((await figure.locator('svg').getAttribute('aria-label'))?.includes('pod/client'));
  assert.ok((await figure.locator('[data-testid=path-box][data-role=node]').count()) >= 1);
  await page.locator('[data-testid=trace-play]').click();
  await eventually(async () => (await page.locator('[data-testid=trace-next]').isDisabled()), 'the animation reaches the last step', 20_000);
  await page.locator('[data-testid=trace-prev]').click();
  assert.equal(await page.locator('[data-testid=trace-step][aria-current=step]').count(), 1);

  // The trace was sent as a lab action.
  await page.locator('[data-testid=view-tab][data-tab=node]').click();
  assert.match((await textOf(page, '[data-testid=actions-taken]')) ?? '', /pod\/client sends 1 request to web/);
  await openProxyTab(page);

  // 300 new connections spread over the three ready backends.
  await page.locator('[data-testid=traffic-requests]').fill('300');
  await page.locator('[data-testid=traffic-send]').click();
  const histogram = page.locator('[data-testid=histogram]');
  await eventually(async () => (await histogram.getAttribute('data-requests').catch(() => null)) === '300', 'a 300-request histogram');
  const bars = await histogram.locator('[data-testid=histogram-bar]').evaluateAll((els) =>
    els.map((e) => ({ label: e.getAttribute('data-label') ?? '', count: Number(e.getAttribute('data-count')) })),
  );
  assert.equal(bars.length, 3, `three bars (got ${JSON.stringify(bars)})`);
  for (const pod of BACKENDS) {
    const bar = bars.find((b) => b.label.startsWith(pod));
    assert.ok(bar && bar.count > 0, `${pod} got requests (${JSON.stringify(bars)})`);
  }
  assert.equal(bars.reduce((sum, b) => sum + b.count, 0), 300);
  assert.equal(await textOf(page, '[data-testid=histogram-new]'), '300', 'no pool: every request a new connection');
  assert.equal(await page.locator('[data-testid=traffic-error]').count(), 0);

  // IPVS: the lab reruns from t = 0; kube-proxy then programs virtual servers (ipvsadm -Ln).
  await page.locator('[data-testid=proxy-mode][data-mode=ipvs]').check();
  await eventually(async () => atTimeZero(await textOf(page, '[data-testid=sim-time]')), 'the lab back at t = 0');
  assert.equal(await page.locator('[data-testid=ipvs-scheduler]').isDisabled(), false);
  assert.equal(await page.locator('[data-testid=rules]').getAttribute('data-mode'), 'ipvs');
  await playUntil(page, 30);
  await eventually(async () => /IP Virtual Server/.test(await rulesText(page)), 'ipvsadm -Ln output');
  const ipvs = await rulesText(page);
  assert.match(ipvs, new RegExp(`TCP\\s+${CLUSTER_IP}:80 rr`), 'the web virtual server with the rr scheduler');
  assert.match(ipvs, /->\s+10\.244\.\d+\.\d+:80/, 'its real servers');
});

labTest('a failing readiness probe removes the endpoint from the rules; nftables views; scale', async (page) => {
  await waitForLab(page);
  await runServiceWeb(page);

  // web-2 answers / with 503: its readiness probe fails, its endpoint becomes not ready.
  await page.locator('[data-testid=pod-select][data-pod=web-2]').click();
  await page.locator('[data-testid=action-http-code]').fill('503');
  await page.locator('[data-testid=action-http-status]').click();
  await playUntil(page, 50);
  await eventually(async () => (await textOf(page, 'tr[data-pod="web-2"] td[data-col=ready]')) === '0/1', 'web-2 not ready');

  await openProxyTab(page);
  // The last two syncs: web-2's endpoint chain and its jump are gone.
  await eventually(async () => (await page.locator('[data-testid=diff-lines] [data-change=removed]').count()) > 0, 'removed lines');
  const removed = await page.locator('[data-testid=diff-lines] [data-change=removed]').evaluateAll((els) => els.map((e) => e.textContent ?? ''));
  assert.ok(removed.some((l) => l.includes('10.244.1.2')), `web-2's address leaves the rules (got ${removed.join(' | ')})`);
  assert.ok(!(await rulesText(page)).includes('10.244.1.2:80'), 'web-2 is no longer a DNAT target');

  // Traffic now only reaches the two ready pods.
  await page.locator('[data-testid=traffic-requests]').fill('60');
  await page.locator('[data-testid=traffic-send]').click();
  await eventually(async () => (await page.locator('[data-testid=histogram]').getAttribute('data-requests').catch(() => null)) === '60', 'a 60-request histogram');
  const labels = await page.locator('[data-testid=histogram-bar]').evaluateAll((els) => els.map((e) => e.getAttribute('data-label') ?? ''));
  assert.deepEqual(labels.map((l) => l.split(' ')[0]).sort(), ['web-1', 'web-3']);

  // nftables: the nft -f transaction and the `nft list table` view.
  await page.locator('[data-testid=proxy-mode][data-mode=nftables]').check();
  await eventually(async () => atTimeZero(await textOf(page, '[data-testid=sim-time]')), 'the lab back at t = 0');
  await playUntil(page, 30);
  await eventually(async () => (await rulesText(page)).includes('add table ip kube-proxy'), 'the nft -f transaction');
  await page.locator('[data-testid=rules-view]').selectOption('list');
  await eventually(async () => (await rulesText(page)).includes('table ip kube-proxy {'), 'nft list table');

  // userspace (history) is offered and labelled as removed.
  assert.match((await textOf(page, 'label[for=proxy-mode-userspace]')) ?? '', /v1\.26/);

  // The scale view measures on open: four modes at three sizes.
  await page.locator('[data-testid=scale] summary').click();
  const table = page.locator('[data-testid=scale-table][data-done=true]');
  await table.waitFor({ state: 'visible', timeout: 30_000 });
  assert.equal(await table.locator('tbody tr').count(), 12);
  const evaluated = async (mode, services) =>
    Number(await table.locator(`tr[data-mode=${mode}][data-services="${services}"] td[data-col=last]`).textContent());
  assert.ok((await evaluated('iptables', 1000)) > 10 * (await evaluated('iptables', 10)), 'iptables grows with Services');
  assert.ok((await evaluated('nftables', 1000)) < 2 * (await evaluated('nftables', 10)) + 5, 'nftables does not');
});
