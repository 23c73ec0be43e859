/**
 * A DNS server a rehearsal or a test owns: dnsmasq answering a set of names from a
 * hosts file it re-reads on SIGHUP (answers have TTL 0, so a change is seen at once).
 * The fault proxy uses it to send one broker's name to the proxy's address.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ClusterError } from '../functions/core/errors.js';
import { dnsmasqArgs } from './dns-server.js';
import { tail } from './log-files.js';
import { sleep } from './process.js';
import { DNSMASQ, requireTool } from './tools.js';

export interface HostsDnsOptions {
  /** A folder of its own: the hosts file and the log go there. */
  dir: string;
  address?: string;
  port: number;
  /** name → IPv4 address */
  hosts: ReadonlyMap<string, string>;
}

export class HostsDns {
  private constructor(
    private readonly child: ChildProcess,
    private readonly hostsFile: string,
    /** `address:port`, as --dns-server takes it. */
    readonly server: string,
  ) {}

  static async start(options: HostsDnsOptions): Promise<HostsDns> {
    const address = options.address ?? '127.0.0.1';
    const hostsFile = join(options.dir, 'hosts');
    const logFile = join(options.dir, 'dnsmasq.log');
    writeFileSync(hostsFile, hostsText(options.hosts));
    // Answer "no such name" for other names in the same domains, rather than refusing.
    const args = dnsmasqArgs({
      hostsFile,
      domains: domainsOf(options.hosts),
      address,
      port: options.port,
      dir: options.dir,
    });
    const fd = openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(requireTool(DNSMASQ), args, { stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    await sleep(200);
    if (child.exitCode !== null) {
      throw new ClusterError(
        `dnsmasq exited at once on ${address}:${options.port}: ${tail(logFile, 5)} — is the port taken?`,
      );
    }
    return new HostsDns(child, hostsFile, `${address}:${options.port}`);
  }

  /** Serves `hosts` from now on. */
  update(hosts: ReadonlyMap<string, string>): void {
    writeFileSync(this.hostsFile, hostsText(hosts));
    this.child.kill('SIGHUP');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    await exited;
  }
}

function hostsText(hosts: ReadonlyMap<string, string>): string {
  return [...hosts].map(([name, address]) => `${address} ${name}\n`).join('');
}

/** The domains the names belong to (`broker-1.kafka.test` → `kafka.test`). */
function domainsOf(hosts: ReadonlyMap<string, string>): string[] {
  const domains = new Set<string>();
  for (const name of hosts.keys()) {
    const dot = name.indexOf('.');
    if (dot > 0 && dot < name.length - 1) domains.add(name.slice(dot + 1));
  }
  return [...domains];
}
