/**
 * The probe's `tls` stage (docs/history-format.md: shaped like `tcp` plus `notAfter`):
 * a TLS handshake on the connected socket, timed and bounded, that records the broker
 * certificate's expiry and says why verification failed — an untrusted CA
 * (UNABLE_TO_VERIFY_LEAF_SIGNATURE, SELF_SIGNED_CERT_IN_CHAIN, …) or a name the
 * certificate does not list (ERR_TLS_CERT_ALTNAME_INVALID). The handshake itself never
 * rejects a certificate, so `notAfter` is known even when verification fails.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';

import type { TlsSettings } from '../kafka/security.js';
import { TIMEOUT_CODE } from './resolve.js';

export interface TlsStage {
  ok: boolean;
  ms: number;
  address: string;
  /** The broker certificate's expiry, ms since the epoch (absent when none was seen). */
  notAfter?: number;
  error?: string;
}

/** Verification codes meaning "the certificate is not signed by a CA this client trusts". */
export const UNTRUSTED_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);
export const NAME_MISMATCH_CODE = 'ERR_TLS_CERT_ALTNAME_INVALID';

/** An error's `code`, else `EUNKNOWN: message`: what a failed stage records. */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== ''
    ? code
    : `EUNKNOWN: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * Handshakes over `socket` (connected to `address`) for `host`: SNI and the name check
 * use `host` (a name or an IP literal). Resolves with the stage and, when ok, the TLS
 * socket to speak Kafka on; the raw socket is destroyed on failure.
 */
export function tlsStage(
  socket: net.Socket,
  host: string,
  address: string,
  settings: TlsSettings,
  timeoutMs: number,
): Promise<{ stage: TlsStage; socket: tls.TLSSocket | null }> {
  const began = performance.now();
  return new Promise((resolve) => {
    const secure = tls.connect({
      socket,
      // With a socket given, `host` only names the peer for the identity check.
      host,
      ...(net.isIP(host) === 0 ? { servername: host } : {}),
      ...(settings.ca === undefined ? {} : { ca: [settings.ca] }),
      // Verified below, after the certificate's expiry is read.
      rejectUnauthorized: false,
    });
    let done = false;
    const finish = (error: string | null, notAfter: number | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      secure.removeAllListeners('secureConnect');
      const ms = Math.max(0, Math.round(performance.now() - began));
      const stage: TlsStage = {
        ok: error === null,
        ms,
        address,
        ...(notAfter === undefined ? {} : { notAfter }),
        ...(error === null ? {} : { error }),
      };
      if (error !== null) {
        secure.destroy();
        socket.destroy();
        resolve({ stage, socket: null });
      } else {
        resolve({ stage, socket: secure });
      }
    };
    const timer = setTimeout(
      () => finish(`${TIMEOUT_CODE}: no TLS handshake within ${timeoutMs} ms`, undefined),
      timeoutMs,
    );
    secure.once('error', (error) => finish(errorCode(error), undefined));
    secure.once('secureConnect', () => {
      const certificate = secure.getPeerCertificate();
      const parsed = certificate.valid_to === undefined ? NaN : Date.parse(certificate.valid_to);
      const notAfter = Number.isFinite(parsed) ? parsed : undefined;
      if (!settings.verify) {
        finish(null, notAfter);
        return;
      }
      if (!secure.authorized) {
        const reason = secure.authorizationError as unknown;
        finish(typeof reason === 'string' ? reason : errorCode(reason), notAfter);
        return;
      }
      const mismatch = tls.checkServerIdentity(host, certificate);
      finish(mismatch === undefined ? null : errorCode(mismatch), notAfter);
    });
    secure.on('error', () => {});
  });
}

/**
 * What a TLS or SASL failure means, in words, with what to do; null when `error` is
 * not one (a refused connection, a timeout: reachability findings, not configuration).
 */
export function explainSecurityFailure(error: string, where: string): string | null {
  const code = error.split(/[\s:]/, 1)[0] ?? '';
  if (UNTRUSTED_CODES.has(code)) {
    return (
      `the certificate of ${where} is not signed by a CA this client trusts (${code}). ` +
      "Give the cluster's CA with --ca-file FILE (a local cluster's: 'local-cluster status --json', security.caFile)."
    );
  }
  if (code === NAME_MISMATCH_CODE || /does not match certificate's altnames/i.test(error)) {
    return (
      `the certificate of ${where} does not name the host it was reached by (TLS name mismatch, ${NAME_MISMATCH_CODE}). ` +
      'Connect by a name the certificate lists (its DNS names or addresses), as clients will.'
    );
  }
  if (code === 'CERT_HAS_EXPIRED') {
    return `the certificate of ${where} has expired (CERT_HAS_EXPIRED); the brokers need new certificates.`;
  }
  const sasl = /SASL [^:]*authentication failed: ([^()]*)|(Authentication failed[^()]*)/i.exec(
    error,
  );
  if (sasl !== null) {
    const said = (sasl[1] ?? sasl[2] ?? '').trim().slice(0, 160);
    return (
      `SASL authentication to ${where} was refused (the broker said: ${said}): ` +
      'check --sasl-username, the password (--sasl-password-file or KUV_SASL_PASSWORD) and --sasl-mechanism.'
    );
  }
  if (/^ERR_SSL_|wrong version number|packet length too long/i.test(error)) {
    return (
      `${where} does not speak TLS as expected (${error.slice(0, 120)}): check --security against the listener's ` +
      'protocol (MSK: 9092 plaintext, 9094 TLS, 9096 SASL/SCRAM, 9098 IAM).'
    );
  }
  return null;
}
