/**
 * The outside programs the local cluster needs (java, mvn, dnsmasq), checked up front
 * so a missing one gives one clear line instead of a stack trace.
 */
import { spawnSync } from 'node:child_process';

import { ClusterError } from '../../functions/core/errors.js';

interface Tool {
  command: string;
  versionArgs: string[];
  what: string;
  install: string;
}

export const JAVA: Tool = {
  command: 'java',
  versionArgs: ['-version'],
  what: 'Java (a JDK or JRE 17+)',
  install: 'apt-get install -y openjdk-17-jre-headless',
};
export const MAVEN: Tool = {
  command: 'mvn',
  versionArgs: ['-v'],
  what: 'Maven',
  install: 'apt-get install -y maven',
};
export const DNSMASQ: Tool = {
  command: 'dnsmasq',
  versionArgs: ['--version'],
  what: 'dnsmasq',
  install: 'scripts/install-test-tools.sh (or apt-get install -y dnsmasq-base)',
};

const found = new Map<string, string>();

/** Returns the first line the tool prints for its version; throws ClusterError if absent. */
export function requireTool(tool: Tool): string {
  const key = `${tool.command}\0${process.env.PATH ?? ''}`;
  const cached = found.get(key);
  if (cached !== undefined) return cached;
  const result = spawnSync(tool.command, tool.versionArgs, { encoding: 'utf8', timeout: 30_000 });
  if (result.error !== undefined || result.status !== 0) {
    const why =
      (result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
        ? `no '${tool.command}' on PATH`
        : `'${tool.command} ${tool.versionArgs.join(' ')}' failed: ${(result.error?.message ?? result.stderr ?? '').trim().split('\n')[0]}`;
    throw new ClusterError(
      `${tool.what} is missing (${why}); the local Kafka cluster needs it. Install it (${tool.install}) and retry.`,
    );
  }
  const first = `${result.stdout}${result.stderr}`.trim().split('\n')[0] ?? '';
  found.set(key, first);
  return first;
}
