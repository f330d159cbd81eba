// The manifest editor: inline errors while typing, a tab per object, templates, persistence in
// localStorage, share links and the YAML download.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { eventually, labTest, playUntil, textOf, waitForLab } from './lib/harness.mjs';

const editor = '[data-testid=manifest-editor]';

/** The tab labels, in order. */
async function tabs(page) {
  return page.locator('[data-testid=editor-tab]').evaluateAll((els) => els.map((e) => e.dataset.object));
}

/** The label of the selected tab. */
async function activeTab(page) {
  return page.locator('[data-testid=editor-tab][aria-selected=true]').getAttribute('data-object');
}

/** The error list's text once it shows `pattern`. */
async function errorMatching(page, pattern, what) {
  return eventually(async () => {
    const text = (await textOf(page, '[data-testid=yaml-error]')) ?? '';
    return pattern.test(text) && text;
  }, what);
}

async function openScenario(page, id) {
  await page.locator('[data-testid=scenario]').selectOption(id);
  await eventually(async () => (await tabs(page)).length > 1 || id === 'nginx-pod', `scenario ${id} loaded`);
}

/** What a share link must reproduce. */
async function snapshot(page) {
  return {
    time: await textOf(page, '[data-testid=sim-time]'),
    pods: await textOf(page, '[data-testid=pods-table]'),
    events: await page.locator('[data-testid=events] li').allTextContents(),
    taken: await page.locator('[data-testid=actions-taken] li').allTextContents(),
    text: await page.locator(editor).inputValue(),
    tabs: await tabs(page),
  };
}

labTest('typing a YAML error shows it inline at line:column with a gutter marker, without applying', async (page) => {
  await waitForLab(page);
  const area = page.locator(editor);
  const lesson = await area.inputValue();
  // Line 5 is indented deeper than its sibling: a syntax error while typing, no Apply click.
  await area.fill('apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   bad: indent\n');
  const error = await errorMatching(page, /(^|\D)5:\d+/, 'the syntax error at line 5');
  assert.match(error, /Pod\/x/, `the error names its object tab (got: ${error})`);
  await page.locator('[data-testid=editor-gutter] .err[data-line="5"]').waitFor({ state: 'visible' });
  assert.equal(await page.locator('[data-testid=editor-gutter] .err').count(), 1, 'one gutter marker');

  // A validation error names the field path, at the field's line and column, in the API
  // server's words (kubernetes/kubernetes pkg/apis/core/validation: NotSupported).
  await area.fill(lesson.replace('spec:\n', 'spec:\n  restartPolicy: Sometimes\n'));
  const invalid = await errorMatching(page, /spec\.restartPolicy/, 'the restartPolicy error');
  const line = lesson.split('\n').indexOf('spec:') + 2;
  assert.match(invalid, new RegExp(`${line}:3 spec\\.restartPolicy: Unsupported value: "Sometimes"`), invalid);
  assert.match(invalid, /"Always", "Never", "OnFailure"/);
  await page.locator(`[data-testid=editor-gutter] .err[data-line="${line}"]`).waitFor({ state: 'visible' });

  // Fixing it clears the list and the marker.
  await area.fill(lesson);
  await page.locator('[data-testid=yaml-error]').waitFor({ state: 'detached' });
  assert.equal(await page.locator('[data-testid=editor-gutter] .err').count(), 0);
});

labTest('the Service scenario has one tab per object; tabs edit their own document only', async (page) => {
  await waitForLab(page);
  await openScenario(page, 'service-web');
  assert.deepEqual(await tabs(page), ['Lab', 'Service/web', 'Pod/client', 'Pod/web-1', 'Pod/web-2', 'Pod/web-3']);
  await page.locator('[data-testid=editor-tab][data-object="Service/web"]').click();
  assert.equal(await activeTab(page), 'Service/web');
  const service = await page.locator(editor).inputValue();
  assert.ok(service.startsWith('apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n'), service);
  assert.ok(!service.includes('---'), 'a tab shows its own document only');

  // An error in one tab marks that tab, and the error list names it.
  await page.locator(editor).fill(service.replace('port: 80', 'port: 80000'));
  const err = await errorMatching(page, /Service\/web/, 'the Service error');
  assert.match(err, /spec\.ports\[0\]\.port/);
  await page.locator('[data-testid=editor-tab][data-object="Service/web"].has-error').waitFor();
  assert.equal(await page.locator('[data-testid=editor-tab].has-error').count(), 1);

  // Delete the Service's tab: the other objects stay.
  await page.locator('[data-testid=remove-object]').click();
  await eventually(async () => (await tabs(page)).length === 5, 'five tabs after removing one');
  assert.deepEqual(await tabs(page), ['Lab', 'Pod/client', 'Pod/web-1', 'Pod/web-2', 'Pod/web-3']);
});

