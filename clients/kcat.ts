/**
 * librdkafka beside the canary, through kcat's balanced consumer (`kcat -G`): its
 * arguments per settings profile, its version, its effective settings (`kcat -X dump`)
 * and its stderr events. kcat runs in a private mount namespace with the cluster's hosts
 * file on /etc/hosts when the run resolves names through a DNS server (withHostsFile,
 * which the librdkafka producer uses too; docs/clients.md).
 */
import { spawnSync } from 'node:child_process';

import { firstLines, runs } from './build.js';
import type { ClientDriver, ClientLaunch, LaunchContext } from './monitor.js';
import { NotMeasuredError } from './monitor.js';
import type { ClientSettings } from './profiles.js';
import type { ClientLine } from './protocol.js';

export interface KcatDriverOptions {
  /** The hosts file bind-mounted on /etc/hosts (when a DNS server is in use). */
  hostsFile: string | null;
}

/** kcat's `% Group G rebalanced (memberid …): assigned: …` lines (stderr) as rebalances. */
export function kcatStderrEvent(line: string): ClientLine | null {
  if (/rebalanced/.test(line) && /assigned/.test(line)) {
    return { kind: 'rebalance', text: line.replace(/^%\s*/, '') };
  }
  if (/^%\s*ERROR/.test(line)) return { kind: 'error', text: line.replace(/^%\s*ERROR:?\s*/, '') };
  return null;
}

/** librdkafka's version in `kcat -V`'s text (the library measured), or `unknown`. */
export function kcatVersion(versionText: string): string {
  return /librdkafka\s+v?([\w.-]+)/i.exec(versionText)?.[1] ?? 'unknown';
}

export function kcatLibrary(versionText: string): string {
  const kcat = /Version\s+([\w.-]+)/.exec(versionText)?.[1];
  return `librdkafka ${kcatVersion(versionText)}${kcat === undefined ? '' : ` (kcat ${kcat})`}`;
}

/**
 * kcat's arguments for a profile. `careful` is the set this tool always ran with: note
 * that kcat applies `-X enable.auto.commit` and `-X auto.commit.interval.ms` to the
 * legacy topic-level properties of the same names, so librdkafka's consumer keeps its
 * global 5 s interval (what `kcat -X dump` shows, and the history records).
 */
export function kcatArgs(context: LaunchContext): string[] {
  const careful =
    context.profile === 'careful'
      ? [
          '-X',
          'auto.offset.reset=earliest',
          // kcat cannot commit by hand: offsets are stored as records are handed over and
          // auto-committed, and once more when it closes on SIGTERM.
          '-X',
          'enable.auto.commit=true',
          '-X',
          'auto.commit.interval.ms=1000',
        ]
      : [];
  return [
    '-b',
    context.bootstrap,
    '-G',
    context.group,
    '-u',
    '-f',
    '%p\\t%o\\t%s\\n',
    ...careful,
    '-X',
    'broker.address.family=v4',
    '-X',
    'client.id=kuv-librdkafka',
    context.topic,
  ];
}

/** The global settings of `kcat -X dump` the history records (auto.offset.reset is a topic setting). */
const KCAT_GLOBAL = [
  'enable.auto.commit',
  'auto.commit.interval.ms',
  'enable.auto.offset.store',
  'partition.assignment.strategy',
  'group.protocol',
  'session.timeout.ms',
  'heartbeat.interval.ms',
  'max.poll.interval.ms',
  'topic.metadata.refresh.interval.ms',
  'broker.address.family',
  'client.id',
];

/**
 * The effective settings in `kcat -X dump`'s output: the global section's KCAT_GLOBAL,
 * the topic section's `auto.offset.reset`, and how offsets get committed.
 */
export function kcatSettings(dump: string): ClientSettings {
  const global = new Map<string, string>();
  const topic = new Map<string, string>();
  let section: Map<string, string> | null = null;
  for (const line of dump.split('\n')) {
    if (/^#\s*Global config/i.test(line)) section = global;
    else if (/^#\s*Topic config/i.test(line)) section = topic;
    else {
      const m = /^([\w.]+)\s*=\s*(.*)$/.exec(line);
      if (m !== null && section !== null) section.set(m[1]!, m[2]!.trim());
    }
  }
  const out: ClientSettings = {};
  for (const key of KCAT_GLOBAL) {
    const value = global.get(key);
    if (value !== undefined) out[key] = value;
  }
  const reset = topic.get('auto.offset.reset');
  if (reset !== undefined) out['auto.offset.reset'] = reset;
  out['application commit'] =
    'none (kcat cannot commit by hand; librdkafka auto-commits the offsets it stored when handing records over, and on close)';
  return out;
}

/**
 * How to run a librdkafka program (kcat, the librdkafka producer) so that it resolves the
 * cluster's names: as it is when the run uses the system resolver; when the cluster is
 * reached through its own DNS server (which librdkafka cannot be pointed at), in a private
 * mount namespace with `hostsFile` bind-mounted on /etc/hosts. Throws NotMeasuredError
 * when such a namespace is not available here (it needs root or CAP_SYS_ADMIN).
 */
export function withHostsFile(
  hostsFile: string | null,
  dnsServer: string | undefined,
  command: string,
  args: string[],
): { command: string; args: string[] } {
  if (dnsServer === undefined || hostsFile === null) return { command, args };
  if (!runs('unshare', ['-m', 'sh', '-c', 'mount --bind "$0" /etc/hosts', hostsFile])) {
    throw new NotMeasuredError(
      'the cluster is reached through its own DNS server, which librdkafka cannot use; ' +
        'a private mount namespace for a hosts file (unshare -m, as root or with CAP_SYS_ADMIN) is not available here',
      'run as root (or with CAP_SYS_ADMIN), or serve the broker names from the system resolver',
    );
  }
  return {
    command: 'unshare',
    args: [
      '-m',
      'sh',
      '-c',
      'mount --bind "$0" /etc/hosts && exec "$@"',
      hostsFile,
      command,
      ...args,
    ],
  };
}

export function kcatDriver(options: KcatDriverOptions): ClientDriver {
  return {
    name: 'librdkafka',
    launch(context: LaunchContext): Promise<ClientLaunch> {
      const v = spawnSync('kcat', ['-V'], { encoding: 'utf8', timeout: 10_000 });
      if (v.error !== undefined || v.status !== 0) {
        throw new NotMeasuredError('kcat (librdkafka) is not installed', 'apt-get install -y kcat');
      }
      const args = kcatArgs(context);
      // The settings librdkafka will run with: -X dump parses the same arguments and exits.
      const dump = spawnSync('kcat', ['-X', 'dump', ...args], {
        encoding: 'utf8',
        timeout: 10_000,
      });
      if (dump.error !== undefined || dump.status !== 0) {
        throw new NotMeasuredError(
          `kcat -X dump refused the arguments ${args.join(' ')}: ${firstLines(`${dump.stdout}${dump.stderr}`)}`,
          null,
        );
      }
      const settings = kcatSettings(dump.stdout);
      const versionText = `${v.stdout}${v.stderr}`;
      const library = kcatLibrary(versionText);
      const version = kcatVersion(versionText);
      return Promise.resolve({
        ...withHostsFile(options.hostsFile, context.dnsServer, 'kcat', args),
        library,
        version,
        settings,
        readyOn: 'rebalance',
        stderrEvent: kcatStderrEvent,
      });
    },
  };
}
