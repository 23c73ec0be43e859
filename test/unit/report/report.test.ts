/**
 * The HTML report's core: one pass that gives the analyzer's report unchanged
 * plus the timeline, buckets sized to the run whatever its length or line
 * order, everything from the history escaped, and the `report` command's
 * atomic write.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { HistoryFormatError } from '../../../functions/core/errors.js';
import { POLICIES, readHistory } from '../../../functions/core/history/index.js';
import {
  MAX_BUCKETS,
  buildTimeline,
  readReportData,
  renderHtmlReport,
} from '../../../functions/core/report/index.js';
import {
  binPercentiles,
  binValue,
  latencyBin,
  LATENCY_BINS,
} from '../../../functions/core/report/latency-histogram.js';
import {
  escapeHtml,
  jsonForScript,
  markdownToHtml,
} from '../../../functions/core/report/html-text.js';
import { reportCommand } from '../../../bin/commands/report.js';

const root = join(import.meta.dirname, '../../..');
const fixtures = join(root, 'test/fixtures/history');
const temporary: string[] = [];
const assets = { uplotJs: '/* uPlot */', uplotCss: '/* css */' };

afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kuv-report-'));
  temporary.push(dir);
  return dir;
}

const fixture = (name: string): string => readFileSync(join(fixtures, `${name}.jsonl`), 'utf8');
const goodVectors = readdirSync(fixtures)
  .filter((f) => f.endsWith('.jsonl') && !f.startsWith('bad-'))
  .map((f) => f.slice(0, -'.jsonl'.length));

/** A history of `n` sends over `spanMs`, one partition in four failing now and then. */
function longHistory(n: number, spanMs: number): string[] {
  const t0 = 1_763_900_000_000;
  const lines = [JSON.stringify({ type: 'run', runId: 'long', startedAt: t0 })];
  for (let i = 0; i < n; i++) {
    const sentAt = t0 + Math.floor((i * spanMs) / n);
    const partition = i % 4;
    const send = { type: 'produce', producer: 'canary', partition, seq: i >> 2, sentAt };
    lines.push(
      JSON.stringify(
        i % 97 === 0
          ? { ...send, ok: false, failedAt: sentAt + 5000 }
          : { ...send, ok: true, ackedAt: sentAt + 3 + (i % 11), offset: i >> 2 },
      ),
    );
  }
  return lines;
}

