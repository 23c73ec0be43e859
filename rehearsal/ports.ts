/** Checking up front that the ports a cluster binds are free, naming the busy ones. */
import net from 'node:net';

import { ClusterError } from '../functions/core/errors.js';
import { tcpPortFree, udpPortFree } from './process.js';

export async function portProblem(
  address: string,
  port: number,
  what: string,
  udp = false,
): Promise<string | null> {
  const free = udp ? await udpPortFree(address, port) : await tcpPortFree(address, port);
  if (free) return null;
  return `${udp ? 'UDP' : 'TCP'} port ${port} on ${address} (${what}) is already in use`;
}

export async function checkPorts(checks: Array<[string, number, string, boolean?]>): Promise<void> {
  const problems = (
    await Promise.all(checks.map(([a, p, w, u]) => portProblem(a, p, w, u)))
  ).filter((p): p is string => p !== null);
  if (problems.length > 0) {
    throw new ClusterError(
      `${problems.join('; ')}. Another local cluster or program holds it (see 'ss -ltnup | grep PORT'): ` +
        "stop it ('kafka-upgrade-verifier local-cluster stop'), or choose other ports with --port-base / --dns-port.",
    );
  }
}

/** A TCP port the kernel just gave out on `host`, closed again for the caller to take. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host, port: 0 }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
