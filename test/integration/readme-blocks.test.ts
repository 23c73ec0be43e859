/**
 * The shell blocks of README.md and docs/ that need no AWS account and no cluster of their own run
 * as written (issue 20): each block is run by bash, line by line, with the built CLI
 * in place of `kafka-upgrade-verifier`, the example brokers replaced by the shared
 * local cluster (reached by its real DNS names), and the example history files made
 * from a test vector. A renamed flag, a refused value, a missing output or a stack
 * trace fails here. Blocks that deploy, rehearse or start a cluster are run by their
 * own integration tests (rehearse, local-cluster, canary-run); lines that need AWS
 * (`aws s3 cp`) or a secured cluster's files are left out and counted.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { afterAll, describe, expect, it } from 'vitest';

import { pages, root } from '../support/docs.js';
import { testCluster } from '../support/cluster.js';
import { createTopic, kafkaFor } from '../support/kafka.js';

const cluster = testCluster();
const CLI = join(root, 'dist/bin/kafka-upgrade-verifier.js');
const VECTOR = join(root, 'test/fixtures/history/balance-over-time.jsonl');

/** The commands a block may run here: read a history, or look at a running cluster. */
const RUNNABLE =
  /^(cat [^|]+\|\s*)?kafka-upgrade-verifier (analyze|report|reachability|preflight|gate)\b/;
/** Lines that need what this test does not have: AWS, a secured cluster's files. */
const NEEDS_MORE = /^aws |--(sasl|ca-file|ssl|tls|msk)/;

interface Block {
  page: string;
  line: number;
  lines: string[];
}

/** A page's fenced shell blocks, continuation lines joined. */
function shellBlocks(page: string): Block[] {
  const blocks: Block[] = [];
  let current: Block | null = null;
  let pending = '';
  readFileSync(join(root, page), 'utf8')
    .split('\n')
    .forEach((raw, index) => {
      if (/^```(bash|sh|shell)\s*$/.test(raw) && current === null) {
        current = { page, line: index + 1, lines: [] };
        return;
      }
      if (/^```\s*$/.test(raw) && current !== null) {
        blocks.push(current);
        current = null;
        return;
      }
      if (current === null) return;
      const joined = pending + raw;
      if (/\\\s*$/.test(joined)) {
        pending = joined.replace(/\\\s*$/, ' ');
        return;
      }
      pending = '';
      (current as Block).lines.push(joined);
    });
  return blocks;
}

/** A block line as run here: comment dropped, the CLI and the shared cluster put in. */
function localised(line: string): string {
  const dns = cluster.dnsServer === null ? '' : ` --dns-server ${cluster.dnsServer}`;
  return line
    .replace(/\s+#\s.*$/, '')
    .replace(/ --dns-server \S+/g, '')
    .replace(/--bootstrap \S+/g, `--bootstrap ${cluster.bootstrap}${dns}`)
    .replace(/kafka-upgrade-verifier /g, `${process.execPath} ${CLI} `);
}

/** The run folder and history files the README's examples name, from one test vector. */
function exampleFiles(dir: string): void {
  const text = readFileSync(VECTOR);
  copyFileSync(VECTOR, join(dir, 'run-42.jsonl'));
  writeFileSync(join(dir, 'run-42.jsonl.gz'), gzipSync(text));
  writeFileSync(join(dir, 'history.jsonl.gz'), gzipSync(text));
  writeFileSync(join(dir, 'HISTORY.jsonl.gz'), gzipSync(text));
  mkdirSync(join(dir, 'runs/r-42'), { recursive: true });
  writeFileSync(join(dir, 'runs/r-42/history.jsonl.gz'), gzipSync(text));
}

const work: string[] = [];
const admin = kafkaFor(cluster).admin();
/** The example topics the lines name (`--topics orders,payments`), made for the test. */
const made: string[] = [];
afterAll(async () => {
  for (const dir of work) rmSync(dir, { recursive: true, force: true });
  if (made.length > 0) await admin.deleteTopics({ topics: made, timeout: 30_000 });
  await admin.disconnect();
});

/** Creates the topics a line names that the cluster lacks (replicated, as a user's are). */
async function exampleTopics(line: string): Promise<void> {
  const named = [...line.matchAll(/--topics (\S+)/g)].flatMap((m) => m[1]!.split(','));
  const existing = new Set(await admin.listTopics());
  for (const topic of named.filter((t) => !existing.has(t) && !made.includes(t))) {
    await createTopic(admin, topic);
    made.push(topic);
  }
}

const runnable = pages()
  .flatMap(shellBlocks)
  .map((b) => ({
    ...b,
    lines: b.lines.filter((l) => l.trim() !== '' && !l.trim().startsWith('#')),
  }))
  .filter(
    (b) => b.lines.length > 0 && b.lines.every((l) => RUNNABLE.test(l) || NEEDS_MORE.test(l)),
  );

describe('the shell blocks of README.md and docs/, run as written against the shared cluster', () => {
  it('finds the blocks that read histories and look at a cluster', () => {
    // analyze (run-42), reachability (before/after), report, preflight, gate.
    expect(runnable.length).toBeGreaterThanOrEqual(5);
  });

  it.each(runnable.map((b) => [`${b.page}:${b.line}`, b] as const))(
    '%s',
    async (_name, block) => {
      await admin.connect();
      const dir = mkdtempSync(join(tmpdir(), 'kuv-readme-'));
      work.push(dir);
      exampleFiles(dir);
      const lines = block.lines.filter((l) => !NEEDS_MORE.test(l)).map(localised);
      for (const line of lines) {
        await exampleTopics(line);
        const r = spawnSync('bash', ['-o', 'pipefail', '-c', line], {
          cwd: dir,
          encoding: 'utf8',
          timeout: 90_000,
        });
        const said = `${line}\nexit ${r.status}\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr.slice(0, 2000)}`;
        // 0 pass/ready, 1 a fail verdict or block finding, 3 inconclusive; never a usage
        // error (2), a run not carried out (4), or a stack trace.
        expect([0, 1, 3], said).toContain(r.status);
        expect(r.stderr, said).not.toMatch(/^\s+at .+\(.+:\d+:\d+\)$/m);
        // Every file a line writes with --out or a redirect is there and not empty.
        for (const m of line.matchAll(/(?:--out|>)\s+(\S+)/g)) {
          const file = join(dir, m[1]!);
          expect(existsSync(file), `${said}\n${m[1]} was not written`).toBe(true);
          expect(readFileSync(file).length, `${m[1]} is empty`).toBeGreaterThan(0);
        }
      }
    },
    600_000,
  );
});
