/**
 * `kafka-upgrade-verifier analyze` as a user runs it: the built entry point
 * under `node`, its exit status, standard output and standard error.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../..');
const cli = join(root, 'dist/bin/kafka-upgrade-verifier.js');
const fixtures = join(root, 'test/fixtures/history');

function run(args: string[], input?: Buffer | string) {
  const r = spawnSync(process.execPath, [cli, ...args], { input, encoding: 'utf8', cwd: root });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!existsSync(cli))
    throw new Error(`${cli} is missing: run 'npm run build' before the CLI tests`);
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
    const dir = mkdtempSync(join(tmpdir(), 'kuv-cli-'));
    const gz = join(dir, 'ordering.jsonl.gz');
    writeFileSync(gz, gzipSync(plain));
    const viaFile = run(['analyze', gz, '--format', 'json']);
    expect(viaFile.status).toBe(1);
    expect(viaFile.stdout).toBe(expected);
  });

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
    const dir = mkdtempSync(join(tmpdir(), 'kuv-cli-'));
    const fake = join(dir, 'history.jsonl.gz');
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
    [['analyze', 'x.jsonl', '--bogus'], "Unknown option '--bogus'"],
    [['analyze', 'missing.jsonl'], "cannot read history file 'missing.jsonl': ENOENT"],
    [['frobnicate'], "unknown command 'frobnicate'"],
  ])('usage error %j exits 2 with a message', (args, mention) => {
    const r = run(args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(mention);
  });

  it('prints help with --help and exits 0', () => {
    const r = run(['analyze', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--policy strict|tolerant');
  });
});
