/**
 * A real upgrade on a cluster of its own: start on Kafka 3.9.x, prove kafkajs works,
 * roll onto 4.x, finalize the feature levels, prove kafkajs still works and the data
 * survived, then stop and prove nothing is left behind.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { InputError } from '../../functions/core/errors.js';
import { describeFeatures, roll, stop } from '../../rehearsal/index.js';
import { DEFAULT_KAFKA_VERSION, DEFAULT_UPGRADE_FROM_VERSION } from '../../rehearsal/jars.js';
import { stderrLog } from '../../rehearsal/log.js';
import { isRunning, tcpPortFree, udpPortFree } from '../../rehearsal/process.js';
import { brokerMarker, readState, type ClusterState } from '../../rehearsal/state.js';
import {
  ownClusterForFile,
  ownStatePath,
  processesUnder,
  TEST_CLUSTER_PORTS,
  testCluster,
} from '../support/cluster.js';
import {
  consumeCount,
  distinctValues,
  kafkaFor,
  roundTrip,
  trackClients,
} from '../support/kafka.js';

const FROM = process.env.KUV_UPGRADE_FROM ?? DEFAULT_UPGRADE_FROM_VERSION;
const TO = process.env.KUV_UPGRADE_TO ?? DEFAULT_KAFKA_VERSION;
const statePath = ownStatePath('upgrade-test');
const track = trackClients();
const releaseOf = (v: string) => v.split('.').slice(0, 2).join('.');

// Needs a cluster of its own; with an external cluster (KUV_BOOTSTRAP) only if asked.
describe.skipIf(testCluster().statePath === null && process.env.KUV_UPGRADE_TEST !== '1')(
  `upgrade ${FROM} -> ${TO}`,
  () => {
    const cluster = ownClusterForFile(
      { name: 'upgrade-test', ports: TEST_CLUSTER_PORTS.upgrade, version: FROM },
      { withExternal: true },
    );
    let preUpgradeTopic = '';

    it(`kafkajs produces, consumes with a group and administers Kafka ${FROM}`, async () => {
      preUpgradeTopic = await roundTrip(kafkaFor(cluster()), track, 30);
      const features = await describeFeatures(readState(statePath)!);
      expect(features['metadata.version']).toMatch(
        new RegExp(`^${releaseOf(FROM).replace('.', '\\.')}-IV\\d+$`),
      );
    });

    it(`roll --to-version ${TO} upgrades every broker and finalizes metadata.version`, async () => {
      const began = Date.now();
      const after = await roll({ statePath, toVersion: TO, log: stderrLog });
      stderrLog(`roll --to-version ${TO}: ${((Date.now() - began) / 1000).toFixed(1)} s`);
      expect(after.brokers.map((b) => [b.version, b.up])).toEqual(
        after.brokers.map(() => [TO, true]),
      );
      // kafkajs has no DescribeFeatures; this is the Java AdminClient's describeFeatures via FeatureCommand.
      const features = await describeFeatures(readState(statePath)!);
      expect(features['metadata.version']).toMatch(
        new RegExp(`^${releaseOf(TO).replace('.', '\\.')}-IV\\d+$`),
      );
      const log = readFileSync(join(readState(statePath)!.brokers[0]!.dir, 'server.log'), 'utf8');
      expect(log).toContain(`Kafka version: ${TO}`);
    });

    it(`kafkajs still works on Kafka ${TO}, and the data written on ${FROM} survived`, async () => {
      expect(preUpgradeTopic, `the ${FROM} round trip failed; nothing to read back`).not.toBe('');
      const kafka = kafkaFor(cluster());
      const old = await consumeCount(kafka, preUpgradeTopic, 30);
      expect([...distinctValues(old)].sort()).toEqual(
        Array.from({ length: 30 }, (_, i) => `m-${i}`).sort(),
      );
      await roundTrip(kafka, track, 30);
    });

    it(`refuses to roll back to ${FROM} below the finalized metadata.version, touching nothing`, async () => {
      const before = readFileSync(statePath, 'utf8');
      const attempt = roll({ statePath, toVersion: FROM, log: stderrLog });
      await expect(attempt).rejects.toBeInstanceOf(InputError);
      await expect(attempt).rejects.toThrow(
        /metadata\.version is finalized at .*which Kafka .* cannot run.*Nothing was restarted/,
      );
      expect(readFileSync(statePath, 'utf8')).toBe(before);
      const state = readState(statePath)!;
      expect(state.brokers.every((b) => isRunning(b.pid, brokerMarker(b)))).toBe(true);
    });

    it('stop leaves no process, no port and no data behind', async () => {
      const state = readState(statePath) as ClusterState;
      expect(processesUnder(state.dataDir).length).toBe(state.brokers.length + 1);
      const result = await stop(statePath, { log: stderrLog });
      expect(result.stopped).toBe(true);
      expect(processesUnder(state.dataDir)).toEqual([]);
      for (const b of state.brokers) {
        expect(isRunning(b.pid, brokerMarker(b))).toBe(false);
        expect(await tcpPortFree(b.address, b.clientPort)).toBe(true);
        expect(await tcpPortFree(b.address, b.internalPort)).toBe(true);
        expect(await tcpPortFree(b.homeAddress, b.controllerPort)).toBe(true);
      }
      expect(await udpPortFree(state.dns.address, state.dns.port)).toBe(true);
      expect(await tcpPortFree(state.dns.address, state.dns.port)).toBe(true);
      expect(existsSync(state.dataDir)).toBe(false);
      expect(existsSync(statePath)).toBe(false);
    });
  },
);
