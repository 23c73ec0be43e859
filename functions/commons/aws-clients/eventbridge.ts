import { EventBridgeClient } from '@aws-sdk/client-eventbridge';

import { once, sdkClientConfig } from './once.js';
import { withReachHint } from './reach.js';

export const eventBridgeClient = once(() =>
  withReachHint(new EventBridgeClient(sdkClientConfig())),
);
