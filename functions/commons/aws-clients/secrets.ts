import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

import { once, sdkClientConfig } from './once.js';

export const secretsClient = once(() => new SecretsManagerClient(sdkClientConfig()));
