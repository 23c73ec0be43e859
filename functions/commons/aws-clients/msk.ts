import { KafkaClient } from '@aws-sdk/client-kafka';

import { once } from './once.js';

export const mskClient = once(() => new KafkaClient({}));
