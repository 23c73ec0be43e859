/**
 * The settings a local cluster starts with, checked before anything runs: pure, so
 * the CLI and the tests can check them without a cluster.
 */
import { InputError } from '../functions/core/errors.js';
import { checkKafkaVersion, DEFAULT_KAFKA_VERSION } from './jars.js';
import { LOCAL_SECURITY_MODES, type LocalSecurity } from './security.js';

export const DEFAULT_PORT_BASE = 19092;
export const DEFAULT_DNS_PORT = 15353;
export const DEFAULT_BROKERS = 3;
export const DEFAULT_START_TIMEOUT_MS = 120_000;
export const DEFAULT_ROLL_TIMEOUT_MS = 180_000;
export const DOMAIN = 'kafka.test';
/**
 * The local cluster's leader.imbalance.check.interval.seconds: 10 s, not Kafka's 300 s,
 * so that a local cluster with automatic rebalancing evens leadership out within a test.
 */
export const DEFAULT_IMBALANCE_CHECK_SECONDS = 10;

export interface StartSettings {
  version: string;
  brokers: number;
  /** Client port; controller = base + 1, internal = base + 2, on every broker's own address. */
  portBase: number;
  dnsPort: number;
  timeoutMs: number;
  /** auto.leader.rebalance.enable on every broker. */
  autoLeaderRebalance: boolean;
  /** leader.imbalance.check.interval.seconds: how often the controller checks (and, with auto, restores) leadership. */
  leaderImbalanceCheckSeconds: number;
  /** What the CLIENT listener serves: plaintext, TLS, or SASL/SCRAM over TLS. */
  security: LocalSecurity;
}

/** Fills in the defaults and refuses what the local cluster cannot run, naming the flag. */
export function checkStartSettings(given: Partial<StartSettings>): StartSettings {
  const settings: StartSettings = {
    version: given.version ?? DEFAULT_KAFKA_VERSION,
    brokers: given.brokers ?? DEFAULT_BROKERS,
    portBase: given.portBase ?? DEFAULT_PORT_BASE,
    dnsPort: given.dnsPort ?? DEFAULT_DNS_PORT,
    timeoutMs: given.timeoutMs ?? DEFAULT_START_TIMEOUT_MS,
    autoLeaderRebalance: given.autoLeaderRebalance ?? true,
    leaderImbalanceCheckSeconds:
      given.leaderImbalanceCheckSeconds ?? DEFAULT_IMBALANCE_CHECK_SECONDS,
    security: given.security ?? 'plaintext',
  };
  if (!(LOCAL_SECURITY_MODES as readonly string[]).includes(settings.security)) {
    throw new InputError(
      `--security ${settings.security}: the local cluster serves ${LOCAL_SECURITY_MODES.join(', ')}` +
        ((settings.security as string) === 'msk-iam' ? ' (MSK IAM needs Amazon MSK itself).' : '.'),
    );
  }
  checkKafkaVersion(settings.version);
  const count = settings.brokers;
  if (!Number.isInteger(count) || count < 1 || count > 9) {
    throw new InputError(
      `--brokers ${count}: the local cluster runs 1 to 9 brokers (addresses 127.0.0.1-9).`,
    );
  }
  for (const [flag, port] of [
    ['--port-base', settings.portBase],
    ['--dns-port', settings.dnsPort],
  ] as const) {
    if (!Number.isInteger(port) || port < 1024 || port > 65533) {
      throw new InputError(`${flag} ${port}: use a port from 1024 to 65533.`);
    }
  }
  if (settings.dnsPort >= settings.portBase && settings.dnsPort <= settings.portBase + 2) {
    throw new InputError(
      `--dns-port ${settings.dnsPort} is one of the brokers' ports (${settings.portBase}-${settings.portBase + 2}); pick another.`,
    );
  }
  const check = settings.leaderImbalanceCheckSeconds;
  if (!Number.isInteger(check) || check < 1 || check > 86_400) {
    throw new InputError(
      `--rebalance-interval ${check} s: give whole seconds from 1 s to 24 h (leader.imbalance.check.interval.seconds).`,
    );
  }
  if (!(settings.timeoutMs > 0)) {
    throw new InputError(
      `timeout ${settings.timeoutMs} ms: give a positive time (--timeout takes seconds).`,
    );
  }
  return settings;
}