labTest('a Service added from the template applies and kube-proxy programs it', async (page) => {
  await waitForLab(page);
  await openScenario(page, 'service-web');
  await page.locator('[data-testid=add-object]').selectOption('Service');
  await eventually(async () => (await activeTab(page)) === 'Service/my-service', 'the new Service tab selected');
  const text = await page.locator(editor).inputValue();
  assert.match(text, /^# A ClusterIP Service/);
  assert.match(text, /targetPort: 9376/);
  await page.locator('[data-testid=apply]').click();
  await page.locator('[data-testid=step]').click();
  assert.equal(await page.locator('[data-testid=yaml-error]').count(), 0, 'the template is valid');
  await page.locator('[data-testid=view-tab][data-tab=kube-proxy]').click();
  await eventually(
    async () => ((await textOf(page, '[data-testid=rules-text]')) ?? '').includes('default/my-service'),
    'the iptables rules to mention default/my-service',
    20_000,
  );
});

labTest('edits survive a reload; Reset goes back to the lesson', async (page) => {
  await waitForLab(page);
  await openScenario(page, 'service-web');
  await page.locator('[data-testid=editor-tab][data-object="Pod/client"]').click();
  const area = page.locator(editor);
  const client = await area.inputValue();
  await area.fill(client.replace('3600', '7200') + '# my note\n');
  await page.reload();
  await waitForLab(page);
  assert.equal(await page.locator('[data-testid=scenario]').inputValue(), 'service-web');
  await page.locator('[data-testid=editor-tab][data-object="Pod/client"]').click();
  const after = await area.inputValue();
  assert.ok(after.endsWith('# my note\n'), after);
  assert.ok(after.includes('"7200"'), after);
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('nodelab.v1.lab.service-web') ?? 'null'));
  assert.equal(stored?.schema, 1);

  await page.locator('[data-testid=reset]').click();
  await eventually(async () => !(await area.inputValue()).includes('# my note'), 'the lesson text back');
  await eventually(
    async () => page.evaluate(() => localStorage.getItem('nodelab.v1.lab.service-web') === null),
    'the saved edits forgotten after Reset',
  );
});

labTest('corrupt saved data is moved aside with a notice and the lab still works', async (page) => {
  await waitForLab(page);
  await page.evaluate(() => {
    localStorage.setItem('nodelab.v1.lab.nginx-pod', '{not json');
    localStorage.setItem('nodelab.v1.ui', '{"schema":99,"scenario":"nginx-pod"}');
  });
  await page.reload();
  await waitForLab(page);
  const notices = page.locator('[data-testid=storage-notice]');
  await eventually(async () => (await notices.count()) === 2, 'two storage notices');
  const all = (await notices.allTextContents()).join('\n');
  assert.match(all, /nodelab\.corrupt\.nodelab\.v1\.lab\.nginx-pod\.1/);
  assert.match(all, /nodelab\.corrupt\.nodelab\.v1\.ui\.1/);
  const moved = await page.evaluate(() => localStorage.getItem('nodelab.corrupt.nodelab.v1.lab.nginx-pod.1'));
  assert.equal(moved, '{not json', 'the bad data is kept aside');
  // The lesson's lab runs.
  assert.match(await page.locator(editor).inputValue(), /name: nginx/);
  await playUntil(page, 10);
  assert.equal(await textOf(page, 'tr[data-pod="nginx"] td[data-col=status]'), 'Running');
  // Dismissible.
  await page.locator('[data-testid=storage-notice] [data-testid=notice-dismiss]').first().click();
  await eventually(async () => (await notices.count()) === 1, 'one notice left after dismissing');
});

