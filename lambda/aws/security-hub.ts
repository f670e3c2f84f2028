import { SecurityHubClient, type SecurityHubClientConfig } from '@aws-sdk/client-securityhub';
import { CLIENT_DEFAULTS } from './http';

export { partitionOfRegion } from './partition';

/**
 * The Security Hub client, in the home region only: IAM is global, and the same finding Id
 * imported in several regions would be duplicated under cross-region aggregation (Prowler's
 * users hit this, prowler#1100). Standard retries: BatchImportFindings allows about 10
 * requests/s and GetFindings 3/s, and the SDK retries their throttling.
 */
export function createSecurityHubClient(
  region: string,
  config: SecurityHubClientConfig = {},
): SecurityHubClient {
  return new SecurityHubClient({
    retryMode: 'standard',
    maxAttempts: 8,
    ...CLIENT_DEFAULTS,
    ...config,
    region,
  });
}
