/**
 * The local Kafka cluster, programmatically: what `rehearse`, the integration tests and
 * the `local-cluster` command stand on. Linux only (loopback addresses 127.0.0.N, /proc);
 * needs Java 17+, Maven (once per Kafka version) and dnsmasq.
 *
 * Every function takes the path of a state file: `start` writes it, the others find the
 * cluster's processes through it. `defaultStatePath()` is the CLI's default.
 *
 * ```ts
 * import * as rehearsal from './rehearsal/index.js';
 * const statePath = '/tmp/my-cluster.json';
 * const { bootstrap, dnsServer } = await rehearsal.start({ statePath, autoLeaderRebalance: false });
 * await rehearsal.roll({ statePath, electLeaders: false });   // leadership skew stays
 * await rehearsal.electLeaders(statePath);                     // … and goes away
 * await rehearsal.killBroker(statePath, 2);                    // SIGKILL, a crash
 * await rehearsal.restartBroker(statePath, 2);                 // back, in every ISR
 * await rehearsal.stop(statePath);
 * ```
 *
 * - `start(options): Promise<ClusterStatus>` — fetch jars (once), start dnsmasq and the
 *   brokers, wait until registered through their DNS names. Options: `version`,
 *   `brokers`, `portBase`, `dnsPort`, `timeoutMs`, `autoLeaderRebalance` (default true),
 *   `security` ('plaintext' | 'tls' | 'sasl-scram': the CLIENT listener; the status then
 *   names the CA and password files under `security`, docs/security.md).
 * - `status(statePath): Promise<ClusterStatus>` — bootstrap, DNS server, each broker's
 *   address, version and whether it is up.
 * - `roll(options): Promise<ClusterStatus>` — rolling restart: `toVersion`, `readdress`,
 *   `brokerIds`, `timeoutMs`, `electLeaders` (default true). A refused roll changes nothing.
 * - `killBroker(statePath, id)` / `restartBroker(statePath, id, { waitInSync })` — a crash
 *   (SIGKILL) and the way back; the state file follows.
 * - `electLeaders(statePath)` — preferred leader election; null once leadership settled.
 * - `stop(statePath, { keep })` — end every process, check every port is free, remove
 *   the data (unless keep) and the state file.
 * - `fetchKafka(version)` — resolve a version's jars into the cache.
 *
 * One operation at a time per state file: each takes `<state>.lock`, waits up to
 * `lockWaitMs` (default 10 s) for another, then throws a ClusterError naming the holder
 * (pid, operation, since when). A lock whose process is gone is taken over. Errors are
 * InputError (a bad option) or ClusterError (the cluster could not do it), messages
 * saying what to do next. Progress goes to `log` (default: none; `stderrLog` prints).
 */
export {
  DEFAULT_DNS_PORT,
  DEFAULT_PORT_BASE,
  start,
  status,
  stop,
  type BrokerStatus,
  type ClusterStatus,
  type StartOptions,
  type StopOptions,
} from './cluster.js';
export {
  electLeaders,
  killBroker,
  restartBroker,
  type BrokerOptions,
  type RestartOptions,
} from './broker-control.js';
export { describeFeatures } from './features.js';
export {
  DEFAULT_KAFKA_VERSION,
  DEFAULT_UPGRADE_FROM_VERSION,
  ensureKafkaJars as fetchKafka,
} from './jars.js';
export { DEFAULT_LOCK_WAIT_MS, readLock, type LockHolder } from './lock.js';
export { silentLog, stderrLog, type Log } from './log.js';
export { cacheRoot, defaultStatePath, kafkaCacheRoot } from './paths.js';
export { roll, type RollOptions } from './roll.js';
export {
  clientSecurityOf,
  LOCAL_SECURITY_MODES,
  type LocalSecurity,
  type SecurityStatus,
} from './security.js';
