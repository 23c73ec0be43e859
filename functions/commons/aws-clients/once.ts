/**
 * AWS SDK clients, one module each so that a handler's bundle holds and loads only the
 * clients it imports (cold start). Each is built once per Lambda container on first use
 * (not at import, so a test can point it at moto through AWS_ENDPOINT_URL before the
 * first call). Region, credentials and endpoint come from the environment as the SDK
 * reads it.
 *
 * Every client has HTTP timeouts (SDK_HTTP_TIMEOUTS): without them an endpoint that
 * accepts a connection and never answers (a VPC without a route to S3, a half-open
 * endpoint) holds the function until its 15-minute timeout; with them it is an error
 * naming the call, after at most the SDK's three attempts.
 */
export interface SdkHttpTimeouts {
  /** Milliseconds to open the connection (TCP and TLS). */
  readonly connectionTimeout: number;
  /** Milliseconds for a whole request once connected. */
  readonly requestTimeout: number;
}

/**
 * 5 s to connect, 20 s a request: three attempts of a history part's upload fit in the
 * canary slice's 90 s end margin (SLICE_END_MARGIN_MS).
 */
export const SDK_HTTP_TIMEOUTS: SdkHttpTimeouts = {
  connectionTimeout: 5000,
  requestTimeout: 20_000,
};

/**
 * The client options every client gets: the timeouts as the Node HTTP handler's options,
 * with throwOnRequestTimeout (without it, this SDK only logs a warning when a request
 * runs past requestTimeout and goes on waiting).
 */
export function sdkClientConfig(timeouts: SdkHttpTimeouts = SDK_HTTP_TIMEOUTS) {
  return { requestHandler: { ...timeouts, throwOnRequestTimeout: true } };
}

export function once<T>(make: () => T): () => T {
  let client: T | undefined;
  return () => (client ??= make());
}
