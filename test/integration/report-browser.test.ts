/**
 * The HTML report in a real browser: Debian's Chromium (headless) driven by
 * playwright-core. The page must open from disk with no console error and no
 * request but the file itself, draw its timeline (restart bands, one marker
 * per anomaly, a tooltip with the record), show address changes, sort tables,
 * and open in under 2 s at under 1 MB, for rolling-101 and for an hour-long
 * million-record run. Screenshots go to .cache/artifacts/.
 *
 * Needs no Kafka cluster: KUV_BOOTSTRAP=none npx vitest run --project integration test/integration/report-browser.test.ts
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANOMALY_KINDS } from '../../functions/core/history/index.js';
import { renderHtmlReportFrom } from '../../functions/core/report/index.js';
import { missingUnless, skipWithout } from './requirements.js';

const CHROMIUM = process.env.KUV_CHROMIUM ?? '/usr/bin/chromium';
const root = join(import.meta.dirname, '../..');
const artifacts = join(root, '.cache/artifacts');
const fixtures = join(root, 'test/fixtures/history');
const ONE_MB = 1_000_000;
const OPEN_LIMIT_MS = 2000;

/**
 * An hour-long rolling-restart history of about `records` records on 12
 * partitions, in the shape of scripts/bench-analyze.ts' (sends, log, two
 * consumer groups, three restarts, a few failures, duplicates and
 * redeliveries, probe rounds and leaders snapshots), yielded in chunks: it is
 * never written to disk.
 */
function* hourLongHistory(records: number): Generator<string> {
  const t0 = 1_763_900_000_000;
  const partitions = 12;
  const messages = Math.ceil(records / 4);
  const step = 3_600_000 / messages;
  const lines: string[] = [];
  const out = (o: object): void => {
    lines.push(JSON.stringify(o));
  };
  const flush = function* (): Generator<string> {
    if (lines.length > 0) yield `${lines.join('\n')}\n`;
    lines.length = 0;
  };
  const checks = (phase: string, at: number, moved = false): void => {
    const stage = { ok: true, ms: 2 };
    for (const broker of [1, 2, 3]) {
      const address = moved && broker === 2 ? '10.0.1.2' : `10.0.0.${broker}`;
      out({
        type: 'probe',
        endpoint: `b-${broker}.bench.internal:9092`,
        role: 'broker',
        broker,
        phase,
        at,
        dns: { ...stage, addresses: [address] },
        tcp: { ...stage, address },
        kafka: stage,
      });
    }
    out({
      type: 'leaders',
      topic: 'kuv-canary',
      phase,
      at,
      partitions: Array.from({ length: partitions }, (_, partition) => {
        const replicas = [1, 2, 3].map((b) => ((partition + b) % 3) + 1);
        const leader = phase === 'after' && replicas[0] === 2 ? replicas[1] : replicas[0];
        return { partition, leader, replicas, isr: replicas };
      }),
    });
  };
  out({ type: 'run', runId: 'hour-1m', cluster: 'bench', startedAt: t0, endedAt: t0 + 3_600_000 });
  for (const [i, f] of [0.25, 0.5, 0.75].entries()) {
    const at = t0 + Math.floor(3_600_000 * f);
    out({ type: 'broker', broker: i + 1, event: 'down', at });
    out({ type: 'broker', broker: i + 1, event: 'up', at: at + 15_000 });
  }
  checks('baseline', t0);
  const offsets = new Array<number>(partitions).fill(0);
  for (let m = 0; m < messages; m++) {
    const partition = m % partitions;
    const seq = Math.floor(m / partitions);
    const sentAt = t0 + Math.floor(m * step);
    const offset = offsets[partition]!++;
    const send = { type: 'produce', producer: 'canary', partition, seq, sentAt };
    out(
      m % 5003 === 0
        ? { ...send, ok: false, failedAt: sentAt + 30_000, error: 'REQUEST_TIMED_OUT' }
        : {
            ...send,
            ok: true,
            ackedAt: sentAt + 3 + (m % 17) + (m % 1000 === 0 ? 400 : 0),
            offset,
          },
    );
    out({ type: 'log', partition, offset, producer: 'canary', seq, timestamp: sentAt + 2 });
    if (m % 9973 === 0) {
      const dup = offsets[partition]!++;
      out({ type: 'log', partition, offset: dup, producer: 'canary', seq, timestamp: sentAt + 4 });
    }
    for (const group of ['canary-a', 'canary-b']) {
      out({
        type: 'consume',
        group,
        consumer: 'c-1',
        partition,
        offset,
        producer: 'canary',
        seq,
        receivedAt: sentAt + 20,
      });
    }
    if (m % 7919 === 0) {
      out({
        type: 'consume',
        group: 'canary-a',
        consumer: 'c-3',
        partition,
        offset,
        producer: 'canary',
        seq,
        receivedAt: sentAt + 900,
      });
    }
    if (lines.length >= 20_000) yield* flush();
  }
  checks('after', t0 + 3_600_000, true);
  yield* flush();
}

