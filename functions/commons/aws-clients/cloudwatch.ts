import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';

import { once, sdkClientConfig } from './once.js';

export const cloudWatchClient = once(() => new CloudWatchClient(sdkClientConfig()));
