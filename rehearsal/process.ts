/** Detached processes (brokers, dnsmasq) that outlive the command that started them. */
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { closeSync, openSync, readFileSync } from 'node:fs';
import net from 'node:net';

import { sleep } from '../functions/core/wait.js';

export { sleep };

/**
 * True when `pid` is a live (not zombie) process whose command line contains `marker`
 * — the marker guards against a reused pid.
 */
export function isRunning(pid: number | null | undefined, marker: string): boolean {
  if (pid == null || pid <= 0) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    return cmdline.includes(marker);
  } catch {
    return false;
  }
}

/** Starts `command` in its own session with output appended to `logFile`; returns its pid. */
export function spawnDetached(command: string, args: string[], logFile: string): Promise<number> {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd] });
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => {
        child.unref();
        resolve(child.pid!);
      });
    });
  } finally {
    closeSync(fd);
  }
}

export async function waitForExit(
  pid: number,
  marker: string,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isRunning(pid, marker)) return true;
    await sleep(200);
  }
  return !isRunning(pid, marker);
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL. Resolves to 'exited' or 'killed'. */
export async function terminate(
  pid: number,
  marker: string,
  graceMs: number,
): Promise<'exited' | 'killed' | 'absent'> {
  if (!isRunning(pid, marker)) return 'absent';
  signal(pid, 'SIGTERM');
  if (await waitForExit(pid, marker, graceMs)) return 'exited';
  signal(pid, 'SIGKILL');
  await waitForExit(pid, marker, 10_000);
  return 'killed';
}

/** Whether a TCP port can be bound on `address` now (false: something holds it). */
export function tcpPortFree(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: address, port, exclusive: true }, () =>
      server.close(() => resolve(true)),
    );
  });
}

export function udpPortFree(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind({ address, port, exclusive: true }, () => socket.close(() => resolve(true)));
  });
}

/** Whether something accepts TCP connections at address:port within `timeoutMs`. */
export function tcpReachable(address: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
