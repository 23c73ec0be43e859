import { SNSClient } from '@aws-sdk/client-sns';

import { once, sdkClientConfig } from './once.js';

export const snsClient = once(() => new SNSClient(sdkClientConfig()));
