/**
 * Starts one real local Kafka cluster for the whole integration run and stops it
 * afterwards — or uses the cluster named by KUV_BOOTSTRAP (+ KUV_DNS_SERVER), which
 * it neither starts nor stops (tests that restart brokers then skip).
 */
import type { TestProject } from 'vitest/node';

import { DEFAULT_KAFKA_VERSION } from '../../rehearsal/jars.js';
import { stderrLog } from '../../rehearsal/log.js';
import { startOwnCluster, TEST_CLUSTER_PORTS, type TestCluster } from '../support/cluster.js';

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
  // A run that was killed may have left its cluster behind: startOwnCluster clears it first.
  const cluster = await startOwnCluster({
    name: 'integration',
    ports: TEST_CLUSTER_PORTS.main,
    version,
  });
  project.provide('cluster', {
    bootstrap: cluster.bootstrap,
    dnsServer: cluster.dnsServer,
    statePath: cluster.statePath,
    version,
  });
  return () => cluster.stop();
}
