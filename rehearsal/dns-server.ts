/** The cluster's DNS server: dnsmasq answering broker-N.kafka.test from a hosts file it re-reads on SIGHUP. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ClusterError } from '../functions/core/errors.js';
import { hostsFile } from './config.js';
import { tail } from './log-files.js';
import { isRunning, signal, sleep, spawnDetached } from './process.js';
import { dnsMarker, type ClusterState } from './state.js';
import { DNSMASQ, requireTool } from './tools.js';

/** Writes the hosts file dnsmasq serves: one line per broker, its current address and name. */
export function writeHostsFile(state: ClusterState): void {
  writeFileSync(state.dns.hostsFile, hostsFile(state));
}

/**
 * dnsmasq answering only from `hostsFile` on `address:port` in the foreground (no
 * upstream, no /etc/hosts), "no such name" for other names in `domains`, its pid file
 * in `dir`, logging to its output.
 */
export function dnsmasqArgs(o: {
  hostsFile: string;
  domains: readonly string[];
  address: string;
  port: number;
  dir: string;
}): string[] {
  const args = [
    '--keep-in-foreground',
    '--conf-file=/dev/null',
    '--no-resolv',
    '--no-hosts',
    `--addn-hosts=${o.hostsFile}`,
    ...o.domains.map((domain) => `--local=/${domain}/`),
    `--listen-address=${o.address}`,
    '--bind-interfaces',
    `--port=${o.port}`,
    `--pid-file=${join(o.dir, 'dnsmasq.pid')}`,
    '--log-facility=-',
  ];
  // As root dnsmasq otherwise drops to 'nobody', who may not read a 0700 folder.
  if (process.getuid?.() === 0) args.push('--user=root');
  return args;
}

/**
 * Starts dnsmasq for the cluster; sets `state.dns.pid` and calls `recorded` as soon as
 * the process exists (so the state file names it before anything can fail), then checks
 * that it did not exit at once.
 */
export async function startDns(state: ClusterState, recorded: () => void): Promise<void> {
  const args = dnsmasqArgs({
    hostsFile: state.dns.hostsFile,
    domains: [state.domain],
    address: state.dns.address,
    port: state.dns.port,
    dir: state.dataDir,
  });
  const pid = await spawnDetached(requireTool(DNSMASQ), args, join(state.dataDir, 'dnsmasq.log'));
  state.dns.pid = pid;
  recorded();
  await sleep(200);
  if (!isRunning(pid, dnsMarker(state))) {
    throw new ClusterError(
      `dnsmasq exited at once on ${state.dns.address}:${state.dns.port}: ${tail(join(state.dataDir, 'dnsmasq.log'), 5)} — pick another --dns-port if it is taken.`,
    );
  }
}

/** Writes the hosts file and tells dnsmasq to re-read it (SIGHUP). */
export function publishDns(state: ClusterState): void {
  writeHostsFile(state);
  if (state.dns.pid !== null) signal(state.dns.pid, 'SIGHUP');
}

/** Whether the cluster's dnsmasq still runs (status --json leaves it out of the documented shape). */
export function dnsRunning(state: ClusterState): boolean {
  return isRunning(state.dns.pid, dnsMarker(state));
}
