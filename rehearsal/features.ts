/**
 * Kafka feature levels (metadata.version and the rest) through FeatureCommand: describe,
 * finalize after an upgrade, and refuse a roll onto a release the metadata is too new for.
 */
import { ClusterError, InputError } from '../functions/core/errors.js';
import { internalBootstrap } from './addresses.js';
import { ensureKafkaJars } from './jars.js';
import { firstLines, libsOf, runKafkaTool } from './java.js';
import type { Log } from './log.js';
import type { ClusterState } from './state.js';

export function releaseOf(text: string): [number, number] | null {
  const m = /^(\d+)\.(\d+)/.exec(text);
  return m === null ? null : [Number(m[1]), Number(m[2])];
}

/**
 * A broker cannot start on a metadata.version newer than its own release, and metadata
 * cannot be downgraded: refuse such a roll before stopping anything.
 */
export async function refuseMetadataDowngrade(
  state: ClusterState,
  toVersion: string,
): Promise<void> {
  const target = releaseOf(toVersion)!;
  const lowerThanSome = state.brokers.some((b) => {
    const r = releaseOf(b.version)!;
    return r[0] > target[0] || (r[0] === target[0] && r[1] > target[1]);
  });
  if (!lowerThanSome) return;
  const finalized = (await describeFeatures(state))['metadata.version'];
  const level = finalized === undefined ? null : releaseOf(finalized);
  if (
    level !== null &&
    (level[0] > target[0] || (level[0] === target[0] && level[1] > target[1]))
  ) {
    throw new InputError(
      `--to-version ${toVersion}: the cluster's metadata.version is finalized at ${finalized}, which Kafka ${toVersion} cannot run, ` +
        `and metadata cannot be downgraded. Nothing was restarted; roll to Kafka ${level[0]}.${level[1]} or later instead.`,
    );
  }
}

/** Finalized feature levels as the Java AdminClient reports them (FeatureCommand describe). */
export async function describeFeatures(state: ClusterState): Promise<Record<string, string>> {
  const version = state.brokers[0]!.version;
  await ensureKafkaJars(version, () => {});
  const result = await runKafkaTool(state, version, 'org.apache.kafka.tools.FeatureCommand', [
    '--bootstrap-server',
    internalBootstrap(state),
    'describe',
  ]);
  if (result.status !== 0) {
    throw new ClusterError(
      `FeatureCommand describe (Kafka ${version}) failed: ${firstLines(result.stderr + result.stdout)}`,
    );
  }
  const features: Record<string, string> = {};
  for (const line of result.stdout.split('\n')) {
    const name = /Feature:\s*(\S+)/.exec(line)?.[1];
    const level = /FinalizedVersionLevel:\s*(\S+)/.exec(line)?.[1];
    if (name !== undefined && level !== undefined) features[name] = level;
  }
  return features;
}

export async function finalizeFeatures(
  state: ClusterState,
  version: string,
  log: Log,
): Promise<Record<string, string>> {
  const release = version.split('.').slice(0, 2).join('.');
  log(
    `finalizing feature levels for release ${release} (FeatureCommand upgrade --release-version ${release})`,
  );
  const result = await runKafkaTool(state, version, 'org.apache.kafka.tools.FeatureCommand', [
    '--bootstrap-server',
    internalBootstrap(state),
    'upgrade',
    '--release-version',
    release,
  ]);
  if (result.status !== 0) {
    throw new ClusterError(
      `every broker runs Kafka ${version}, but finalizing the feature levels failed: ${firstLines(result.stderr + result.stdout)}. ` +
        `Retry by hand: java -cp '${libsOf(version)}/*' org.apache.kafka.tools.FeatureCommand --bootstrap-server ${internalBootstrap(state)} upgrade --release-version ${release}`,
    );
  }
  log(`  ${firstLines(result.stdout, 4)}`);
  return describeFeatures(state);
}
