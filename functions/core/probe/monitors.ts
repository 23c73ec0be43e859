/**
 * The one monitor factory: the cluster watcher and the reachability prober of a run
 * (or of a one-off reachability check), built the same way wherever they run — the
 * CLI's run pipeline, the Lambda slices, the reachability task. The watcher comes
 * first: the prober asks it for the brokers it learned of.
 */
import type { KafkaConnection } from '../kafka/client.js';
import type { RunMonitor } from './monitor.js';
import { ReachabilityProber, type ReachabilityProberOptions } from './reachability.js';
import { ClusterWatcher, type ClusterWatcherOptions } from './watcher.js';

/** The slice state's names of the two monitors' saved state. */
export const WATCHER_STATE = 'cluster-watcher';
export const PROBER_STATE = 'reachability-prober';

export interface ClusterMonitorOptions {
  connection: KafkaConnection;
  topics: ClusterWatcherOptions['topics'];
  /** The watcher also writes `offsets` records (end offsets per partition, each poll). */
  offsets?: boolean;
  /** Where the watcher's problems go (an unreachable broker, a failed metadata call). */
  log: (message: string) => void;
  /** The monitors' saved state, keyed by monitor name (a slice state's `monitors`). */
  state?: Readonly<Record<string, unknown>>;
  metadataTimeoutMs?: number;
  timeouts?: ReachabilityProberOptions['timeouts'];
  clock?: () => number;
}

export interface ClusterMonitors {
  watcher: ClusterWatcher;
  prober: ReachabilityProber;
  /** Both, the watcher first: the order a run drives them in. */
  monitors: RunMonitor[];
}

/** The watcher and the prober of `connection`'s cluster. */
export function clusterMonitors(options: ClusterMonitorOptions): ClusterMonitors {
  const { connection, clock } = options;
  const watcher = new ClusterWatcher({
    connection,
    topics: options.topics,
    offsets: options.offsets === true,
    log: options.log,
    ...(options.state?.[WATCHER_STATE] === undefined
      ? {}
      : { state: options.state[WATCHER_STATE] }),
    ...(options.metadataTimeoutMs === undefined
      ? {}
      : { metadataTimeoutMs: options.metadataTimeoutMs }),
    ...(clock === undefined ? {} : { clock }),
  });
  const prober = new ReachabilityProber({
    bootstrap: connection.bootstrap,
    dnsServer: connection.dnsServer,
    security: connection.security,
    brokers: watcher,
    ...(options.state?.[PROBER_STATE] === undefined ? {} : { state: options.state[PROBER_STATE] }),
    ...(options.timeouts === undefined ? {} : { timeouts: options.timeouts }),
    ...(clock === undefined ? {} : { clock }),
  });
  return { watcher, prober, monitors: [watcher, prober] };
}
