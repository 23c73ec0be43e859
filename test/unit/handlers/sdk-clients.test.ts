/**
 * The handlers' AWS SDK clients give up on an endpoint that never answers: every client
 * has the timeouts, and with them a silent endpoint is an error within the timeout.
 */
import { createServer, type Server, type Socket } from 'node:net';

import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';

import { cloudWatchClient } from '../../../functions/commons/aws-clients/cloudwatch.js';
import { mskClient } from '../../../functions/commons/aws-clients/msk.js';
import { SDK_HTTP_TIMEOUTS, sdkClientConfig } from '../../../functions/commons/aws-clients/once.js';
import { s3Client } from '../../../functions/commons/aws-clients/s3.js';
import { secretsClient } from '../../../functions/commons/aws-clients/secrets.js';
import { sfnClient } from '../../../functions/commons/aws-clients/sfn.js';
import { snsClient } from '../../../functions/commons/aws-clients/sns.js';

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** Accepts connections and never answers. */
async function silentEndpoint(): Promise<string> {
  const server = createServer((socket) => sockets.push(socket));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address() as { port: number };
  return `http://127.0.0.1:${address.port}`;
}

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

describe('the handlers’ AWS SDK clients', () => {
  it('every client carries the connection and request timeouts, as errors', async () => {
    process.env.AWS_REGION ??= 'us-east-1';
    const clients = [s3Client, cloudWatchClient, snsClient, sfnClient, mskClient, secretsClient];
    for (const make of clients) {
      const handler = make().config.requestHandler as unknown as {
        // The Node HTTP handler resolves its options here; no public getter before a request.
        configProvider: Promise<Record<string, unknown>>;
      };
      const config = await handler.configProvider;
      expect(config).toMatchObject({ ...SDK_HTTP_TIMEOUTS, throwOnRequestTimeout: true });
    }
  });

  it('an endpoint that accepts and never answers is an error after requestTimeout, not a hang', async () => {
    const client = new S3Client({
      ...sdkClientConfig({ connectionTimeout: 200, requestTimeout: 300 }),
      endpoint: await silentEndpoint(),
      region: 'us-east-1',
      credentials,
      forcePathStyle: true,
      maxAttempts: 1,
    });
    const began = Date.now();
    await expect(
      client.send(new HeadObjectCommand({ Bucket: 'store', Key: 'upgrades/x/finished.json' })),
    ).rejects.toThrow(/requestTimeout|timed? ?out/i);
    expect(Date.now() - began).toBeLessThan(5000);
  }, 10_000);
});
