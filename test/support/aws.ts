/**
 * AWS for the integration tests: moto's server (rehearsal/local-aws.ts, shared with the
 * measurement scripts), one per test file, on a free loopback port, started in
 * beforeAll and stopped in afterAll. Tests that need it skip with `motoServerMissing`
 * as the reason when it is not installed.
 */
import { Readable } from 'node:stream';

export {
  MOTO_CLIENT_CONFIG,
  MOTO_SERVER_PATH,
  motoServerMissing,
  startMotoServer,
  type MotoServer,
} from '../../rehearsal/local-aws.js';

/**
 * moto's Kafka answers carry `creationTime` without a zone (`2026-12-04T02:50:50.315192`),
 * which the AWS SDK refuses as "Invalid RFC-3339 date-time value"; real MSK sends UTC
 * with a `Z`. This middleware adds the `Z` to the raw answer before the SDK parses it,
 * and changes nothing else: moto's own deviation corrected, not an answer made up.
 */
export function fixMotoKafkaDates(client: {
  middlewareStack: {
    add: (
      m: (next: (a: unknown) => Promise<unknown>) => (a: unknown) => Promise<unknown>,
      o: { step: 'deserialize'; priority: 'low'; name: string },
    ) => void;
  };
}): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = (await next(args)) as {
        response: { body: AsyncIterable<Uint8Array> & { destroy?: () => void } };
      };
      const chunks: Buffer[] = [];
      for await (const chunk of result.response.body) chunks.push(Buffer.from(chunk));
      const text = Buffer.concat(chunks)
        .toString('utf8')
        .replace(/("creationTime": ?"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)"/g, '$1Z"');
      result.response.body = Readable.from([Buffer.from(text)]);
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'fixMotoKafkaDates' },
  );
}
