import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

import { once, sdkClientConfig } from './once.js';
import { withReachHint } from './reach.js';

export const secretsClient = once(() => withReachHint(new SecretsManagerClient(sdkClientConfig())));