describe('readReportData: one pass for the analyzer and the timeline', () => {
  it.each(goodVectors)('%s: the same report as readHistory, under both policies', async (name) => {
    const text = fixture(name);
    const data = await readReportData([text], { source: name });
    const alone = await readHistory([text], { source: name });
    for (const policy of POLICIES) {
      expect(data.analysis.report({ policy })).toEqual(alone.report({ policy }));
    }
  });

  it('rejects bad input with the line and the field, as the analyzer does', async () => {
    await expect(readReportData([fixture('bad-field')], { source: 'bad' })).rejects.toThrow(
      HistoryFormatError,
    );
    await expect(readReportData([fixture('bad-field')], { source: 'bad' })).rejects.toThrow(
      /bad: line 2: field offset/,
    );
  });

  it(`keeps at most ${MAX_BUCKETS} buckets, and the same ones whatever the line order`, async () => {
    const lines = longHistory(40_000, 3_600_000);
    const inOrder = await readReportData([lines.join('\n')]);
    const shuffled = [...lines];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = (i * 7919) % (i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    const reversed = await readReportData([shuffled.join('\n')]);
    const a = buildTimeline(inOrder.timeline, inOrder.analysis.report());
    const b = buildTimeline(reversed.timeline, reversed.analysis.report());
    expect(a.t.length).toBeLessThanOrEqual(MAX_BUCKETS);
    expect(a.t.length).toBeGreaterThan(MAX_BUCKETS / 3);
    expect(a.bucketMs * MAX_BUCKETS).toBeGreaterThanOrEqual(3_600_000);
    expect(b).toEqual(a);
    expect(a.sent.reduce((s, x) => s + x, 0)).toBe(40_000);
    expect(a.failed.reduce((s, x) => s + x, 0)).toBe(Math.ceil(40_000 / 97));
    // Per partition: 4 partitions, all shown, their failed sends adding up to the total.
    expect(a.partitions.map((p) => p.partition)).toEqual([0, 1, 2, 3]);
    const perPartition = a.partitions.flatMap((p) => p.failed).reduce((s, x) => s + x, 0);
    expect(perPartition).toBe(Math.ceil(40_000 / 97));
  });

  it('timeline of rolling-101: restarts with windows, every kept anomaly as a marker', async () => {
    const data = await readReportData([fixture('rolling-101')]);
    const report = data.analysis.report({ policy: 'tolerant' });
    const t = buildTimeline(data.timeline, report);
    expect(t.restarts).toHaveLength(3);
    expect(t.restarts[0]).toEqual({
      broker: 1,
      downAt: 1763900153380,
      upAt: 1763900164570,
      windowEnd: 1763900164570 + 300_000,
    });
    expect(t.anomalies.at).toHaveLength(report.anomalies.length);
    expect(t.from).toBe(1763900101000);
    expect(t.p99.some((v) => v !== null && v > 100)).toBe(true);
  });
});

describe('the page for each kind of run', () => {
  it.each(goodVectors)("%s: first and final probes are the analyzer's", async (name) => {
    const data = await readReportData([fixture(name)]);
    const reach = data.analysis.report().reachability;
    if (reach === null) {
      // No probe reached the analyzer: none may reach the page either.
      expect(data.timeline.probes.brokers.size).toBe(0);
      expect(data.timeline.probes.bootstrap.size).toBe(0);
      return;
    }
    expect(reach.brokers.length + reach.bootstrap.length).toBeGreaterThan(0);
    for (const b of reach.brokers) {
      const pair = data.timeline.probes.brokers.get(b.broker)!;
      expect(pair.final.endpoint).toBe(b.endpoint);
      expect(pair.final.addresses).toEqual(b.finalAddresses);
      expect(pair.first?.endpoint ?? null).toBe(b.firstEndpoint);
      expect(pair.first?.addresses ?? null).toEqual(b.firstAddresses);
      const ok =
        pair.final.dns?.ok === true && pair.final.tcp?.ok === true && pair.final.kafka?.ok === true;
      expect(ok).toBe(b.reachable);
    }
    for (const e of reach.bootstrap) {
      expect(data.timeline.probes.bootstrap.get(e.endpoint)!.final.addresses).toEqual(
        e.finalAddresses,
      );
    }
  });

  it('inconclusive: says so, with the runbook words for it', async () => {
    const html = await renderHtmlReport(await readReportData([fixture('nothing-read')]), {
      assets,
    });
    expect(html).toContain('data-verdict="inconclusive"');
    expect(html).toContain('id="next-verification-inconclusive"');
    expect(html).toContain('start a\nrun again by hand'.replace('\n', ' '));
  });

  it('an empty history and a probes-only one still give a page', async () => {
    const empty = await renderHtmlReport(await readReportData(['']), { assets });
    expect(empty).toContain('data-buckets="0"');
    const probes = fixture('reachability')
      .split('\n')
      .filter((l) => l.includes('"probe"'))
      .join('\n');
    const page = await renderHtmlReport(await readReportData([probes]), { assets });
    expect(page).toContain('data-address-changed="true"');
  });

  it('more than 12 partitions: the 12 worst get their own series, the bad one among them', async () => {
    const t0 = 1_763_900_000_000;
    const lines: string[] = [];
    for (let partition = 0; partition < 20; partition++) {
      for (let seq = 0; seq < 5; seq++) {
        const sentAt = t0 + seq * 1000 + partition;
        const failed = partition === 17 && seq === 2;
        const send = { type: 'produce', producer: 'p', partition, seq, sentAt };
        lines.push(
          JSON.stringify(
            failed
              ? { ...send, ok: false, failedAt: sentAt + 900 }
              : { ...send, ok: true, ackedAt: sentAt + 4, offset: seq },
          ),
        );
        if (!failed)
          lines.push(
            JSON.stringify({
              type: 'log',
              partition,
              offset: seq,
              producer: 'p',
              seq,
              timestamp: sentAt + 2,
            }),
          );
      }
    }
    const data = await readReportData([lines.join('\n')]);
    const timeline = buildTimeline(data.timeline, data.analysis.report());
    expect(timeline.partitionCount).toBe(20);
    expect(timeline.partitions).toHaveLength(12);
    expect(timeline.partitions.map((p) => p.partition)).toContain(17);
    const html = await renderHtmlReport(data, { assets });
    expect(html).toContain('the 12 worst of 20 partitions selectable');
  });
});

describe('page size', () => {
  /** Over 1000 anomalies of each of four kinds: the report keeps 1000 of each, the page shows them all as markers. */
  function anomalousHistory(n: number): string {
    const t0 = 1_763_900_000_000;
    const lines = [JSON.stringify({ type: 'run', runId: 'worst', startedAt: t0 })];
    let offset = 0;
    for (let seq = 0; seq < n; seq++) {
      const partition = seq % 12;
      const sentAt = t0 + seq * 10;
      const at = offset++;
      lines.push(
        JSON.stringify({
          type: 'produce',
          producer: 'canary-producer-1',
          partition,
          seq,
          sentAt,
          ok: true,
          ackedAt: sentAt + 7,
          offset: at,
        }),
      );
      const log = (o: number): string =>
        JSON.stringify({
          type: 'log',
          partition,
          offset: o,
          producer: 'canary-producer-1',
          seq,
          timestamp: sentAt + 5,
        });
      if (seq % 4 !== 0) lines.push(log(at)); // every fourth one lost
      if (seq % 4 === 1) lines.push(log(offset++)); // a duplicate
      const consume = JSON.stringify({
        type: 'consume',
        group: 'canary-group-a',
        consumer: 'c-1',
        partition,
        offset: at,
        producer: 'canary-producer-1',
        seq,
        receivedAt: sentAt + 9,
      });
      lines.push(consume);
      if (seq % 4 === 2) lines.push(consume); // redelivered
    }
    return lines.join('\n');
  }

  it('stays under 1 MB with the anomaly list full (1000 of each kind)', async () => {
    const data = await readReportData([anomalousHistory(24_000)]);
    const report = data.analysis.report();
    expect(report.anomaliesTruncated).toBe(true);
    expect(report.anomalies.length).toBeGreaterThanOrEqual(3000);
    const html = await renderHtmlReport(data, {
      assets: { uplotJs: 'x'.repeat(51_081), uplotCss: 'x'.repeat(1857) },
    });
    expect(Buffer.byteLength(html)).toBeLessThan(1_000_000);
  });
});

describe('latency histogram', () => {
  it('is exact below 16 ms and within 6.25 % above', () => {
    for (const v of [0, 1, 15]) expect(binValue(latencyBin(v))).toBe(v);
    for (const v of [16, 17, 31, 32, 100, 1234, 30_000, 9_999_999]) {
      const shown = binValue(latencyBin(v));
      expect(Math.abs(shown - v) / v).toBeLessThanOrEqual(0.0625);
    }
    expect(latencyBin(-5)).toBe(0);
    expect(latencyBin(2 ** 40)).toBe(LATENCY_BINS - 1);
  });

  it('gives nearest-rank p50 and p99', () => {
    const bins = new Uint32Array(LATENCY_BINS);
    for (let v = 1; v <= 100; v++) bins[latencyBin(v)]! += 1;
    const p = binPercentiles(bins, 100)!;
    expect(Math.abs(p.p50 - 50)).toBeLessThanOrEqual(3);
    expect(Math.abs(p.p99 - 99)).toBeLessThanOrEqual(6);
    expect(binPercentiles(bins, 0)).toBeNull();
  });
});

describe('escaping what comes from the history', () => {
  const evil = '<script>alert("x")</script>';
  const lines = [
    JSON.stringify({
      type: 'run',
      runId: `r-${evil}`,
      cluster: evil,
      startedAt: 1_763_900_000_000,
      settings: { note: evil },
    }),
    JSON.stringify({
      type: 'produce',
      producer: evil,
      partition: 0,
      seq: 1,
      sentAt: 1_763_900_000_100,
      ok: true,
      ackedAt: 1_763_900_000_105,
      offset: 0,
    }),
    JSON.stringify({
      type: 'produce',
      producer: evil,
      partition: 0,
      seq: 2,
      sentAt: 1_763_900_000_200,
      ok: false,
      failedAt: 1_763_900_000_900,
      error: evil,
    }),
    JSON.stringify({
      type: 'log',
      partition: 0,
      offset: 0,
      producer: evil,
      seq: 1,
      timestamp: 1_763_900_000_101,
    }),
    JSON.stringify({
      type: 'log',
      partition: 0,
      offset: 1,
      producer: evil,
      seq: 1,
      timestamp: 1_763_900_000_102,
    }),
    JSON.stringify({
      type: 'probe',
      endpoint: `${evil}:9092`,
      role: 'broker',
      broker: 1,
      phase: 'after',
      at: 1_763_900_001_000,
      dns: { ok: false, ms: 5, addresses: [], error: evil },
      tcp: null,
      kafka: null,
    }),
    JSON.stringify({
      type: 'leaders',
      topic: evil,
      phase: 'after',
      at: 1_763_900_001_000,
      partitions: [{ partition: 0, leader: 1, replicas: [1], isr: [1] }],
    }),
  ];

  it('a <script> in a producer name, an error, a cluster, a topic, a setting: never raw in the page', async () => {
    const data = await readReportData([lines.join('\n')]);
    const html = await renderHtmlReport(data, { assets });
    expect(html).not.toContain(evil);
    expect(html).not.toMatch(/<script>alert/i);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    // The run record's own fields (its settings) are shown, escaped.
    expect(html).toMatch(/<dt>settings<\/dt><dd><code>\{&quot;note&quot;:&quot;&lt;script&gt;/);
    // Exactly the page's own three scripts.
    expect(html.match(/<script/g)).toHaveLength(3);
    // The data island still carries the producer name, escaped for a script element.
    const island = /<script type="application\/json" id="kuv-data">([^<]*)<\/script>/.exec(
      html,
    )![1]!;
    expect(JSON.parse(island).timeline.anomalies.producer).toContain(evil);
  });

  it('escapeHtml, jsonForScript and the runbook Markdown', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
    expect(jsonForScript({ a: '</script><!--\u2028' })).toBe(
      '{"a":"\\u003c/script>\\u003c!--\\u2028"}',
    );
    expect(
      markdownToHtml('- one `<b>`\n  two **bold** [Lost](lost.md)\n\n```sh\nx < y\n```\npara'),
    ).toBe(
      '<ul><li>one <code>&lt;b&gt;</code> two <strong>bold</strong> <em>Lost</em></li></ul>\n<pre><code>x &lt; y</code></pre>\n<p>para</p>',
    );
  });
});

describe('kafka-upgrade-verifier report', () => {
  const quiet = async (args: string[]): Promise<number> => {
    const write = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      return await reportCommand.run(args);
    } finally {
      process.stderr.write = write;
    }
  };

  it('a RUN_DIR: reads history.jsonl.gz, writes RUN_DIR/report.html, exits with the verdict', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'history.jsonl.gz'), gzipSync(fixture('reachability')));
    expect(await quiet([dir, '--policy', 'tolerant'])).toBe(0);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('data-verdict="warn"');
    expect(readdirSync(dir).sort()).toEqual(['history.jsonl.gz', 'report.html']);
  });

  it('a history file: <history>.html by default, --out elsewhere', async () => {
    const dir = tempDir();
    const history = join(dir, 'run.jsonl');
    writeFileSync(history, fixture('rolling-101'));
    expect(await quiet([history])).toBe(1);
    expect(existsSync(`${history}.html`)).toBe(true);
    expect(await quiet([history, '--out', join(dir, 'x.html'), '--policy', 'tolerant'])).toBe(1);
    expect(readFileSync(join(dir, 'x.html'), 'utf8')).toContain('Policy <b>tolerant</b>');
  });

  it('bad input writes nothing, not even a temporary file; an old page stays as it was', async () => {
    const dir = tempDir();
    const history = join(dir, 'bad.jsonl');
    writeFileSync(history, fixture('bad-field'));
    writeFileSync(join(dir, 'old.html'), 'old');
    await expect(quiet([history, '--out', join(dir, 'old.html')])).rejects.toThrow(/line 2/);
    await expect(quiet([history])).rejects.toThrow(HistoryFormatError);
    expect(readdirSync(dir).sort()).toEqual(['bad.jsonl', 'old.html']);
    expect(readFileSync(join(dir, 'old.html'), 'utf8')).toBe('old');
  });

  it('usage errors name the problem', async () => {
    const dir = tempDir();
    await expect(quiet([dir])).rejects.toThrow(/has no history.jsonl.gz/);
    await expect(quiet([])).rejects.toThrow(/expected one FILE/);
    await expect(quiet(['x.jsonl', '--policy', 'lax'])).rejects.toThrow(/--policy must be/);
    await expect(quiet(['x.jsonl', '--out'])).rejects.toThrow(/--out needs a file name/);
    const history = join(dir, 'h.jsonl');
    writeFileSync(history, fixture('window'));
    await expect(quiet([history, '--out', join(dir, 'no/such/folder.html')])).rejects.toThrow(
      /--out .*folder .*no\/such' does not exist/,
    );
    expect(readdirSync(dir)).toEqual(['h.jsonl']);
  });
});
