import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';

import { once } from './once.js';

export const cloudWatchClient = once(() => new CloudWatchClient({}));
