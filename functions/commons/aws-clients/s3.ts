import { S3Client } from '@aws-sdk/client-s3';

import { once, sdkClientConfig } from './once.js';
import { withReachHint } from './reach.js';

/** Path-style addressing: moto (and any S3 endpoint without wildcard DNS) needs it. */
export const s3Client = once(() =>
  withReachHint(new S3Client({ ...sdkClientConfig(), forcePathStyle: true })),
);
