/**
 * A run's history in the S3 run store: one gzip part per flush, under
 * `runs/<cluster>/<runId>/history/part-NNNN-<attempt>.jsonl.gz`, and the report next
 * to it. The S3 client is passed in (a Lambda's, or one pointed at moto in the tests),
 * so this file holds no credentials, endpoints or regions.
 *
 * Parts are numbered by the caller from `firstPart`. `<attempt>` is the token of the
 * invocation that wrote the part: a retried slice starts again from the same part
 * number, and its parts sit next to the failed attempt's instead of overwriting records
 * that attempt already made durable (docs/aws.md, "Retried slices"). Parts list by
 * number, then by name; names without a token (older runs) are read too.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

import { GzipMemberSink } from '../canary/sink.js';
import { RunStoreError, VerifierError } from '../errors.js';

/** What the store needs of an S3Client: an S3Client is one. */
export type S3Like = Pick<S3Client, 'send'>;

/** Where one run keeps its history and report. */
export interface RunLocation {
  readonly bucket: string;
  readonly cluster: string;
  readonly runId: string;
}

export const PART_DIGITS = 4;
const PART_NAME = /\/part-(\d{4,})(?:-[0-9a-z]{1,64})?\.jsonl\.gz$/;
/** An attempt token: what makes one invocation's part keys its own. */
export const ATTEMPT_TOKEN = /^[0-9a-z]{1,64}$/;

/** `runs/<cluster>/<runId>/` */
export function runPrefix(run: RunLocation): string {
  return `runs/${run.cluster}/${run.runId}/`;
}

export function historyPrefix(run: RunLocation): string {
  return `${runPrefix(run)}history/`;
}

/** The key of part `part`; with `attempt`, the part as that invocation writes it. */
export function partKey(run: RunLocation, part: number, attempt?: string): string {
  const number = String(part).padStart(PART_DIGITS, '0');
  return `${historyPrefix(run)}part-${number}${attempt === undefined ? '' : `-${attempt}`}.jsonl.gz`;
}

export function s3Url(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

export { RunStoreError };

/**
 * A HistorySink that puts each flush as one gzip part. `write` keeps records in memory;
 * `flush` uploads them (nothing when there are none); `nextPart` is the number the next
 * flush would use, to hand on to the next slice.
 */
export class S3HistorySink extends GzipMemberSink {
  private part: number;
  /** Keys written, in order. */
  readonly written: string[] = [];

  /**
   * `attempt` (lowercase letters and digits) goes into every key this sink writes; a
   * Lambda passes one of its own per invocation, so that no two invocations can write
   * the same key.
   */
  constructor(
    private readonly s3: S3Like,
    private readonly run: RunLocation,
    firstPart: number,
    private readonly attempt?: string,
  ) {
    super();
    if (attempt !== undefined && !ATTEMPT_TOKEN.test(attempt)) {
      throw new VerifierError(
        `history part attempt token ${JSON.stringify(attempt)} must be 1 to 64 lowercase letters and digits`,
      );
    }
    this.part = firstPart;
  }

  get location(): string {
    return s3Url(this.run.bucket, historyPrefix(this.run));
  }

  get nextPart(): number {
    return this.part;
  }

  protected memberWriter(): (member: Buffer) => Promise<void> {
    const key = partKey(this.run, this.part, this.attempt);
    this.part += 1;
    return async (member) => {
      try {
        await this.s3.send(
          new PutObjectCommand({
            Bucket: this.run.bucket,
            Key: key,
            Body: member,
            ContentType: 'application/x-ndjson',
            ContentEncoding: 'gzip',
          }),
        );
      } catch (error) {
        throw new RunStoreError(
          `could not write history part ${s3Url(this.run.bucket, key)} (${(error as Error).name}: ${(error as Error).message}); the run cannot keep its history without it.`,
          { cause: error },
        );
      }
      this.written.push(key);
    };
  }
}

/** Every history part of a run, sorted by part number, then by name (attempts of one slice). */
export async function listHistoryParts(s3: S3Like, run: RunLocation): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: run.bucket,
        Prefix: historyPrefix(run),
        ...(token === undefined ? {} : { ContinuationToken: token }),
      }),
    );
    for (const o of page.Contents ?? [])
      if (o.Key !== undefined && PART_NAME.test(o.Key)) keys.push(o.Key);
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  const number = (key: string) => Number(PART_NAME.exec(key)?.[1]);
  return keys.sort((a, b) => number(a) - number(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The history's text as a stream of chunks: each part fetched in turn and gunzipped,
 * never more than one part's stream open at once. Feed it to readHistory.
 */
export async function* historyChunks(
  s3: S3Like,
  bucket: string,
  keys: readonly string[],
): AsyncGenerator<Buffer> {
  for (const key of keys) {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = object.Body;
    if (body === undefined) throw new RunStoreError(`${s3Url(bucket, key)} has no body`);
    const gunzip = (body as Readable).pipe(createGunzip());
    try {
      for await (const chunk of gunzip) yield chunk as Buffer;
    } catch (error) {
      throw new RunStoreError(
        `${s3Url(bucket, key)} is not valid gzip (${(error as Error).message}): the part is damaged; delete it to verify the rest.`,
        { cause: error },
      );
    }
  }
}

/** Puts a text object (report.json, summary.txt). */
export async function putText(
  s3: S3Like,
  bucket: string,
  key: string,
  body: string,
  contentType: string,
): Promise<void> {
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }),
  );
}

/**
 * True when the object exists (the upgrade-finished marker). Asked with ListObjectsV2 on
 * the key as prefix, not HeadObject: S3 answers HeadObject of a missing key with 403, not
 * 404, to a caller without an unconditional `s3:ListBucket`, while a ListBucket grant
 * limited by `s3:prefix` to the markers' folder covers this call (docs/aws.md, "What
 * the emulator does not enforce").
 */
export async function objectExists(s3: S3Like, bucket: string, key: string): Promise<boolean> {
  try {
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: key, MaxKeys: 1 }),
    );
    return (listed.Contents ?? []).some((o) => o.Key === key);
  } catch (error) {
    const e = error as { name?: string };
    throw new RunStoreError(
      `could not check ${s3Url(bucket, key)} (${e.name ?? 'error'}: ${(error as Error).message})`,
      { cause: error },
    );
  }
}
