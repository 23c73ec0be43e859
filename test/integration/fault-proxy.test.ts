/**
 * The fault proxy and the rehearsal's own DNS server against the real programs:
 * toxiproxy (built from the Go module proxy) forwarding to a TCP echo server on
 * loopback, and dnsmasq answering from a hosts file that changes under it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createBoundResolver } from '../../functions/core/kafka/dns.js';
import { FaultProxy, toxiproxyPath } from '../../rehearsal/fault-proxy.js';
import { HostsDns } from '../../rehearsal/hosts-dns.js';
import { silentLog } from '../../rehearsal/log.js';

const dir = mkdtempSync(join(tmpdir(), 'kuv-fault-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A port nothing holds now on `host` (TCP or UDP). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host, port: 0 }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Sends `text` on a fresh connection to `port` and resolves to what came back within `waitMs`, or an error code. */
function exchange(host: string, port: number, text: string, waitMs: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let received = '';
    const done = (result: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done(received === '' ? 'silence' : received), waitMs);
    socket.on('connect', () => socket.write(text));
    socket.on('data', (chunk) => {
      received += chunk.toString();
      if (received.length >= text.length) done(received);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
    socket.on('close', () => done(received === '' ? 'closed' : received));
  });
}

const toxiproxyAvailable = existsSync(toxiproxyPath());

describe.skipIf(!toxiproxyAvailable)(
  'fault proxy (toxiproxy; scripts/install-test-tools.sh builds it)',
  () => {
    let echo: net.Server;
    let echoPort = 0;
    let proxy: FaultProxy;
    const listen = '127.0.1.7';
    let listenPort = 0;

    beforeAll(async () => {
      echo = net.createServer((socket) => {
        // The proxy resets its side of the connection under reset_peer: not an error here.
        socket.on('error', () => socket.destroy());
        socket.pipe(socket);
      });
      await new Promise<void>((resolve) => echo.listen({ host: '127.0.0.1', port: 0 }, resolve));
      echoPort = (echo.address() as net.AddressInfo).port;
      listenPort = await freePort(listen);
      proxy = await FaultProxy.start({
        logFile: join(dir, 'toxiproxy.log'),
        apiPort: await freePort('127.0.0.1'),
        log: silentLog,
      });
      await proxy.addProxy('echo', `${listen}:${listenPort}`, `127.0.0.1:${echoPort}`);
    });
    afterAll(async () => {
      await proxy?.stop();
      await new Promise((resolve) => echo?.close(resolve));
    });

    it('forwards traffic while no toxic is installed', async () => {
      expect(await exchange(listen, listenPort, 'hello', 2000)).toBe('hello');
    });

    it('drops every response while a downstream timeout toxic is installed, and forwards again once it is removed', async () => {
      await proxy.addToxic('echo', {
        name: 'drop-responses',
        type: 'timeout',
        stream: 'downstream',
        attributes: { timeout: 0 },
      });
      expect(await exchange(listen, listenPort, 'lost', 700)).toBe('silence');
      await proxy.removeToxic('echo', 'drop-responses');
      expect(await exchange(listen, listenPort, 'back', 2000)).toBe('back');
    });

    it('resets the connection while a reset_peer toxic is installed', async () => {
      await proxy.addToxic('echo', {
        name: 'reset',
        type: 'reset_peer',
        stream: 'upstream',
        attributes: { timeout: 0 },
      });
      try {
        expect(await exchange(listen, listenPort, 'reset me', 2000)).toMatch(/ECONNRESET|closed/);
      } finally {
        await proxy.removeToxic('echo', 'reset');
      }
    });

    it('names the proxy and the HTTP status when the API refuses a call', async () => {
      await expect(proxy.removeToxic('no-such-proxy', 'x')).rejects.toThrow(
        /toxiproxy refused DELETE \/proxies\/no-such-proxy\/toxics\/x: HTTP 404/,
      );
    });
  },
);

describe('rehearsal DNS server (dnsmasq from a hosts file)', () => {
  it('answers the names it was given and follows an update at once', async () => {
    const dnsDir = mkdtempSync(join(dir, 'dns-'));
    const dns = await HostsDns.start({
      dir: dnsDir,
      port: await freePort('127.0.0.1'),
      hosts: new Map([['broker-2.fault.test', '127.0.1.2']]),
    });
    try {
      const resolver = createBoundResolver(dns.server);
      expect(await resolver.resolve('broker-2.fault.test')).toEqual([
        { address: '127.0.1.2', family: 4 },
      ]);
      dns.update(new Map([['broker-2.fault.test', '127.0.0.2']]));
      await new Promise((r) => setTimeout(r, 200));
      expect(await resolver.resolve('broker-2.fault.test')).toEqual([
        { address: '127.0.0.2', family: 4 },
      ]);
      await expect(resolver.resolve('unknown.fault.test')).rejects.toThrow(/ENOTFOUND/);
    } finally {
      await dns.stop();
    }
  });
});
