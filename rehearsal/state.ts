/** The state file that lets status, roll and stop find a cluster that start left running. */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import { ClusterError } from '../functions/core/errors.js';
import type { SecurityState } from './security.js';

export interface BrokerState {
  id: number;
  /** The name advertised on the client listener, e.g. broker-1.kafka.test. */
  name: string;
  /** 127.0.0.N: the controller listener stays here for the cluster's life. */
  homeAddress: string;
  /** Where the client and internal listeners are bound now (changes on --readdress). */
  address: string;
  clientPort: number;
  internalPort: number;
  controllerPort: number;
  version: string;
  pid: number | null;
  /** The node's folder: server.properties, data/, server.log. */
  dir: string;
}

export interface ClusterState {
  format: 1;
  clusterId: string;
  dataDir: string;
  domain: string;
  startedAt: string;
  /** auto.leader.rebalance.enable; absent (older state files) means true. */
  autoLeaderRebalance?: boolean;
  /** leader.imbalance.check.interval.seconds; absent (older state files) means 10. */
  leaderImbalanceCheckSeconds?: number;
  dns: { address: string; port: number; pid: number | null; hostsFile: string };
  /** A secured CLIENT listener (start --security tls|sasl-scram); absent: plaintext. */
  security?: SecurityState;
  brokers: BrokerState[];
}

export function readState(path: string): ClusterState | null {
  if (!existsSync(path)) return null;
  try {
    const state = JSON.parse(readFileSync(path, 'utf8')) as ClusterState;
    if (state.format !== 1 || !Array.isArray(state.brokers)) throw new TypeError('unknown format');
    return state;
  } catch (error) {
    throw new ClusterError(
      `local cluster state file ${path} is unreadable (${(error as Error).message}); ` +
        'stop any java/dnsmasq processes it started by their pids, then delete the file.',
      { cause: error },
    );
  }
}

export function writeState(path: string, state: ClusterState): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, path);
}

export function removeState(path: string): void {
  rmSync(path, { force: true });
}

/** Marker in a broker's command line, so a reused pid is never mistaken for it. */
export function brokerMarker(broker: BrokerState): string {
  return `-Dkuv.node=${broker.dir}`;
}

export function dnsMarker(state: ClusterState): string {
  return state.dns.hostsFile;
}
