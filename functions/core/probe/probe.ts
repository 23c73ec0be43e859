/**
 * One probe of one endpoint, in three stages, each timed and bounded: DNS (can a
 * client find it by name?), TCP (can it connect to the first address?), Kafka (does a
 * Kafka broker answer ApiVersions on that connection?). The result is a `probe`
 * history record (docs/history-format.md); a stage that failed carries an `error`
 * naming the cause, and the stages after it are null.
 */
import { randomInt } from 'node:crypto';
import net from 'node:net';
import { performance } from 'node:perf_hooks';

import type { TlsSettings } from '../kafka/security.js';
import {
  FrameReader,
  apiKeysOf,
  encodeApiVersionsRequest,
  parseApiVersionsResponse,
} from './api-versions.js';
import type { Endpoint } from './endpoint.js';
import type { RunPhase } from './monitor.js';
import { type HostResolver, ResolveFailure, TIMEOUT_CODE } from './resolve.js';
import { errorCode, type TlsStage, tlsStage } from './tls.js';

export type { TlsStage } from './tls.js';

export interface StageTimeouts {
  /** Bound on the name lookup (default 2000). */
  dnsMs: number;
  /** Bound on the TCP connect (default 2000). */
  tcpMs: number;
  /** Bound on the ApiVersions answer once connected (default 3000). */
  kafkaMs: number;
}

export const DEFAULT_STAGE_TIMEOUTS: StageTimeouts = { dnsMs: 2000, tcpMs: 2000, kafkaMs: 3000 };

export interface DnsStage {
  ok: boolean;
  ms: number;
  addresses: string[];
  error?: string;
}
export interface TcpStage {
  ok: boolean;
  ms: number;
  address: string;
  error?: string;
}
export interface KafkaStage {
  ok: boolean;
  ms: number;
  error?: string;
}

export type ProbeRole = 'bootstrap' | 'broker';

export interface ProbeTarget {
  readonly endpoint: Endpoint;
  readonly role: ProbeRole;
  /** The broker id; required when `role` is `broker`. */
  readonly broker?: number;
}

export interface ProbeRecord {
  [field: string]: unknown;
  type: 'probe';
  endpoint: string;
  role: ProbeRole;
  broker?: number;
  phase: RunPhase;
  at: number;
  dns: DnsStage;
  tcp: TcpStage | null;
  /** Present when the endpoint is probed over TLS; null when TCP failed. */
  tls?: TlsStage | null;
  kafka: KafkaStage | null;
}

export interface ProbeOptions {
  resolve: HostResolver;
  timeouts: StageTimeouts;
  /** client_id in the ApiVersions request. */
  clientId: string;
  /** Probe over TLS (a `tls` stage before ApiVersions, bounded like TCP); null or absent: plaintext. */
  tls?: TlsSettings | null;
  /** Wall clock for `at`; default Date.now. */
  clock?: () => number;
  /** Told the api keys of an accepted ApiVersions answer (the readiness check's KIP-848 test). */
  onApiKeys?: (keys: number[]) => void;
}

function elapsed(since: number): number {
  return Math.max(0, Math.round(performance.now() - since));
}

async function dnsStage(endpoint: Endpoint, options: ProbeOptions): Promise<DnsStage> {
  if (endpoint.ipLiteral !== 0) return { ok: true, ms: 0, addresses: [endpoint.host] };
  const began = performance.now();
  try {
    const addresses = await options.resolve(endpoint.host);
    return { ok: true, ms: elapsed(began), addresses };
  } catch (error) {
    const code = error instanceof ResolveFailure ? error.code : errorCode(error);
    return { ok: false, ms: elapsed(began), addresses: [], error: code };
  }
}

/** Connects to `address:port`; resolves with the stage and, when ok, the open socket. */
function tcpStage(
  address: string,
  port: number,
  timeoutMs: number,
): Promise<{ stage: TcpStage; socket: net.Socket | null }> {
  const began = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    const finish = (error: string | null) => {
      clearTimeout(timer);
      socket.removeAllListeners('connect');
      socket.removeAllListeners('error');
      const ms = elapsed(began);
      if (error === null) {
        socket.on('error', () => {});
        resolve({ stage: { ok: true, ms, address }, socket });
      } else {
        socket.destroy();
        resolve({ stage: { ok: false, ms, address, error }, socket: null });
      }
    };
    const timer = setTimeout(
      () => finish(`${TIMEOUT_CODE}: no connection within ${timeoutMs} ms`),
      timeoutMs,
    );
    socket.once('connect', () => finish(null));
    socket.once('error', (error) => finish(errorCode(error)));
  });
}

/** Writes ApiVersions v0 on `socket` and waits for its answer; always destroys the socket. */
function kafkaStage(socket: net.Socket, options: ProbeOptions): Promise<KafkaStage> {
  const timeoutMs = options.timeouts.kafkaMs;
  const correlationId = randomInt(1, 2 ** 31 - 1);
  const reader = new FrameReader();
  const began = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (error: string | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const ms = elapsed(began);
      resolve(error === null ? { ok: true, ms } : { ok: false, ms, error });
    };
    const timer = setTimeout(
      () =>
        finish(
          `${TIMEOUT_CODE}: no ApiVersions answer within ${timeoutMs} ms (${reader.received} bytes received)`,
        ),
      timeoutMs,
    );
    socket.on('data', (chunk: Buffer) => {
      const frame = reader.push(chunk);
      if (frame === null) return;
      if (typeof frame === 'string') {
        finish(frame);
        return;
      }
      const answer = parseApiVersionsResponse(frame, correlationId);
      if (answer.ok) options.onApiKeys?.(apiKeysOf(frame));
      finish(answer.ok ? null : answer.error);
    });
    socket.on('error', (error) => finish(errorCode(error)));
    socket.on('close', () =>
      finish(`ECONNRESET: connection closed after ${reader.received} bytes of the answer`),
    );
    socket.write(encodeApiVersionsRequest(correlationId, options.clientId));
  });
}

/** Probes one endpoint. Never rejects: every failure is a finding in the record. */
export async function probeEndpoint(
  target: ProbeTarget,
  phase: RunPhase,
  options: ProbeOptions,
): Promise<ProbeRecord> {
  const at = (options.clock ?? Date.now)();
  const secured = options.tls !== undefined && options.tls !== null;
  const record = (
    dns: DnsStage,
    tcp: TcpStage | null,
    kafka: KafkaStage | null,
    tls: TlsStage | null = null,
  ): ProbeRecord => ({
    type: 'probe',
    endpoint: target.endpoint.endpoint,
    role: target.role,
    ...(target.broker === undefined ? {} : { broker: target.broker }),
    phase,
    at,
    dns,
    tcp,
    ...(secured ? { tls } : {}),
    kafka,
  });
  const dns = await dnsStage(target.endpoint, options);
  const first = dns.addresses[0];
  if (!dns.ok || first === undefined) return record(dns, null, null);
  const { stage: tcp, socket } = await tcpStage(
    first,
    target.endpoint.port,
    options.timeouts.tcpMs,
  );
  if (socket === null) return record(dns, tcp, null);
  if (!secured) return record(dns, tcp, await kafkaStage(socket, options));
  const secure = await tlsStage(
    socket,
    target.endpoint.host,
    first,
    options.tls!,
    options.timeouts.tcpMs,
  );
  if (secure.socket === null) return record(dns, tcp, null, secure.stage);
  return record(dns, tcp, await kafkaStage(secure.socket, options), secure.stage);
}
