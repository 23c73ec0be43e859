import { SNSClient } from '@aws-sdk/client-sns';

import { once } from './once.js';

export const snsClient = once(() => new SNSClient({}));
