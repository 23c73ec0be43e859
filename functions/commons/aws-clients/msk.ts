import { KafkaClient } from '@aws-sdk/client-kafka';

import { once, sdkClientConfig } from './once.js';

export const mskClient = once(() => new KafkaClient(sdkClientConfig()));
