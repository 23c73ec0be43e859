import { SFNClient } from '@aws-sdk/client-sfn';

import { once } from './once.js';

export const sfnClient = once(() => new SFNClient({}));
