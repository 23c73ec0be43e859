/**
 * Real network faults for rehearsals and tests: a toxiproxy server (built from the Go
 * module proxy with `go install`, cached per version) between a client and one broker.
 * The proxy listens on its own loopback address; a DNS server the rehearsal owns
 * (hosts-dns.ts) gives that broker's name the proxy's address, so the client reaches
 * the broker through the proxy without knowing. Toxics drop, delay or reset traffic
 * in one direction for as long as they are installed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { ClusterError, WaitTimeoutError } from '../functions/core/errors.js';
import { waitFor } from '../functions/core/wait.js';
import { tail } from './log-files.js';
import type { Log } from './log.js';
import { cacheRoot } from './paths.js';

/** Pinned: the server's HTTP API below is toxiproxy 2.x's. */
export const TOXIPROXY_MODULE = 'github.com/Shopify/toxiproxy/v2/cmd/server';
export const TOXIPROXY_VERSION = 'v2.5.0';

/** Where the built server is kept: `<cache>/bin/toxiproxy-server-<version>`, or KUV_TOXIPROXY. */
export function toxiproxyPath(): string {
  return (
    process.env.KUV_TOXIPROXY ?? join(cacheRoot(), 'bin', `toxiproxy-server-${TOXIPROXY_VERSION}`)
  );
}

/**
 * The toxiproxy server binary, built with `go install` on first use (about 35 s
 * here). Throws ClusterError naming what is missing when Go is not installed or the
 * build fails.
 */
export function ensureToxiproxy(log: Log): string {
  const target = toxiproxyPath();
  if (existsSync(target)) return target;
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error !== undefined || go.status !== 0) {
    throw new ClusterError(
      `the fault proxy (toxiproxy) is not built and Go is missing to build it ('go version' failed). ` +
        `Install Go (apt-get install -y golang-go), or build it elsewhere and set KUV_TOXIPROXY to its path.`,
    );
  }
  const gobin = `${target}.build`;
  rmSync(gobin, { recursive: true, force: true });
  mkdirSync(gobin, { recursive: true });
  log(`building toxiproxy ${TOXIPROXY_VERSION} with go install (once; about a minute)`);
  const build = spawnSync('go', ['install', `${TOXIPROXY_MODULE}@${TOXIPROXY_VERSION}`], {
    encoding: 'utf8',
    env: { ...process.env, GOBIN: gobin },
    timeout: 600_000,
  });
  if (build.status !== 0) {
    rmSync(gobin, { recursive: true, force: true });
    throw new ClusterError(
      `go install ${TOXIPROXY_MODULE}@${TOXIPROXY_VERSION} failed: ` +
        `${(build.stderr || build.error?.message || '').trim().split('\n').slice(-3).join(' / ')}. ` +
        'Check that the Go module proxy is reachable (GOPROXY), or set KUV_TOXIPROXY to a built server.',
    );
  }
  renameSync(join(gobin, 'server'), target);
  rmSync(gobin, { recursive: true, force: true });
  return target;
}

/** A toxic as toxiproxy's API takes it (see its README: timeout, reset_peer, latency, limit_data …). */
export interface Toxic {
  name: string;
  type: 'timeout' | 'reset_peer' | 'latency' | 'limit_data' | 'bandwidth' | 'slow_close';
  /** downstream: broker → client (responses); upstream: client → broker (requests). */
  stream: 'downstream' | 'upstream';
  attributes: Record<string, number>;
  /** Share of connections it applies to, 0–1; default 1. */
  toxicity?: number;
}

export interface FaultProxyOptions {
  /** Where the server's log goes. */
  logFile: string;
  /** The API's port on 127.0.0.1. */
  apiPort: number;
  binary?: string;
  log: Log;
}

/** A running toxiproxy server owned by this process. */
export class FaultProxy {
  private constructor(
    private readonly child: ChildProcess,
    readonly api: string,
    private readonly logFile: string,
  ) {}

  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const binary = options.binary ?? ensureToxiproxy(options.log);
    const fd = openSync(options.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(binary, ['-host', '127.0.0.1', '-port', String(options.apiPort)], {
        stdio: ['ignore', fd, fd],
      });
    } finally {
      closeSync(fd);
    }
    const proxy = new FaultProxy(child, `http://127.0.0.1:${options.apiPort}`, options.logFile);
    try {
      await waitFor(
        async () => {
          if (child.exitCode !== null) {
            throw new ClusterError(
              `toxiproxy exited at once (status ${child.exitCode}): ${tail(options.logFile, 5)} — is port ${options.apiPort} taken?`,
            );
          }
          try {
            const response = await fetch(`${proxy.api}/version`);
            return response.ok;
          } catch {
            return false; // not listening yet
          }
        },
        { timeoutMs: 10_000, intervalMs: 100, what: `toxiproxy to answer on ${proxy.api}` },
      );
    } catch (error) {
      if (!(error instanceof WaitTimeoutError)) throw error;
      await proxy.stop();
      throw new ClusterError(
        `toxiproxy did not answer on ${proxy.api} within 10 s: ${tail(options.logFile, 5)}`,
      );
    }
    return proxy;
  }

  /** Forwards `listen` (host:port) to `upstream` (host:port). */
  async addProxy(name: string, listen: string, upstream: string): Promise<void> {
    await this.call('POST', '/proxies', { name, listen, upstream, enabled: true });
  }

  async addToxic(proxy: string, toxic: Toxic): Promise<void> {
    await this.call('POST', `/proxies/${encodeURIComponent(proxy)}/toxics`, {
      toxicity: 1,
      ...toxic,
    });
  }

  async removeToxic(proxy: string, toxic: string): Promise<void> {
    await this.call(
      'DELETE',
      `/proxies/${encodeURIComponent(proxy)}/toxics/${encodeURIComponent(toxic)}`,
    );
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  private async call(method: string, path: string, body?: unknown): Promise<void> {
    const response = await fetch(`${this.api}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) {
      throw new ClusterError(
        `toxiproxy refused ${method} ${path}: HTTP ${response.status} ${(await response.text()).trim()} (server log: ${this.logFile})`,
      );
    }
  }
}
