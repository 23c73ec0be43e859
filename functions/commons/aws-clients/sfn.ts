import { SFNClient } from '@aws-sdk/client-sfn';

import { once, sdkClientConfig } from './once.js';

export const sfnClient = once(() => new SFNClient(sdkClientConfig()));
