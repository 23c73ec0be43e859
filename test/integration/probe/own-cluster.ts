/**
 * A small cluster of the probe tests' own, which they may restart and re-address
 * (the shared cluster must not be rolled under other tests). Every use of the local
 * cluster scripts by the probe tests goes through here.
 */
import { join } from 'node:path';

import { roll, start, stop } from '../../../scripts/local-cluster/cluster.js';
import { stderrLog } from '../../../scripts/local-cluster/log.js';
import { projectRoot } from '../../../scripts/local-cluster/paths.js';
import { claimState, TEST_CLUSTER_PORTS } from '../helpers.js';

/** Ports beside the shared cluster's, inside this work tree's KUV_TEST_PORT_SHIFT range. */
export const PROBE_CLUSTER_PORTS = {
  portBase: TEST_CLUSTER_PORTS.main.portBase + 500,
  dnsPort: TEST_CLUSTER_PORTS.main.dnsPort + 500,
} as const;

export interface OwnCluster {
  bootstrap: string;
  dnsServer: string;
  /** Restarts these brokers one at a time, optionally on new addresses (127.0.0.N ⇄ 127.0.0.1N). */
  roll(brokerIds: number[], readdress?: boolean): Promise<void>;
  stop(): Promise<void>;
}

export async function startOwnCluster(name: string): Promise<OwnCluster> {
  const statePath = join(projectRoot(), '.cache', 'local-cluster', `${name}-state.json`);
  const release = claimState(statePath);
  try {
    await stop(statePath, { log: stderrLog });
    const status = await start({ statePath, ...PROBE_CLUSTER_PORTS, log: stderrLog });
    return {
      bootstrap: status.bootstrap,
      dnsServer: status.dnsServer,
      async roll(brokerIds, readdress = false) {
        await roll({ statePath, brokerIds, readdress, log: stderrLog });
      },
      async stop() {
        try {
          await stop(statePath, { log: stderrLog });
        } finally {
          release();
        }
      },
    };
  } catch (error) {
    await stop(statePath, { log: stderrLog }).catch(() => {});
    release();
    throw error;
  }
}
