/**
 * Running Kafka's jars with java: the JVM flags every process shares, the cached jar
 * folder of a version, and one-shot Kafka tools (StorageTool, FeatureCommand, …).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ClusterError } from '../functions/core/errors.js';
import { cachedKafkaLibs } from './jars.js';
import type { ClusterState } from './state.js';

export const JVM_FLAGS = [
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-Djava.awt.headless=true',
  '-Djava.net.preferIPv4Stack=true',
];

/** The cached jar folder of a version that `ensureKafkaJars` resolved before. */
export function libsOf(version: string): string {
  const libs = cachedKafkaLibs(version);
  if (libs === null) {
    throw new ClusterError(
      `the jars of Kafka ${version} are not in the cache; run 'kafka-upgrade-verifier local-cluster fetch --version ${version}'.`,
    );
  }
  return libs;
}

/**
 * One argument of a java launcher argument file (`java @file`): quoted, with the
 * launcher's escapes for backslash and double quote.
 */
export function argFileLine(arg: string): string {
  return `"${arg.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * The java command line of a tool. With `secret`, the main class and its arguments
 * go into an argument file (0600, beside the cluster's data) that the launcher reads,
 * so that `ps` and /proc/PID/cmdline show `@file`, not a SCRAM password.
 */
export function toolCommand(
  dataDir: string,
  libs: string,
  mainClass: string,
  args: readonly string[],
  secret: boolean,
): { argv: string[]; argFile: string | null } {
  const jvm = [
    '-Xmx256m',
    ...JVM_FLAGS,
    `-Dlog4j.configuration=file:${join(dataDir, 'tools-log4j.properties')}`,
    `-Dlog4j2.configurationFile=${join(dataDir, 'tools-log4j2.properties')}`,
    '-cp',
    `${libs}/*`,
  ];
  if (!secret) return { argv: [...jvm, mainClass, ...args], argFile: null };
  const argFile = join(dataDir, `.tool-args-${randomBytes(6).toString('hex')}`);
  writeFileSync(argFile, `${[mainClass, ...args].map(argFileLine).join('\n')}\n`, {
    mode: 0o600,
  });
  return { argv: [...jvm, `@${argFile}`], argFile };
}

/**
 * Runs a Kafka Java tool (StorageTool, FeatureCommand, …) to completion. `secret`:
 * its arguments hold a password (see toolCommand); the argument file is removed when
 * the tool ends.
 */
export function runKafkaTool(
  state: ClusterState,
  version: string,
  mainClass: string,
  args: string[],
  timeoutMs = 120_000,
  secret = false,
): Promise<{ status: number; stdout: string; stderr: string }> {
  const { argv, argFile } = toolCommand(state.dataDir, libsOf(version), mainClass, args, secret);
  const removeArgFile = () => {
    if (argFile !== null) rmSync(argFile, { force: true });
  };
  return new Promise<{ status: number; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn('java', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      stderr += `\n(${mainClass} killed: no answer within ${Math.round(timeoutMs / 1000)} s)`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status: status ?? 1, stdout, stderr });
    });
  }).finally(removeArgFile);
}

/** The first `n` lines of a tool's output, on one line, for messages. */
export function firstLines(text: string, n = 3): string {
  return text.trim().split('\n').slice(0, n).join(' | ');
}
