/**
 * A hosts file of the cluster's names, for clients that cannot be pointed at a DNS
 * server (the JVM reads one through `-Djdk.net.hosts.file`; librdkafka through the
 * system resolver, so it gets one bind-mounted on /etc/hosts). The names are the
 * bootstrap hosts and the brokers' advertised hosts (from the cluster's metadata);
 * each is looked up through the run's DNS server. `refresh` looks them up again and
 * rewrites the file when an address moved, so a readdressed broker is found.
 */
import { promises as dns } from 'node:dns';
import { mkdirSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname } from 'node:path';

import {
  createKafka,
  parseBootstrap,
  type KafkaConnection,
} from '../functions/core/kafka/client.js';

const REFRESH_MS = 5_000;

export function hostOf(endpoint: string): string {
  if (endpoint.startsWith('[')) return endpoint.slice(1, endpoint.indexOf(']'));
  const colon = endpoint.lastIndexOf(':');
  return colon < 0 ? endpoint : endpoint.slice(0, colon);
}

export function hostsText(entries: ReadonlyMap<string, string[]>): string {
  const lines = [
    '# written by kafka-upgrade-verifier for its client libraries',
    '127.0.0.1 localhost',
  ];
  for (const [name, addresses] of [...entries].sort(([a], [b]) => a.localeCompare(b))) {
    for (const address of addresses) lines.push(`${address} ${name}`);
  }
  return `${lines.join('\n')}\n`;
}

export class ClusterHostsFile {
  private names = new Set<string>();
  private text = '';
  private lastRefresh = 0;
  private refreshing: Promise<void> | null = null;
  private ready: Promise<void> | null = null;
  private readonly resolver: dns.Resolver;

  constructor(
    private readonly connection: KafkaConnection,
    readonly path: string,
  ) {
    this.resolver = new dns.Resolver({ timeout: 1000, tries: 2 });
    if (connection.dnsServer !== undefined) this.resolver.setServers([connection.dnsServer]);
  }

  /** Writes the file once (metadata + lookups); later calls wait for the same write. */
  ensure(): Promise<void> {
    this.ready ??= this.first();
    return this.ready;
  }

  private async first(): Promise<void> {
    for (const endpoint of parseBootstrap(this.connection.bootstrap)) {
      this.names.add(hostOf(endpoint));
    }
    const admin = createKafka({
      ...this.connection,
      clientId: 'kuv-clients-hosts',
      config: { ...this.connection.config, logLevel: 0 },
    }).admin();
    try {
      await admin.connect();
      for (const broker of (await admin.describeCluster()).brokers) this.names.add(broker.host);
    } finally {
      await admin.disconnect();
    }
    await this.lookUp();
  }

  private async lookUp(): Promise<void> {
    const entries = new Map<string, string[]>();
    for (const name of this.names) {
      if (isIP(name) !== 0) continue;
      try {
        entries.set(name, (await this.resolver.resolve4(name)).sort());
      } catch {
        // Unresolvable right now: keep the last known address rather than none.
        const known = this.previous.get(name);
        if (known !== undefined) entries.set(name, known);
      }
    }
    this.previous = entries;
    const text = hostsText(entries);
    if (text !== this.text) {
      mkdirSync(dirname(this.path), { recursive: true });
      // Written in place: a bind mount follows the inode, not the name.
      writeFileSync(this.path, text);
      this.text = text;
    }
    this.lastRefresh = Date.now();
  }

  private previous = new Map<string, string[]>();

  /** Looks the names up again in the background (at most every 5 s). */
  refresh(now: number): void {
    if (this.ready === null || this.refreshing !== null || now - this.lastRefresh < REFRESH_MS) {
      return;
    }
    this.refreshing = this.ready
      .then(() => this.lookUp())
      .catch(() => undefined)
      .finally(() => {
        this.refreshing = null;
      });
  }

  async close(): Promise<void> {
    await this.refreshing;
  }
}
