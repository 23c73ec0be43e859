import { SFNClient } from '@aws-sdk/client-sfn';

import { once, sdkClientConfig } from './once.js';
import { withReachHint } from './reach.js';

export const sfnClient = once(() => withReachHint(new SFNClient(sdkClientConfig())));
