/**
 * `rehearse --version 3.9.1 --to-version 4.4.0 --readdress --leadership auto` as a user
 * runs it: one rehearsal proves the upgrade (the same checks as a plain roll pass
 * through it), the address change (the report names each broker's old and new address,
 * and warns) and leadership as Amazon MSK brings it back — by the brokers' own
 * rebalancing, no election run by the rehearsal. The cluster is the rehearsal's own,
 * started and stopped by it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';

import { stderrLog } from '../../rehearsal/index.js';
import { runCli } from '../support/cli.js';
import { ownStateForFile, TEST_CLUSTER_PORTS } from '../support/cluster.js';
import { readHistory } from '../support/history.js';
import { expectMeasuredRun, type RehearsalReport, rehearseArgs } from '../support/rehearse.js';

// Starting clusters of its own needs the local cluster; with an external one, skip.
const { statePath, external } = ownStateForFile('rehearse-upgrade-state.json');

describe.skipIf(external)('rehearse --to-version --readdress', () => {
  it('upgrades 3.9.1 → 4.4.0 onto new addresses with the brokers rebalancing leadership themselves: three restarts, no loss or duplicate, outages measured; leadership back without an election; every broker reported moved, old and new address, verdict warn; its report.html opens in Chromium with the bands, markers and moves; cluster stopped', async () => {
    const { out, args } = rehearseArgs(statePath, TEST_CLUSTER_PORTS.rehearseUpgrade, 'upgrade');
    const began = Date.now();
    const r = await runCli([
      ...args,
      '--version',
      '3.9.1',
      '--to-version',
      '4.4.0',
      '--readdress',
      '--leadership',
      'auto',
      '--rebalance-interval',
      '10s',
    ]);
    stderrLog(
      `rehearse --to-version --readdress took ${((Date.now() - began) / 1000).toFixed(1)} s`,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('starting a local cluster (Kafka 3.9.1) for the rehearsal');
    expect(r.stderr).toContain(
      "rolling restart onto Kafka 4.4.0 onto new addresses; leadership: the brokers' own rebalancing (auto.leader.rebalance.enable, checked every 10 s)",
    );
    expect(r.stderr).toContain('automatic leader rebalancing every 10 s');
    expect(r.stderr).not.toContain('preferred leader election');
    expect(r.stderr).toMatch(/finalized features: .*metadata\.version=4\.4/);
    expect(r.stderr).toContain('cluster stopped');
    const report = JSON.parse(r.stdout) as RehearsalReport;
    expectMeasuredRun(report, readHistory(join(out, 'history.jsonl.gz')), [1, 2, 3]);

    // Nobody elected: the brokers moved leadership back themselves, within the run.
    const canary = report.balance!.topics.find((t) => t.topic === 'kuv-canary')!;
    stderrLog(
      `auto: peak leader skew ${canary.peakLeaderSkew}, skewed ${canary.skewedMs} ms, restored ${canary.leadershipRestoredMs} ms after the last broker came up`,
    );
    expect(canary.leadershipRestoredMs).not.toBeNull();
    expect(canary.peakLeaderSkew).toBeGreaterThan(1);
    expect(report.balance!.totals.leaderSkew).toBeLessThanOrEqual(report.maxLeaderSkew);

    expect(report.verdict).toBe('warn');
    expect(report.reasons.join('\n')).toMatch(/address/i);
    const reach = report.reachability!;
    expect(reach.totals.brokerAddressChanges).toBe(3);
    expect(
      reach.brokers.map((b) => [
        b.broker,
        b.addressChanged,
        b.firstAddresses,
        b.finalAddresses,
        b.reachable,
      ]),
    ).toEqual([
      [1, true, ['127.0.0.1'], ['127.0.0.11'], true],
      [2, true, ['127.0.0.2'], ['127.0.0.12'], true],
      [3, true, ['127.0.0.3'], ['127.0.0.13'], true],
    ]);
    // The roll said so as it moved each broker.
    expect(r.stderr).toContain('moving from 127.0.0.2 to 127.0.0.12');

    await expectReportPage(join(out, 'report.html'), report);
  }, 600_000);
});

const CHROMIUM = process.env.KUV_CHROMIUM ?? '/usr/bin/chromium';

/**
 * The run's report.html in a real browser (Debian's Chromium): it opens from disk with
 * no console error and no request but the file, draws the timeline with a band per
 * restart and a marker per anomaly, and names each moved broker with its old and new
 * address. A screenshot is kept in .cache/artifacts/ as the test's artifact.
 */
async function expectReportPage(file: string, report: RehearsalReport): Promise<void> {
  expect(existsSync(file), file).toBe(true);
  expect(existsSync(CHROMIUM), `${CHROMIUM} (scripts/install-test-tools.sh installs it)`).toBe(
    true,
  );
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const url = pathToFileURL(file).href;
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('request', (q) => {
      if (q.url() !== url) problems.push(`request: ${q.url()}`);
    });
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector('#timeline[data-drawn="1"]', { timeout: 10_000 });
    const timeline = await page.$eval('#timeline', (t) => ({
      ...(t as unknown as { dataset: Record<string, string> }).dataset,
    }));
    expect(timeline.drawnBands).toBe(String(report.restarts.length));
    expect(timeline.drawnMarkers).toBe(
      String((report as { anomalies?: unknown[] }).anomalies?.length ?? 0),
    );
    for (const b of [1, 2, 3]) {
      const row = page.locator(
        `#reachability-table tr[data-broker="${b}"][data-address-changed="true"]`,
      );
      expect(await row.locator('.old').textContent()).toBe(`127.0.0.${b}`);
      expect(await row.locator('.new').textContent()).toBe(`127.0.0.1${b}`);
    }
    expect(problems).toEqual([]);
    const artifacts = join(import.meta.dirname, '../../.cache/artifacts');
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({
      path: join(artifacts, 'report-rehearse-readdress.png'),
      fullPage: true,
    });
  } finally {
    await browser.close();
  }
}
