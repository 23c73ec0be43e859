/**
 * The outside programs the local cluster needs (java, mvn, dnsmasq), checked up front
 * so a missing one gives one clear line instead of a stack trace.
 */
import { spawnSync } from 'node:child_process';

import { ClusterError } from '../functions/core/errors.js';

interface Tool {
  command: string;
  /** Absolute paths tried when `command` is not on PATH (Debian puts dnsmasq in /usr/sbin). */
  fallbacks?: string[];
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
  fallbacks: ['/usr/sbin/dnsmasq', '/sbin/dnsmasq'],
  what: 'dnsmasq',
  install: 'scripts/install-test-tools.sh (or apt-get install -y dnsmasq-base)',
};

const found = new Map<string, string>();

/** Returns the command to run the tool with; throws ClusterError if it is absent or broken. */
export function requireTool(tool: Tool): string {
  const key = `${tool.command}\0${process.env.PATH ?? ''}`;
  const cached = found.get(key);
  if (cached !== undefined) return cached;
  let why = '';
  for (const candidate of [tool.command, ...(tool.fallbacks ?? [])]) {
    const result = spawnSync(candidate, tool.versionArgs, { encoding: 'utf8', timeout: 30_000 });
    if (result.error === undefined && result.status === 0) {
      found.set(key, candidate);
      return candidate;
    }
    if (why === '') {
      why =
        (result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
          ? `no '${tool.command}' on PATH`
          : `'${candidate} ${tool.versionArgs.join(' ')}' failed: ${(result.error?.message ?? result.stderr ?? '').trim().split('\n')[0]}`;
    }
  }
  throw new ClusterError(
    `${tool.what} is missing (${why}); the local Kafka cluster needs it. Install it (${tool.install}) and retry.`,
  );
}