labTest('a share link reproduces the state in a new browser context', async (page) => {
  await waitForLab(page);
  await openScenario(page, 'service-web');
  // An edit that is not the lesson's: a fourth backend would be too slow; change web-3's period.
  await page.locator('[data-testid=editor-tab][data-object="Pod/web-3"]').click();
  const area = page.locator(editor);
  await area.fill((await area.inputValue()).replace('periodSeconds: 5', 'periodSeconds: 3'));
  await page.locator('[data-testid=apply]').click();
  await playUntil(page, 8);
  await page.locator('[data-testid=pod-select][data-pod="web-1"]').click();
  await page.locator('[data-testid=action-http-code]').fill('503');
  await page.locator('[data-testid=action-http-status]').click();
  await eventually(async () => (await page.locator('[data-testid=actions-taken] li').count()) === 1, 'one action taken');
  for (let i = 0; i < 6; i += 1) {
    await page.locator('[data-testid=step]').click();
  }
  const before = await snapshot(page);
  assert.ok(before.events.length > 0 && before.taken.length === 1);

  await page.locator('[data-testid=share-link]').click();
  const url = await page.locator('[data-testid=share-url]').inputValue();
  assert.match(url, /#\/session-7\/lab\?s=[A-Za-z0-9_-]+$/);

  const context = await page.context().browser().newContext();
  const problems = [];
  try {
    const other = await context.newPage();
    // The browser's own favicon.ico request (a 404 on a bare static server) is not the app's.
    other.on('console', (msg) => {
      if (msg.type() === 'error' && !/favicon\.ico$/.test(msg.location()?.url ?? '')) {
        problems.push(msg.text());
      }
    });
    other.on('pageerror', (err) => problems.push(err.message));
    await other.goto(url);
    await waitForLab(other);
    await eventually(async () => (await textOf(other, '[data-testid=sim-time]')) === before.time, 'the same sim-time');
    const after = await snapshot(other);
    assert.equal(after.time, before.time);
    assert.equal(after.pods, before.pods);
    assert.deepEqual(after.events, before.events);
    assert.deepEqual(after.taken, before.taken);
    assert.deepEqual(after.tabs, before.tabs);
    assert.equal(await other.locator('[data-testid=scenario]').inputValue(), 'service-web');
    await other.locator('[data-testid=editor-tab][data-object="Pod/web-3"]').click();
    assert.match(await other.locator(editor).inputValue(), /periodSeconds: 3/);
    // The link is dropped from the address once read, so a reload shows the saved state.
    assert.equal(new URL(other.url()).hash, '#/session-7/lab');

    // A malformed link: a notice and the default lab, no crash.
    const broken = await context.newPage();
    broken.on('pageerror', (err) => problems.push(err.message));
    await broken.goto(url.replace(/s=.*/, 's=AAAA-not-a-lab'));
    await waitForLab(broken);
    await broken.locator('[data-testid=share-notice]').waitFor({ state: 'visible' });
    assert.equal(await broken.locator('[data-testid=error-banner]').count(), 0);
  } finally {
    await context.close();
  }
  assert.deepEqual(problems, [], 'no errors in the pages opened from the link');
});

labTest('download gives the objects without the Lab document', async (page) => {
  await waitForLab(page);
  await openScenario(page, 'service-web');
  const link = page.locator('[data-testid=download-yaml]');
  assert.equal(await link.getAttribute('download'), 'nodelab-lab.yaml');
  assert.match((await link.getAttribute('title')) ?? '', /kubectl apply -f/);
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  assert.equal(download.suggestedFilename(), 'nodelab-lab.yaml');
  const text = await readFile(await download.path(), 'utf8');
  assert.ok(text.startsWith('apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n'), text.slice(0, 80));
  assert.ok(!/kind: Lab/.test(text), 'no Lab document');
  assert.equal((text.match(/^---$/gm) ?? []).length, 4, 'five objects, four separators');
  assert.ok(text.endsWith('periodSeconds: 5\n'));
});