let browser: Browser | undefined;

async function renderTo(name: string, chunks: Iterable<string>, policy: 'strict' | 'tolerant') {
  mkdirSync(artifacts, { recursive: true });
  const began = performance.now();
  const { html, report } = await renderHtmlReportFrom(chunks, { source: name, policy });
  const renderMs = performance.now() - began;
  const file = join(artifacts, `report-${name}.html`);
  writeFileSync(file, html);
  return { file, report, renderMs, bytes: statSync(file).size };
}

/** Opens a report; fails on any console error, page error or request other than the file. */
async function open(file: string): Promise<{ page: Page; openMs: number; problems: string[] }> {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
  const url = pathToFileURL(file).href;
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning')
      problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('request', (r) => {
    if (r.url() !== url) problems.push(`request: ${r.url()}`);
  });
  const began = performance.now();
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('#timeline[data-drawn="1"]', { timeout: 10_000 });
  return { page, openMs: performance.now() - began, problems };
}

/** Pixels of the timeline's latency canvas that are not blank. */
function drawnPixels(page: Page): Promise<number> {
  return page.$eval('#chart-latency canvas', (canvas) => {
    // No DOM types in this project's TypeScript: the canvas as far as this check uses it.
    const c = canvas as unknown as {
      width: number;
      height: number;
      getContext(kind: '2d'): { getImageData(...box: number[]): { data: Uint8ClampedArray } };
    };
    const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < pixels.length; i += 4) if (pixels[i + 3]! > 0) n += 1;
    return n;
  });
}

const chromiumMissing = missingUnless(existsSync(CHROMIUM), `${CHROMIUM} is missing`);

