/**
 * Judge-and-write (functions/core/run/judge.ts): one judged history, three files, all
 * or none — on disk (temporary names renamed into place) and in the run store (every
 * file rendered before the first put).
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { afterEach, describe, expect, it } from 'vitest';

import type { ProducerReport } from '../../../functions/core/history/producers.js';
import { HistoryFormatError } from '../../../functions/core/errors.js';
import {
  judgeHistory,
  judgeHistoryFile,
  putRunFiles,
  runFiles,
  writeRunFiles,
} from '../../../functions/core/run/judge.js';
import { missingUnless, skipWithout } from '../../integration/requirements.js';
import { FakeS3 } from '../handlers/fakes.js';

const fixture = join(import.meta.dirname, '../../fixtures/history/delivery.jsonl');
const judging = { policy: 'strict', windowMs: 300_000 } as const;

let folders: string[] = [];
async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kuv-judge-'));
  folders.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(folders.map((d) => rm(d, { recursive: true, force: true })));
  folders = [];
});

describe('judgeHistory', () => {
  it('gives the report and a page that shows it, from one read', async () => {
    const judged = await judgeHistory([await readFile(fixture)], { ...judging, source: 'x' });
    expect(judged.report.verdict).toMatch(/^(pass|warn|fail|inconclusive)$/);
    expect(judged.html).toContain('<html');
    const files = runFiles(judged, 'HEADER\n', '\nTAIL');
    expect(JSON.parse(files.report)).toEqual(judged.report);
    expect(files.summary).toMatch(/^READINESS not checked[^\n]*\n\nHEADER\n/);
    expect(files.summary.endsWith('\nTAIL')).toBe(true);
  });

  it("puts the run's client libraries into report.json and the page, asked only once the analyzer accepted the history", async () => {
    const entry = {
      client: 'sarama',
      library: 'sarama 1.61.1',
      version: '1.61.1',
      group: 'kuv-sarama-r-1',
      profile: 'defaults',
      settings: { 'Consumer.Offsets.Initial': 'OffsetNewest', '<b>': '<i>' },
      status: 'stopped',
      reason: null,
      consumer: {
        received: 12,
        redelivered: 2,
        skipped: 0,
        missing: 0,
        beforeStart: 0,
        logged: 10,
        longestGapMs: 900,
        rebalances: 2,
      },
      producer: {
        producer: 'kuv-sarama',
        status: 'stopped',
        reason: null,
        install: null,
        settings: { 'Producer.Idempotent': 'false' },
        sent: 20,
        acked: 19,
        failed: 1,
        unreported: 0,
        lost: 0,
        duplicates: 3,
        outOfOrder: 1,
        unackedWritten: 0,
        produceP99Ms: 40,
        scheduledP99Ms: 55,
      },
    };
    let asked = 0;
    let given: ProducerReport[] = [];
    const clients = (producers: ProducerReport[]) => {
      asked += 1;
      given = producers;
      return Promise.resolve([entry]);
    };
    const judged = await judgeHistory([await readFile(fixture)], {
      ...judging,
      source: 'x',
      clients,
    });
    expect(asked).toBe(1);
    // Asked with the analyzer's per-producer figures of the same history.
    const totals = judged.report.totals;
    expect(given.length).toBeGreaterThan(0);
    expect(given.reduce((n, p) => n + p.produced, 0)).toBe(totals.produced);
    expect(JSON.parse(runFiles(judged).report).clients).toEqual([entry]);
    expect(judged.html).toContain('<table id="client-producers-table"');
    expect(judged.html).toMatch(
      /<tr class="bad"><td>sarama<\/td><td>kuv-sarama<\/td><td>defaults<\/td><td class="num" data-v="20">20<\/td>/,
    );
    expect(judged.html).toContain('<summary>sarama producer (defaults): 1 settings</summary>');
    expect(judged.html).toContain('<table id="clients-table"');
    expect(judged.html).toMatch(/<td>sarama<\/td><td>sarama 1\.61\.1<\/td><td>defaults<\/td>/);
    expect(judged.html).toContain('<dt>Consumer.Offsets.Initial</dt><dd>OffsetNewest</dd>');
    expect(judged.html).toContain('<dt>&lt;b&gt;</dt><dd>&lt;i&gt;</dd>');
    // Without clients: neither the field nor the section.
    const plain = await judgeHistory([await readFile(fixture)], { ...judging, source: 'x' });
    expect('clients' in plain.report).toBe(false);
    expect(plain.html).not.toContain('clients-table');
    expect(plain.html).not.toContain('client-producers-table');
    // A history the analyzer refuses: the clients are never asked.
    await expect(
      judgeHistory(['{"type":"produce"}\n'], { ...judging, source: 'x', clients }),
    ).rejects.toThrow();
    expect(asked).toBe(1);
  });

  it('judges a run folder gzip history as the same history uncompressed', async () => {
    const dir = await folder();
    const path = join(dir, 'history.jsonl.gz');
    const text = await readFile(fixture, 'utf8');
    const half = text.indexOf('\n', text.length / 2) + 1;
    // Two gzip members, as GzipFileSink writes one per slice.
    await writeFile(
      path,
      Buffer.concat([gzipSync(text.slice(0, half)), gzipSync(text.slice(half))]),
    );
    const fromFile = await judgeHistoryFile(path, judging);
    const fromText = await judgeHistory([text], { ...judging, source: path });
    expect(fromFile.report).toEqual(fromText.report);
  });
});

describe('writeRunFiles', () => {
  it('writes the three files and leaves no temporary file', async () => {
    const dir = await folder();
    await writeRunFiles(dir, { report: '{}\n', summary: 'S', html: '<p>' });
    expect((await readdir(dir)).sort()).toEqual(['report.html', 'report.json', 'summary.txt']);
    expect(await readFile(join(dir, 'summary.txt'), 'utf8')).toBe('S');
  });

  it('leaves none of the three when one cannot be placed', async () => {
    expect.assertions(2);
    const dir = await folder();
    // report.html is a folder: its rename fails after report.json and summary.txt are placed.
    await mkdir(join(dir, 'report.html', 'inside'), { recursive: true });
    try {
      await writeRunFiles(dir, { report: '{}\n', summary: 'S', html: '<p>' });
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toMatch(/^E/);
    }
    expect((await readdir(dir)).sort()).toEqual(['report.html']);
  });
});

const hasStrace = spawnSync('strace', ['-V']).status === 0;

describe.skipIf(skipWithout(missingUnless(hasStrace, 'strace is not installed')))(
  'writeRunFiles on disk, seen by strace (needs strace: scripts/install-test-tools.sh)',
  () => {
    it('fsyncs each file and the folder before any rename, and the folder after the last', async () => {
      const dir = await folder();
      const script = join(dir, 'write.mjs');
      const judge = join(import.meta.dirname, '../../../dist/functions/core/run/judge.js');
      await writeFile(
        script,
        `import { writeRunFiles } from ${JSON.stringify(judge)};\n` +
          `await writeRunFiles(process.argv[2], { report: '{}\\n', summary: 's\\n', html: '<p>\\n' });\n`,
      );
      const out = join(dir, 'run');
      await mkdir(out);
      const trace = join(dir, 'trace.txt');
      const r = spawnSync('strace', [
        '-f',
        '-o',
        trace,
        '-e',
        'trace=openat,fsync,rename,renameat,renameat2,close',
        process.execPath,
        script,
        out,
      ]);
      expect(r.status, r.stderr.toString()).toBe(0);
      // The calls on the run folder, in order: which path each fd is, then what was done.
      const fds = new Map<string, string>();
      const steps: string[] = [];
      for (const line of (await readFile(trace, 'utf8')).split('\n')) {
        const opened = /openat\(AT_FDCWD, "([^"]+)", [^)]*\) = (\d+)/.exec(line);
        if (opened !== null && opened[1]!.startsWith(out)) fds.set(opened[2]!, opened[1]!);
        const synced = /fsync\((\d+)\)\s+= 0/.exec(line);
        if (synced !== null && fds.has(synced[1]!))
          steps.push(`fsync ${fds.get(synced[1]!)!.slice(out.length)}`);
        const renamed = /rename(?:at2?)?\((?:AT_FDCWD, )?"([^"]+)", (?:AT_FDCWD, )?"([^"]+)"/.exec(
          line,
        );
        if (renamed !== null && renamed[1]!.startsWith(out))
          steps.push(`rename ${renamed[2]!.slice(out.length)}`);
      }
      const temp = (name: string) => `fsync /${name}.tmp-PID`;
      expect(steps.map((step) => step.replace(/\.tmp-\d+$/, '.tmp-PID'))).toEqual([
        temp('report.json'),
        temp('summary.txt'),
        temp('report.html'),
        'fsync ',
        'rename /report.json',
        'rename /summary.txt',
        'rename /report.html',
        'fsync ',
      ]);
    });
  },
);

describe('putRunFiles', () => {
  it('puts the three files under the prefix, report.json last', async () => {
    const s3 = new FakeS3();
    const order: string[] = [];
    const send = s3.send.bind(s3);
    s3.send = async (command: { input: { Key?: string } }) => {
      order.push(command.input.Key ?? '');
      return send(command);
    };
    const keys = await putRunFiles(s3, 'b', 'runs/c/r-1/', {
      report: '{}\n',
      summary: 'S',
      html: '<p>',
    });
    expect(keys).toEqual({
      report: 'runs/c/r-1/report.json',
      summary: 'runs/c/r-1/summary.txt',
      html: 'runs/c/r-1/report.html',
    });
    expect(order).toEqual([
      'runs/c/r-1/summary.txt',
      'runs/c/r-1/report.html',
      'runs/c/r-1/report.json',
    ]);
    expect(s3.objects.get('b/runs/c/r-1/report.json')?.toString()).toBe('{}\n');
  });

  it('a history the analyzer refuses leaves the store without any of the three', async () => {
    expect.assertions(2);
    const s3 = new FakeS3();
    try {
      const judged = await judgeHistory(['{not json\n'], {
        ...judging,
        source: 's3://b',
      });
      await putRunFiles(s3, 'b', 'runs/c/r-1/', runFiles(judged));
    } catch (error) {
      expect(error).toBeInstanceOf(HistoryFormatError);
    }
    expect(s3.objects.size).toBe(0);
  });
});
