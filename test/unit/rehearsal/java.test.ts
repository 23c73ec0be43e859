import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { argFileLine, toolCommand } from '../../../rehearsal/java.js';

const dir = mkdtempSync(join(tmpdir(), 'kuv-java-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a Kafka tool whose arguments hold a password', () => {
  const password = 'pa55-w0rd_XYZ';
  const args = ['format', '--add-scram', `SCRAM-SHA-512=[name=kuv,password=${password}]`];

  it('shows the process list @file, not the password; the file is 0600 and holds the arguments', () => {
    const { argv, argFile } = toolCommand(dir, '/libs', 'kafka.tools.StorageTool', args, true);
    expect(argv.join(' ')).not.toContain(password);
    expect(argv.at(-1)).toBe(`@${argFile}`);
    expect(statSync(argFile!).mode & 0o777).toBe(0o600);
    expect(readFileSync(argFile!, 'utf8').trimEnd().split('\n')).toEqual(
      ['kafka.tools.StorageTool', ...args].map(argFileLine),
    );
  });

  it('without a secret, passes the arguments on the command line and writes no file', () => {
    const { argv, argFile } = toolCommand(dir, '/libs', 'Main', ['a'], false);
    expect(argFile).toBeNull();
    expect(argv.slice(-2)).toEqual(['Main', 'a']);
  });

  it('quotes as the java launcher reads it: spaces, quotes and backslashes survive', () => {
    expect(argFileLine('a b')).toBe('"a b"');
    expect(argFileLine('say "hi"')).toBe('"say \\"hi\\""');
    expect(argFileLine('C:\\x')).toBe('"C:\\\\x"');
  });

  // The launcher itself reads the file back: its error names the main class it found
  // there. Java may be missing on a user's machine, never under CI.
  it.runIf(process.env.CI === 'true' || spawnSync('java', ['-version']).status === 0)(
    'java expands the file into the main class and its arguments',
    () => {
      const { argv } = toolCommand(dir, dir, 'no.such.Main', ['x y'], true);
      const r = spawnSync('java', argv, { encoding: 'utf8' });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('no.such.Main');
    },
  );
});
