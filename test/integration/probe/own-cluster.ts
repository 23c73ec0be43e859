/**
 * A small cluster of the probe tests' own, which they may restart and re-address
 * (the shared cluster must not be rolled under other tests). Every use of the local
 * cluster scripts by the probe tests goes through here.
 */
import { roll, start, stderrLog, stop } from '../../../rehearsal/index.js';
import { claimState, TEST_CLUSTER_PORTS, testStatePath } from '../helpers.js';

export interface OwnCluster {
  bootstrap: string;
  dnsServer: string;
  /** Restarts these brokers one at a time, optionally on new addresses (127.0.0.N ⇄ 127.0.0.1N). */
  roll(brokerIds: number[], readdress?: boolean): Promise<void>;
  stop(): Promise<void>;
}

export async function startOwnCluster(name: string): Promise<OwnCluster> {
  const statePath = testStatePath(`${name}-state.json`);
  const release = claimState(statePath);
  try {
    await stop(statePath, { log: stderrLog });
    const status = await start({ statePath, ...TEST_CLUSTER_PORTS.probe, log: stderrLog });
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
