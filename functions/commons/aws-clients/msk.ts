import { KafkaClient } from '@aws-sdk/client-kafka';

import { once, sdkClientConfig } from './once.js';
import { withReachHint } from './reach.js';

export const mskClient = once(() => withReachHint(new KafkaClient(sdkClientConfig())));
