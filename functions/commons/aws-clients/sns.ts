import { SNSClient } from '@aws-sdk/client-sns';

import { once, sdkClientConfig } from './once.js';
import { withReachHint } from './reach.js';

export const snsClient = once(() => withReachHint(new SNSClient(sdkClientConfig())));
