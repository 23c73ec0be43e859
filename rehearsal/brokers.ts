/** A broker process: its node files, starting its JVM, and waiting until it logs that it started. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ClusterError } from '../functions/core/errors.js';
import { waitFor } from '../functions/core/wait.js';
import { log4j2Properties, log4jProperties, serverProperties } from './config.js';
import { JVM_FLAGS, libsOf } from './java.js';
import { readFrom, tail } from './log-files.js';
import { isRunning, spawnDetached } from './process.js';
import { brokerMarker, type BrokerState, type ClusterState } from './state.js';

export function logFile(broker: BrokerState): string {
  return join(broker.dir, 'server.log');
}

export function writeNodeFiles(state: ClusterState, broker: BrokerState): void {
  mkdirSync(broker.dir, { recursive: true });
  writeFileSync(join(broker.dir, 'server.properties'), serverProperties(state, broker));
}

/** The logging configs every broker and tool of the cluster shares. */
export function writeLoggingFiles(state: ClusterState): void {
  writeFileSync(join(state.dataDir, 'log4j.properties'), log4jProperties('INFO', 'System.out'));
  writeFileSync(join(state.dataDir, 'log4j2.properties'), log4j2Properties('info', 'SYSTEM_OUT'));
  writeFileSync(
    join(state.dataDir, 'tools-log4j.properties'),
    log4jProperties('WARN', 'System.err'),
  );
  writeFileSync(
    join(state.dataDir, 'tools-log4j2.properties'),
    log4j2Properties('warn', 'SYSTEM_ERR'),
  );
}

export async function startBrokerProcess(
  state: ClusterState,
  broker: BrokerState,
): Promise<number> {
  const libs = libsOf(broker.version);
  return spawnDetached(
    'java',
    [
      '-Xms256m',
      '-Xmx768m',
      ...JVM_FLAGS,
      '-XX:+ExitOnOutOfMemoryError',
      brokerMarker(broker),
      `-Dlog4j.configuration=file:${join(state.dataDir, 'log4j.properties')}`,
      `-Dlog4j2.configurationFile=${join(state.dataDir, 'log4j2.properties')}`,
      '-cp',
      `${libs}/*`,
      'kafka.Kafka',
      join(broker.dir, 'server.properties'),
    ],
    logFile(broker),
  );
}

/** Waits for "Kafka Server started" in the log written after `offset`; fails if the JVM exits. */
export async function waitBrokerStarted(
  broker: BrokerState,
  offset: number,
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    () => {
      if (readFrom(logFile(broker), offset).includes('Kafka Server started')) return true;
      if (!isRunning(broker.pid, brokerMarker(broker))) {
        throw new ClusterError(
          `broker ${broker.id} (Kafka ${broker.version}, ${broker.address}) exited while starting. ` +
            `Last lines of ${logFile(broker)}:\n    ${tail(logFile(broker))}`,
        );
      }
      return false;
    },
    {
      timeoutMs,
      intervalMs: 250,
      what: `broker ${broker.id} to log "Kafka Server started"`,
      onTimeout: () =>
        new ClusterError(
          `broker ${broker.id} (Kafka ${broker.version}, ${broker.address}) did not log "Kafka Server started" within ${Math.round(timeoutMs / 1000)} s. ` +
            `Last lines of ${logFile(broker)}:\n    ${tail(logFile(broker))}\n  Raise --timeout on a slow machine, or read the log.`,
        ),
    },
  );
}
