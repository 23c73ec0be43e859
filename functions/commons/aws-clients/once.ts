/**
 * AWS SDK clients, one module each so that a handler's bundle holds and loads only the
 * clients it imports (cold start). Each is built once per Lambda container on first use
 * (not at import, so a test can point it at moto through AWS_ENDPOINT_URL before the
 * first call). Region, credentials and endpoint come from the environment as the SDK
 * reads it.
 */
export function once<T>(make: () => T): () => T {
  let client: T | undefined;
  return () => (client ??= make());
}
