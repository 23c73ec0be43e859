/**
 * The handlers' AWS SDK clients give up on an endpoint that never answers: every client
 * has the timeouts, and with them a silent endpoint is an error within the timeout.
 */
import { createServer, type Server, type Socket } from 'node:net';

import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createServer as createHttpServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';

import { cloudWatchClient } from '../../../functions/commons/aws-clients/cloudwatch.js';
import { mskClient } from '../../../functions/commons/aws-clients/msk.js';
import { SDK_HTTP_TIMEOUTS, sdkClientConfig } from '../../../functions/commons/aws-clients/once.js';
import { s3Client } from '../../../functions/commons/aws-clients/s3.js';
import { secretsClient } from '../../../functions/commons/aws-clients/secrets.js';
import { sfnClient } from '../../../functions/commons/aws-clients/sfn.js';
import { snsClient } from '../../../functions/commons/aws-clients/sns.js';
import {
  SUBNETS_ENV,
  unreachableError,
  withReachHint,
} from '../../../functions/commons/aws-clients/reach.js';
import { AwsUnreachableError } from '../../../functions/core/errors.js';

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

  /** A client as the handlers build it, with the hint, pointed at `endpoint`. */
  const hinted = (endpoint: string, subnets?: string) =>
    withReachHint(
      new S3Client({
        ...sdkClientConfig({ connectionTimeout: 200, requestTimeout: 300 }),
        endpoint,
        region: 'us-east-1',
        credentials,
        forcePathStyle: true,
        maxAttempts: 2,
      }),
      subnets === undefined ? {} : { [SUBNETS_ENV]: subnets },
    );

  it('a silent endpoint, in the cluster’s subnets, is an error naming the call, the host and the route to add', async () => {
    expect.assertions(5);
    const client = hinted(await silentEndpoint(), 'subnet-0a1,subnet-0b2');
    try {
      await client.send(
        new GetObjectCommand({ Bucket: 'store', Key: 'runs/x/part-0000.jsonl.gz' }),
      );
    } catch (error) {
      expect(error).toBeInstanceOf(AwsUnreachableError);
      const message = (error as Error).message;
      expect(message).toMatch(/^S3 GetObject could not reach 127\.0\.0\.1: /);
      expect(message).toContain('subnet-0a1,subnet-0b2');
      expect(message).toContain('NAT gateway');
      expect((error as Error).cause).toBeDefined();
    }
  }, 10_000);

  it('a refused connection outside a VPC names the host without blaming subnets', async () => {
    expect.assertions(3);
    const closed = await silentEndpoint();
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
    try {
      await hinted(closed).send(new HeadObjectCommand({ Bucket: 'store', Key: 'k' }));
    } catch (error) {
      expect(error).toBeInstanceOf(AwsUnreachableError);
      expect((error as Error).message).toMatch(
        /S3 HeadObject could not reach 127\.0\.0\.1: .*ECONNREFUSED/,
      );
      expect((error as Error).message).not.toContain('subnets');
    }
  }, 10_000);

  it('an answer that is an error (403) passes as the SDK gives it', async () => {
    const server = createHttpServer((_req, res) => {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end('<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
    });
    servers.push(server as unknown as Server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    const failure = await hinted(`http://127.0.0.1:${port}`, 'subnet-0a1')
      .send(new GetObjectCommand({ Bucket: 'store', Key: 'k' }))
      .catch((error: unknown) => error);
    expect(failure).not.toBeInstanceOf(AwsUnreachableError);
    expect((failure as { name: string }).name).toBe('AccessDenied');
  });

  it.each([
    ['s3.eu-west-1.amazonaws.com', 'S3 gateway endpoint (com.amazonaws.eu-west-1.s3)'],
    ['store.s3.eu-west-1.amazonaws.com', 'S3 gateway endpoint (com.amazonaws.eu-west-1.s3)'],
    [
      'secretsmanager.eu-west-1.amazonaws.com',
      'interface endpoint com.amazonaws.eu-west-1.secretsmanager',
    ],
    ['monitoring.us-east-2.amazonaws.com', 'interface endpoint com.amazonaws.us-east-2.monitoring'],
  ])('names the VPC endpoint that reaches %s', (host, endpoint) => {
    const error = unreachableError(
      new Error('Connection timed out after 5000 ms'),
      { client: 'X', command: 'Y', host },
      'subnet-1',
    );
    expect(error.message).toContain(endpoint);
  });
});
