/**
 * Loopback servers that misbehave on purpose, for the reachability tests: a DNS
 * server that never answers, a TCP server that accepts and never speaks, and a port
 * where nothing listens. Each is closed by the function it returns.
 */
import { createSocket } from 'node:dgram';
import net from 'node:net';

export interface Listening {
  /** `127.0.0.1:PORT` */
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

/** A UDP socket on 127.0.0.1 that reads DNS queries and never answers them. */
export async function silentDnsServer(): Promise<Listening> {
  const socket = createSocket('udp4');
  socket.on('message', () => {});
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  return {
    endpoint: `127.0.0.1:${port}`,
    port,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

/** A TCP server on 127.0.0.1 that hands each accepted connection to `onConnection`. */
export async function tcpServer(onConnection: (socket: net.Socket) => void): Promise<Listening> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A TCP server on 127.0.0.1 that accepts connections and never writes a byte. */
export function silentTcpServer(): Promise<Listening> {
  return tcpServer(() => {});
}

/** A TCP port on 127.0.0.1 that was free a moment ago (bound, then released). */
export async function closedTcpPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