describe.skipIf(skipWithout(chromiumMissing))(
  `the HTML report in Chromium (${CHROMIUM}; skipped when missing: scripts/install-test-tools.sh installs it)`,
  () => {
    beforeAll(async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('rolling-101: opens offline with no error, draws bands and markers, hovers, sorts', async () => {
      const text = readFileSync(join(fixtures, 'rolling-101.jsonl'), 'utf8');
      const { file, report, bytes, renderMs } = await renderTo('rolling-101', [text], 'strict');
      const { page, openMs, problems } = await open(file);
      try {
        const timeline = await page.$eval('#timeline', (s) => ({
          ...(s as unknown as { dataset: Record<string, string> }).dataset,
        }));
        expect(problems).toEqual([]);
        expect(timeline.restartBands).toBe('3');
        expect(timeline.drawnBands).toBe('3');
        expect(timeline.anomalyMarkers).toBe(String(report.anomalies.length));
        expect(timeline.drawnMarkers).toBe(String(report.anomalies.length));
        expect(await drawnPixels(page)).toBeGreaterThan(5000);
        expect(await page.textContent('#verdict h1')).toContain('FAIL');

        // Hover over the first anomaly's marker: the tooltip shows its record.
        const first = report.anomalies[0]!;
        const box = (await page.locator('#chart-latency .u-over').boundingBox())!;
        const from = Number(
          await page.$eval('#kuv-data', (s) => JSON.parse(s.textContent!).timeline.from),
        );
        const to = Number(
          await page.$eval('#kuv-data', (s) => JSON.parse(s.textContent!).timeline.to),
        );
        const kind = ANOMALY_KINDS.indexOf(first.kind);
        await page.mouse.move(
          box.x + ((first.at - from) / (to - from)) * box.width,
          box.y - (6 - kind) * 9,
        );
        const tooltip = page.locator('#tooltip');
        await expect.poll(() => tooltip.isVisible()).toBe(true);
        const said = await tooltip.textContent();
        expect(said).toContain(`kind ${first.kind}`);
        expect(said).toContain(`partition ${first.partition}`);

        // Sorting: click "partition" in the anomaly table, ascending then descending.
        const column = async (): Promise<number[]> =>
          page.$$eval('#anomalies-table tbody tr', (rows) =>
            rows.map((r) =>
              Number((r as unknown as { cells: { textContent: string }[] }).cells[2]!.textContent),
            ),
          );
        const header = page.locator('#anomalies-table th', { hasText: 'partition' });
        await header.click();
        const up = await column();
        expect(up).toEqual([...up].sort((a, b) => a - b));
        expect(await header.getAttribute('aria-sort')).toBe('ascending');
        await header.click();
        const down = await column();
        expect(down).toEqual([...up].sort((a, b) => b - a));
        expect(new Set(down).size).toBeGreaterThan(1);

        // One partition's own series, switched on from the selector.
        const own = page.locator('#chart-latency .u-legend .u-series').nth(3);
        expect(await own.getAttribute('class')).toContain('u-off');
        await page.selectOption('#partition', { label: 'partition 1' });
        await expect.poll(() => own.getAttribute('class')).not.toContain('u-off');
        expect(problems).toEqual([]);

        await page.screenshot({ path: join(artifacts, 'report-rolling-101.png'), fullPage: true });
        process.stderr.write(
          `report rolling-101: ${(bytes / 1024).toFixed(0)} KiB, rendered in ${renderMs.toFixed(0)} ms, opened and drawn in ${openMs.toFixed(0)} ms\n`,
        );
        expect(bytes).toBeLessThan(ONE_MB);
        expect(openMs).toBeLessThan(OPEN_LIMIT_MS);
      } finally {
        await page.close();
      }
    });

    it('reachability: names the broker whose address changed, old and new', async () => {
      const text = readFileSync(join(fixtures, 'reachability.jsonl'), 'utf8');
      const { file } = await renderTo('reachability', [text], 'tolerant');
      const { page, problems } = await open(file);
      try {
        expect(problems).toEqual([]);
        const changed = page.locator('#reachability-table tr[data-address-changed="true"]');
        await expect.poll(() => changed.count()).toBe(1);
        expect(await changed.getAttribute('data-broker')).toBe('3');
        const text = await changed.textContent();
        expect(text).toContain('broker 3');
        expect(await changed.locator('.old').textContent()).toBe('10.1.0.3');
        expect(await changed.locator('.new').textContent()).toBe('10.1.0.33');
        // The broker probed by its IP address says so.
        expect(
          await page.locator('#reachability-table tr[data-broker="1"]').textContent(),
        ).toContain('IP literal');
        // Balance before and after, and the runbook's words for the address change.
        expect(await page.locator('#balance-table tbody tr').count()).toBeGreaterThan(0);
        expect(await page.locator('#next-broker-address-changes').textContent()).toContain(
          'DNS names everywhere',
        );
      } finally {
        await page.close();
      }
    });

    it('an hour-long run of a million records: under 1 MB, opens in under 2 s', async () => {
      const { file, report, bytes, renderMs } = await renderTo(
        'hour-1m',
        hourLongHistory(1_000_000),
        'tolerant',
      );
      const records = report.totals.produced * 4;
      const { page, openMs, problems } = await open(file);
      try {
        expect(problems).toEqual([]);
        const timeline = await page.$eval('#timeline', (s) => ({
          ...(s as unknown as { dataset: Record<string, string> }).dataset,
        }));
        expect(Number(timeline.buckets)).toBeLessThanOrEqual(600);
        expect(timeline.drawnBands).toBe('3');
        expect(await drawnPixels(page)).toBeGreaterThan(5000);
        await page.screenshot({ path: join(artifacts, 'report-hour-1m.png'), fullPage: false });
        process.stderr.write(
          `report hour-1m (~${records} records, ${report.partitions.length} partitions, ${timeline.buckets} buckets of ${timeline.bucketMs} ms): ` +
            `${(bytes / 1024).toFixed(0)} KiB, read and rendered in ${renderMs.toFixed(0)} ms, opened and drawn in ${openMs.toFixed(0)} ms\n`,
        );
        expect(bytes).toBeLessThan(ONE_MB);
        expect(openMs).toBeLessThan(OPEN_LIMIT_MS);
      } finally {
        await page.close();
      }
    }, 180_000);
  },
);
