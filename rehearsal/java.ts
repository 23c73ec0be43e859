/**
 * Running Kafka's jars with java: the JVM flags every process shares, the cached jar
 * folder of a version, and one-shot Kafka tools (StorageTool, FeatureCommand, …).
 */
import { spawn } from 'node:child_process';
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

/** Runs a Kafka Java tool (StorageTool, FeatureCommand, …) to completion. */
export function runKafkaTool(
  state: ClusterState,
  version: string,
  mainClass: string,
  args: string[],
  timeoutMs = 120_000,
): Promise<{ status: number; stdout: string; stderr: string }> {
  const libs = libsOf(version);
  return new Promise((resolve, reject) => {
    const child = spawn(
      'java',
      [
        '-Xmx256m',
        ...JVM_FLAGS,
        `-Dlog4j.configuration=file:${join(state.dataDir, 'tools-log4j.properties')}`,
        `-Dlog4j2.configurationFile=${join(state.dataDir, 'tools-log4j2.properties')}`,
        '-cp',
        `${libs}/*`,
        mainClass,
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
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
  });
}

/** The first `n` lines of a tool's output, on one line, for messages. */
export function firstLines(text: string, n = 3): string {
  return text.trim().split('\n').slice(0, n).join(' | ');
}
