/**
 * The CLI against what a careless or hostile user gives it (issue 19): huge lines
 * and gzip bombs, pipes and devices as input, standard output that fills up or
 * goes away, and `--out` paths that are links, FIFOs or missing folders. Each ends
 * with one line on standard error and the documented exit status, never a stack.
 */
import { execFileSync, spawn, spawnSync, type StdioOptions } from 'node:child_process';
import {
  closeSync,
  existsSync,
  lstatSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_LINE_CHARS } from '../../../functions/core/history/lines.js';
import { compileCli, removeTemporaries, root, tempDir } from './compiled-cli.js';
import { waitFor } from '../../../functions/core/wait.js';

const fixtures = join(root, 'test/fixtures/history');
const good = join(fixtures, 'window-inside-only.jsonl');
let cli = '';
/** Each test starts the CLI a few times; on a loaded shared machine that is seconds. */
const SPAWNING_TEST_MS = 60_000;

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], stdio: StdioOptions = 'pipe', input?: Buffer): Result {
  const r = spawnSync(process.execPath, [cli, ...args], {
    input,
    stdio,
    encoding: 'utf8',
    cwd: root,
    maxBuffer: 64 << 20,
  });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Runs the CLI with `path` (a device or file) opened as the given stdio stream. */
function runWith(args: string[], stream: 'stdin' | 'stdout', path: string): Result {
  const fd = openSync(path, stream === 'stdin' ? 'r' : 'w');
  try {
    return run(args, stream === 'stdin' ? [fd, 'pipe', 'pipe'] : ['pipe', fd, 'pipe']);
  } finally {
    closeSync(fd);
  }
}

/** One line on standard error, no stack trace. */
function expectOneLine(stderr: string): void {
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
}

beforeAll(() => {
  cli = compileCli();
}, 120_000);

afterAll(removeTemporaries);

describe('huge lines and gzip bombs', { timeout: SPAWNING_TEST_MS }, () => {
  it('refuses a gzip bomb of 600 MiB of zeros with exit 2 naming line 1', () => {
    // Concatenated gzip members are one gzip stream: 100 × 6 MiB of zeros, 600 MiB in all.
    const member = gzipSync(Buffer.alloc(6 << 20), { level: 9 });
    const bomb = join(tempDir(), 'bomb.gz');
    writeFileSync(bomb, Buffer.concat(Array.from({ length: 100 }, () => member)));
    const r = run(['analyze', bomb]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${bomb}: line 1: is longer than ${MAX_LINE_CHARS} characters`);
    expectOneLine(r.stderr);
  });

  it('refuses /dev/zero on standard input with exit 2 naming line 1 of stdin', () => {
    const r = runWith(['analyze', '-'], 'stdin', '/dev/zero');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^kafka-upgrade-verifier: stdin: line 1: is longer than/);
    expectOneLine(r.stderr);
  });

  it('names the line after good ones, and takes a line of exactly the cap', () => {
    const lines = readFileSync(good, 'utf8').trimEnd().split('\n');
    const dir = tempDir();
    const long = join(dir, 'long.jsonl');
    writeFileSync(long, `${lines.join('\n')}\n${'x'.repeat(MAX_LINE_CHARS + 1)}\n`);
    const r = run(['analyze', long]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`line ${lines.length + 1}: is longer than`);
    // A line of exactly MAX_LINE_CHARS passes the cap and is judged as JSON instead.
    const atCap = join(dir, 'at-cap.jsonl');
    writeFileSync(atCap, `${lines.join('\n')}\n${'x'.repeat(MAX_LINE_CHARS)}\n`);
    const r2 = run(['analyze', atCap]);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toContain(`line ${lines.length + 1}`);
    expect(r2.stderr).not.toContain('is longer than');
  });
});

describe('pipes and devices as input', { timeout: SPAWNING_TEST_MS }, () => {
  it('reads a process substitution <(…) as a stream', () => {
    const expected = run(['analyze', good, '--format', 'json']);
    // bash -c's words after the script are $0 (bash), $1 (node), $2 (the CLI), $3.
    const sub = spawnSync(
      'bash',
      [
        '-c',
        'exec "$1" "$2" analyze <(cat "$3") --format json',
        'bash',
        process.execPath,
        cli,
        good,
      ],
      { encoding: 'utf8', cwd: root },
    );
    expect(sub.stderr).toBe('');
    expect(sub.status).toBe(expected.status);
    expect(JSON.parse(sub.stdout)).toEqual(JSON.parse(expected.stdout));
  });

  it('reads a FIFO as a stream', async () => {
    const fifo = join(tempDir(), 'history.fifo');
    execFileSync('mkfifo', [fifo]);
    const child = spawn(process.execPath, [cli, 'analyze', fifo, '--format', 'json'], {
      cwd: root,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // A writer of its own, as opening a FIFO for writing waits for a reader: one
    // that never comes (the CLI refusing the path) must not hang the test.
    const writer = spawn('sh', ['-c', 'cat "$0" > "$1"', good, fifo], { stdio: 'ignore' });
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    writer.kill();
    expect(stderr).toBe('');
    expect(status).toBe(1);
    expect(JSON.parse(stdout).verdict).toBe('fail');
  });

  it('reads /dev/null as an empty history (inconclusive), not as a folder', () => {
    const r = run(['analyze', '/dev/null']);
    expect(r.stderr).not.toContain('folder');
    expect(r.status).toBe(3);
  });

  it('says a folder is a folder', () => {
    const r = run(['analyze', tempDir()]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('it is a folder, not a file');
    expectOneLine(r.stderr);
  });
});

describe('standard output that fails', { timeout: SPAWNING_TEST_MS }, () => {
  it('exits 4 with one line when standard output is full (/dev/full)', () => {
    const r = runWith(['analyze', good], 'stdout', '/dev/full');
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(
      /^kafka-upgrade-verifier: cannot write to standard output: no space left on device \(ENOSPC\)/,
    );
    expectOneLine(r.stderr);
  });

  it('ends quietly, with the verdict, when the reader goes away (EPIPE)', async () => {
    const child = spawn(process.execPath, [cli, 'analyze', good, '--format', 'json'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Closes the read end before the CLI has started: its first write gets EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(status).toBe(1); // window-inside-only fails under strict
  });
});

describe('standard error that fails', { timeout: SPAWNING_TEST_MS }, () => {
  it('keeps the exit status of bad input when standard error is full (/dev/full)', () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const r = run(['analyze', join(fixtures, 'bad-json.jsonl')], ['pipe', 'pipe', fd]);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
    } finally {
      closeSync(fd);
    }
  });
});

describe('--out paths', { timeout: SPAWNING_TEST_MS }, () => {
  it('reachability checks --out before probing: a missing folder is exit 2, no probe', () => {
    const r = run([
      'reachability',
      '--bootstrap',
      '127.0.0.1:1',
      '--out',
      join(tempDir(), 'no-such-folder/x.jsonl'),
    ]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^kafka-upgrade-verifier: reachability: --out .*folder .*no-such-folder' does not exist/,
    );
    expectOneLine(r.stderr);
  });

  it.each(['reachability', 'report'])('%s refuses a symbolic link as --out', (command) => {
    const dir = tempDir();
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'keep me\n');
    const link = join(dir, 'out');
    symlinkSync(victim, link);
    const args =
      command === 'report'
        ? ['report', good, '--out', link]
        : ['reachability', '--bootstrap', '127.0.0.1:1', '--out', link];
    const r = run(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`--out '${link}' is a symbolic link`);
    expectOneLine(r.stderr);
    expect(readlinkSync(link)).toBe(victim);
    expect(readFileSync(victim, 'utf8')).toBe('keep me\n');
  });

  it('report refuses a FIFO as --out and leaves it a FIFO', () => {
    const dir = tempDir();
    const fifo = join(dir, 'page.html');
    execFileSync('mkfifo', [fifo]);
    const r = run(['report', good, '--out', fifo]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('is a FIFO (named pipe)');
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir)).toEqual(['page.html']);
  });

  it('report replaces a regular file at --out whole, leaving no temporary file', () => {
    const dir = tempDir();
    const page = join(dir, 'page.html');
    writeFileSync(page, 'old\n');
    const r = run(['report', good, '--out', page]);
    expect(r.status).toBe(1);
    expect(readFileSync(page, 'utf8')).toMatch(/^<!doctype html>/i);
    expect(readdirSync(dir)).toEqual(['page.html']);
    expect(existsSync(`${page}.tmp`)).toBe(false);
  });
});

describe('a torn last gzip member', { timeout: SPAWNING_TEST_MS }, () => {
  const lines = readFileSync(good, 'utf8').trimEnd().split('\n');
  const half = Math.floor(lines.length / 2);
  const first = gzipSync(`${lines.slice(0, half).join('\n')}\n`);
  const second = gzipSync(`${lines.slice(half).join('\n')}\n`);

  /** The two-member history with its second member cut to `keep` bytes. */
  function torn(keep: number): string {
    const file = join(tempDir(), 'history.jsonl.gz');
    writeFileSync(file, Buffer.concat([first, second.subarray(0, keep)]));
    return file;
  }

  function analyzed(text: string): unknown {
    const file = join(tempDir(), 'part.jsonl');
    writeFileSync(file, text);
    return JSON.parse(run(['analyze', file, '--format', 'json']).stdout);
  }

  it('is refused by name (exit 2), not called invalid gzip', () => {
    const file = torn(second.length - 4);
    const r = run(['analyze', file]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`history '${file}' ends in a cut-off gzip member`);
    expect(r.stderr).toContain('--allow-torn-tail');
    expect(r.stderr).not.toContain('not valid gzip');
    expectOneLine(r.stderr);
  });

  it('with --allow-torn-tail, a member cut in its header keeps every earlier member', () => {
    const r = run(['analyze', torn(3), '--format', 'json', '--allow-torn-tail']);
    expect(r.stderr).toMatch(
      /^kafka-upgrade-verifier: note: history .* ends in a cut-off gzip member/,
    );
    expectOneLine(r.stderr);
    expect(JSON.parse(r.stdout)).toEqual(analyzed(`${lines.slice(0, half).join('\n')}\n`));
  });

  it('with --allow-torn-tail, the text summary is headed by a warning that the tail is missing', () => {
    const file = torn(5);
    const r = run(['analyze', file, '--allow-torn-tail']);
    expect(r.stdout).toMatch(
      new RegExp(
        `^WARNING: history '${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' ends in a cut-off gzip member`,
      ),
    );
    expect(r.stdout).toContain('The verdict is on what was kept');
  });

  it('with --allow-torn-tail, a member cut in its trailer keeps all its lines', () => {
    const r = run(['analyze', torn(second.length - 4), '--format', 'json', '--allow-torn-tail']);
    expect(JSON.parse(r.stdout)).toEqual(analyzed(`${lines.join('\n')}\n`));
  });

  it('with --allow-torn-tail, a member cut mid-line leaves out the cut-off line only', () => {
    // Half the member decompresses to whole lines and part of one more.
    const r = run([
      'report',
      torn(Math.floor(second.length / 2)),
      '--allow-torn-tail',
      '--out',
      join(tempDir(), 'p.html'),
    ]);
    expect(r.stderr).toMatch(/leaving out a cut-off line of \d+ bytes/);
    expect(r.stderr).not.toContain(': line '); // no bad-line error for the cut-off line
    expect(r.status).not.toBe(2);
  });
});

describe('two runs put together', { timeout: SPAWNING_TEST_MS }, () => {
  it('analyze warns on standard error and heads the summary, naming both runs (item 13)', () => {
    const text = readFileSync(good, 'utf8');
    const other = text.replace(/"runId":"[^"]*"/, '"runId":"r-other"');
    expect(other).not.toBe(text);
    const file = join(tempDir(), 'two-runs.jsonl');
    writeFileSync(file, `${text.trimEnd()}\n${other}`);
    const r = run(['analyze', file]);
    expect(r.stdout).toMatch(/^WARNING: the history holds run records of 2 different runs \(/);
    expect(r.stdout).toContain('r-other');
    expect(r.stderr).toContain('histories of different runs were put together');
    const single = run(['analyze', good]);
    expect(single.stdout).not.toContain('WARNING');
  });
});

describe('a signal during the start-up check', { timeout: SPAWNING_TEST_MS }, () => {
  /**
   * `run` against a listener that accepts connections and never answers (a wrong port,
   * a proxy with nothing behind it): the start-up check waits on its timeouts; a signal
   * must end it at once, with the signal's exit status and nothing written.
   */
  async function signalledRun(
    signals: NodeJS.Signals[],
  ): Promise<{ status: number | null; stderr: string; out: string }> {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    const out = join(tempDir(), 'run');
    const child = spawn(
      process.execPath,
      [cli, 'run', '--bootstrap', `127.0.0.1:${port}`, '--out', out, '--duration', '10s'],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    // The check has connected once the listener holds a socket: it now waits for an answer.
    await waitFor(() => sockets.size > 0, {
      timeoutMs: 20_000,
      intervalMs: 50,
      what: () => `the run to connect to 127.0.0.1:${port}; stderr so far: ${stderr}`,
    });
    for (const signal of signals) child.kill(signal);
    const status = await closed;
    for (const socket of sockets) socket.destroy();
    silent.close();
    return { status, stderr, out };
  }

  it('SIGTERM ends it with 143, says the canary had not started, writes nothing', async () => {
    const r = await signalledRun(['SIGTERM']);
    expect(r.status, r.stderr).toBe(143);
    expect(r.stderr).toContain('SIGTERM: stopping before the canary started');
    expect(r.stderr).toContain('nothing was written');
    expect(r.stderr).not.toContain('settling');
    expect(existsSync(join(r.out, 'history.jsonl.gz'))).toBe(false);
  });

  it('Ctrl-C ends it with 130 (there is nothing to settle or verify)', async () => {
    const r = await signalledRun(['SIGINT']);
    expect(r.status, r.stderr).toBe(130);
    expect(r.stderr).toContain('SIGINT: stopping before the canary started');
    expect(r.stderr).not.toContain('verifying');
  });
});
