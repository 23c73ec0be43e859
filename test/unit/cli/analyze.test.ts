/**
 * `kafka-upgrade-verifier analyze` as a user runs it: the entry point compiled
 * from the current sources (into a temporary folder, never a stale dist/) and
 * run under `node`; its exit status, standard output and standard error.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLICIES } from '../../../functions/core/history/index.js';
import { compileCli, removeTemporaries, root, tempDir } from './compiled-cli.js';

const fixtures = join(root, 'test/fixtures/history');
let cli = '';

function run(args: string[], input?: Buffer | string) {
  const r = spawnSync(process.execPath, [cli, ...args], { input, encoding: 'utf8', cwd: root });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  cli = compileCli();
}, 120_000);

afterAll(removeTemporaries);

const vectors = readdirSync(fixtures)
  .filter((f) => f.endsWith('.jsonl'))
  .flatMap((f) => POLICIES.map((policy) => [f.slice(0, -'.jsonl'.length), policy] as const));

describe('analyze on the spec vectors', () => {
  it.each(vectors)('%s under %s: exit status and JSON report as expected', (name, policy) => {
    const expected = JSON.parse(
      readFileSync(join(fixtures, `${name}.${policy}.expected.json`), 'utf8'),
    );
    const r = run([
      'analyze',
      join(fixtures, `${name}.jsonl`),
      '--format',
      'json',
      '--policy',
      policy,
    ]);
    expect(r.status).toBe(expected.exitStatus);
    if (expected.exitStatus === 2) {
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(expected.stderrMentions);
      return;
    }
    const report = JSON.parse(r.stdout);
    for (const field of ['verdict', 'totals', 'partitions', 'restarts', 'ignoredRecords']) {
      expect(report[field], field).toEqual(expected[field]);
    }
    expect(report.reachability).toEqual(expected.reachability);
    expect(report.balance).toEqual(expected.balance);
  });
});

describe('analyze', () => {
  it('prints the JSON report and exits 1 on fail', () => {
    const r = run(['analyze', join(fixtures, 'delivery.jsonl'), '--format', 'json']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ verdict: 'fail', policy: 'strict', windowMs: 300000 });
    expect(report.totals.lost).toBe(2);
  });

  it('exits 0 on warn and takes --policy and --window-ms', () => {
    const file = join(fixtures, 'window-inside-only.jsonl');
    expect(run(['analyze', file, '--format', 'json']).status).toBe(1);
    const tolerant = run(['analyze', file, '--format', 'json', '--policy', 'tolerant']);
    expect(tolerant.status).toBe(0);
    expect(JSON.parse(tolerant.stdout).verdict).toBe('warn');
    // A window too short to hold the reordering: tolerant fails too.
    const short = run([
      'analyze',
      file,
      '--format=json',
      '--policy=tolerant',
      '--window-ms',
      '1000',
    ]);
    expect(short.status).toBe(1);
    expect(JSON.parse(short.stdout).windowMs).toBe(1000);
  });

  it('prints a one-screen text summary by default', () => {
    const r = run(['analyze', join(fixtures, 'rolling-101.jsonl'), '--policy', 'tolerant']);
    expect(r.status).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^VERDICT: FAIL/);
    expect(lines.length).toBeLessThanOrEqual(40);
    expect(r.stdout).toContain('lost                 6');
    expect(r.stdout).toMatch(/broker 2 .*: .*duplicate/);
    expect(r.stdout).toContain('worst partitions:');
  });

  it('reads standard input with -, gzipped or not, and a .gz file', () => {
    const plain = readFileSync(join(fixtures, 'ordering.jsonl'));
    const expected = run(['analyze', join(fixtures, 'ordering.jsonl'), '--format', 'json']).stdout;
    expect(run(['analyze', '-', '--format', 'json'], plain).stdout).toBe(expected);
    expect(run(['analyze', '-', '--format', 'json'], gzipSync(plain)).stdout).toBe(expected);
    const gz = join(tempDir(), 'ordering.jsonl.gz');
    writeFileSync(gz, gzipSync(plain));
    const viaFile = run(['analyze', gz, '--format', 'json']);
    expect(viaFile.status).toBe(1);
    expect(viaFile.stdout).toBe(expected);
  }, 60_000); // four CLI runs: seconds on a loaded machine

  it('accepts CRLF line ends, blank lines and a byte-order mark', () => {
    const crlf =
      '\ufeff' + readFileSync(join(fixtures, 'delivery.jsonl'), 'utf8').replace(/\n/g, '\r\n\r\n');
    const r = run(['analyze', '-', '--format', 'json'], crlf);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).totals.logged).toBe(8);
  });

  it.each([
    ['bad-json.jsonl', 'line 3: not JSON'],
    ['bad-field.jsonl', 'line 2: field offset'],
  ])('on bad input (%s) exits 2, names the line, prints nothing on stdout', (file, mention) => {
    for (const format of ['json', 'text']) {
      const r = run(['analyze', join(fixtures, file), '--format', format]);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(mention);
    }
  });

  it('says what is wrong with a gzip file that is not gzip', () => {
    const fake = join(tempDir(), 'history.jsonl.gz');
    writeFileSync(fake, 'not compressed\n');
    const r = run(['analyze', fake]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('not valid gzip');
  });

  it.each([
    [['analyze'], 'expected one FILE'],
    [['analyze', 'a', 'b'], 'expected one FILE'],
    [['analyze', 'x.jsonl', '--policy', 'lenient'], '--policy must be strict or tolerant'],
    [['analyze', 'x.jsonl', '--format', 'yaml'], '--format must be text or json'],
    [['analyze', 'x.jsonl', '--window-ms=-5'], '--window-ms must be a whole number'],
    [['analyze', 'x.jsonl', '--window-ms', '1e3'], '--window-ms must be a whole number'],
    [
      ['analyze', 'x.jsonl', '--bogus'],
      "analyze: unknown flag --bogus; 'kafka-upgrade-verifier analyze --help' lists the flags",
    ],
    [['analyze', 'x.jsonl', '--max-leader-skew', 'lots'], '--max-leader-skew must be a number'],
    [['analyze', 'x.jsonl', '--max-leader-skew=-1'], '--max-leader-skew must be a number'],
    [['frobnicate'], "unknown command 'frobnicate'"],
  ])('usage error %j exits 2 with a message', (args, mention) => {
    const r = run(args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(mention);
  });

  it.each([
    ['run', '--duration', '-5m'],
    ['analyze', 'x.jsonl', '--window-ms', '-1'],
    ['gate', '--bootstrap', 'a:1', '--timeout', '-1s'],
    ['rehearse', '--nope'],
  ])('a flag problem of %s is one line on stderr, no usage text', (...args) => {
    const r = run(args);
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^kafka-upgrade-verifier: \w+: (unknown flag )?--(duration|window-ms|timeout|nope)/,
    );
  });

  it('exits 3 on an inconclusive history and says what it means and what to do', () => {
    const file = join(fixtures, 'nothing-read.jsonl');
    const json = run(['analyze', file, '--format', 'json']);
    expect(json.status).toBe(3);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout)).toMatchObject({ verdict: 'inconclusive', maxLeaderSkew: 1.5 });
    const text = run(['analyze', file]);
    expect(text.status).toBe(3);
    expect(text.stdout).toMatch(/^VERDICT: INCONCLUSIVE/);
    expect(text.stdout).toContain('nothing was read back');
    expect(text.stdout).toContain('re-run');
  });

  it('exits 3 on an empty history rather than passing it', () => {
    const r = run(['analyze', '-', '--format', 'json'], '');
    expect(r.status).toBe(3);
    expect(JSON.parse(r.stdout).verdict).toBe('inconclusive');
  });

  it('takes --max-leader-skew: a skew of 2 warns at the default 1.5, passes at 2', () => {
    const file = join(fixtures, 'reachability.jsonl');
    const byDefault = JSON.parse(run(['analyze', file, '--format', 'json']).stdout);
    expect(byDefault.reasons).toContain('leader skew 2 is above 1.5');
    const at2 = run(['analyze', file, '--format', 'json', '--max-leader-skew', '2']);
    expect(at2.status).toBe(0);
    expect(JSON.parse(at2.stdout).maxLeaderSkew).toBe(2);
    expect(JSON.parse(at2.stdout).reasons).not.toContain('leader skew 2 is above 1.5');
  });

  it('prints the reachability block and the balance line in the text summary', () => {
    const r = run(['analyze', join(fixtures, 'reachability.jsonl')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^VERDICT: WARN/);
    expect(r.stdout).toMatch(/broker 3 .*reachable.*10\.1\.0\.3 → 10\.1\.0\.33/);
    expect(r.stdout).toMatch(/broker 1 .*IP literal/);
    expect(r.stdout).toMatch(
      /balance: leader skew 2 .*preferred leaders 0\.67.*under-replicated 1.*offline 0/,
    );
  });

  it.each([
    ['a missing file', () => join(tempDir(), 'missing.jsonl'), 'no such file'],
    ['a folder', () => tempDir(), 'is a folder, not a file'],
  ])('on %s exits 2 with a one-line message, no stack trace', (_what, path, mention) => {
    const r = run(['analyze', path()]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(mention);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toContain('    at ');
  });

  it('prints help with --help and exits 0', () => {
    const r = run(['analyze', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--policy strict|tolerant');
  });
});
