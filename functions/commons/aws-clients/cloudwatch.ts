import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';

import { once, sdkClientConfig } from './once.js';
import { withReachHint } from './reach.js';

export const cloudWatchClient = once(() => withReachHint(new CloudWatchClient(sdkClientConfig())));
