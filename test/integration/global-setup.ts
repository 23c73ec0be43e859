/**
 * Starts one real local Kafka cluster for the whole integration run and stops it
 * afterwards — or uses the cluster named by KUV_BOOTSTRAP (+ KUV_DNS_SERVER), which
 * it neither starts nor stops (tests that restart brokers then skip).
 */
import type { TestProject } from 'vitest/node';

import { start, stop } from '../../rehearsal/cluster.js';
import { DEFAULT_KAFKA_VERSION } from '../../rehearsal/jars.js';
import { stderrLog } from '../../rehearsal/log.js';
import { claimState, TEST_CLUSTER_PORTS, testStatePath, type TestCluster } from './helpers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    cluster: TestCluster;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  const external = process.env.KUV_BOOTSTRAP;
  if (external !== undefined && external !== '') {
    project.provide('cluster', {
      bootstrap: external,
      dnsServer: process.env.KUV_DNS_SERVER ?? null,
      statePath: null,
      version: process.env.KUV_KAFKA_VERSION ?? 'unknown',
    });
    stderrLog(`integration tests use the cluster at ${external} (not started here)`);
    return;
  }
  const version = process.env.KUV_KAFKA_VERSION ?? DEFAULT_KAFKA_VERSION;
  const statePath = testStatePath('integration-state.json');
  const release = claimState(statePath);
  // A run that was killed may have left its cluster behind: clear it first.
  await stop(statePath, { log: stderrLog });
  const began = Date.now();
  let status;
  try {
    status = await start({
      statePath,
      version,
      portBase: TEST_CLUSTER_PORTS.main.portBase,
      dnsPort: TEST_CLUSTER_PORTS.main.dnsPort,
      log: stderrLog,
    });
  } catch (error) {
    release();
    throw error;
  }
  stderrLog(
    `integration cluster (Kafka ${version}) ready in ${((Date.now() - began) / 1000).toFixed(1)} s`,
  );
  project.provide('cluster', {
    bootstrap: status.bootstrap,
    dnsServer: status.dnsServer,
    statePath,
    version,
  });
  return async () => {
    try {
      await stop(statePath, { log: stderrLog });
    } finally {
      release();
    }
  };
}
