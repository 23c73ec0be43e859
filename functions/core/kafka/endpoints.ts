/**
 * `host:port` endpoints as the history format writes them (docs/history-format.md):
 * a DNS name or an IPv4 literal before the colon, an IPv6
 * literal in brackets (`[::1]:9092`). Pure parsing, no lookups.
 */
import { isIP } from 'node:net';

export interface HostPort {
  /** A name or an IP literal; an IPv6 literal without its brackets. */
  readonly host: string;
  readonly port: number;
}

/** What an endpoint string holds before its port is checked; `port` is the text after the colon. */
interface SplitEndpoint {
  readonly host: string;
  readonly port: string | undefined;
}

/**
 * Splits `host:port`, `host`, `[v6]:port`, `[v6]` or a bare IPv6 literal (no port: a
 * bare literal's last group cannot be told from a port). Null when the text is none of
 * those: brackets around something that is not an IPv6 literal, a colon in a host.
 */
function splitEndpoint(text: string): SplitEndpoint | null {
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
  if (bracketed !== null) {
    const host = bracketed[1] ?? '';
    return isIP(host) === 6 ? { host, port: bracketed[2] } : null;
  }
  if (isIP(text) === 6) return { host: text, port: undefined };
  const colon = text.lastIndexOf(':');
  if (colon === -1) return { host: text, port: undefined };
  const host = text.slice(0, colon);
  return host.includes(':') ? null : { host, port: text.slice(colon + 1) };
}

/** A TCP port from its decimal text: 1 to 65535, digits only. Null otherwise. */
export function parsePort(text: string): number | null {
  if (!/^\d{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : null;
}

/** An endpoint, or why the text is not one (said so it can follow the text in a message). */
export type EndpointParse =
  | { readonly endpoint: HostPort; readonly problem: null }
  | { readonly endpoint: null; readonly problem: string };

/**
 * Parses one `host:port` endpoint, surrounding whitespace ignored. With `defaultPort`
 * the port may be left out (`127.0.0.1` for a DNS server on port 53).
 */
export function parseEndpoint(text: string, options: { defaultPort?: number } = {}): EndpointParse {
  const fail = (problem: string): EndpointParse => ({ endpoint: null, problem });
  const trimmed = text.trim();
  if (trimmed === '') return fail('is empty');
  if (/[\s,]/.test(trimmed)) return fail('has a space or a comma inside it');
  const split = splitEndpoint(trimmed);
  if (split === null) {
    return fail(
      trimmed.startsWith('[')
        ? 'has brackets around something that is not an IPv6 address'
        : 'has more than one colon: write an IPv6 address in brackets, [::1]:9092',
    );
  }
  if (split.host === '') return fail('has no host before the port');
  if (split.port === undefined) {
    if (options.defaultPort !== undefined) {
      return { endpoint: { host: split.host, port: options.defaultPort }, problem: null };
    }
    // `::1:9092` is itself an IPv6 address: the port was meant, the brackets forgotten.
    return fail(
      trimmed.startsWith('[') || isIP(split.host) !== 6
        ? 'has no port: write host:port'
        : 'has no port (an IPv6 address takes brackets before its port: [::1]:9092)',
    );
  }
  const port = parsePort(split.port);
  if (port === null) return fail(`has port '${split.port}': use a whole number from 1 to 65535`);
  return { endpoint: { host: split.host, port }, problem: null };
}

/** `host:port`, an IPv6 literal in brackets: the form the history format writes. */
export function formatEndpoint({ host, port }: HostPort): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
