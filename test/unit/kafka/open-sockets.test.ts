import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { createKafka, destroyOpenSockets } from '../../../functions/core/kafka/client.js';
import { waitFor } from '../../../functions/core/wait.js';

/** A "broker" that accepts connections and never answers. */
async function silentBroker(): Promise<{ server: Server; port: number; peers: Socket[] }> {
  const peers: Socket[] = [];
  const server = createServer((s) => peers.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, peers };
}

describe('destroyOpenSockets', () => {
  let broker: Awaited<ReturnType<typeof silentBroker>> | null = null;
  afterEach(async () => {
    for (const p of broker?.peers ?? []) p.destroy();
    await new Promise((r) => broker?.server.close(r) ?? r(undefined));
    broker = null;
  });

  it('destroys the sockets a Kafka still has open, which fails what waits on them', async () => {
    broker = await silentBroker();
    const kafka = createKafka({
      bootstrap: `127.0.0.1:${broker.port}`,
      config: { connectionTimeout: 1000, requestTimeout: 60_000, retry: { retries: 0 } },
    });
    const admin = kafka.admin();
    const connecting = admin.connect().then(
      () => 'connected',
      () => 'failed',
    );
    const listening = broker;
    await waitFor(() => listening.peers.length > 0, {
      timeoutMs: 10_000,
      intervalMs: 10,
      what: 'kafkajs to connect to the silent broker',
    });
    expect(destroyOpenSockets(kafka)).toBe(1);
    // kafkajs' own error path ran: the request in flight failed long before its timeout.
    expect(await connecting).toBe('failed');
    expect(destroyOpenSockets(kafka)).toBe(0);
  });

  it('has nothing to do for a Kafka that never connected', () => {
    expect(destroyOpenSockets(createKafka({ bootstrap: '127.0.0.1:9' }))).toBe(0);
  });
});
