/**
 * What IAM tells of a service's service-specific credentials: an API key (a bearer token that
 * `CredentialAgeDays` can give an `ExpirationDate`) or a user name and password (no expiry).
 */
export interface CredentialService {
  readonly apiKey: boolean;
}

/**
 * The services IAM issues service-specific credentials for, by the `ServiceName` IAM answers
 * with. botocore's model of IAM names Amazon Bedrock and CloudWatch Logs API keys ("only valid
 * for Bedrock and CloudWatch Logs API keys", of CredentialAgeDays) and CodeCommit and Keyspaces
 * (Cassandra) credentials; the IAM User Guide's "API keys for AWS services" adds CloudWatch and
 * Claude Platform on AWS as API-key services. The account-wide listing asks for each by name and
 * once more for any other service (a service IAM adds later is listed, and judged by age, before
 * it is a line here); the expiry check asks only API keys to expire.
 */
export const CREDENTIAL_SERVICES: Readonly<Record<string, CredentialService>> = {
  'bedrock.amazonaws.com': { apiKey: true },
  'logs.amazonaws.com': { apiKey: true },
  'cloudwatch.amazonaws.com': { apiKey: true },
  'aws-external-anthropic.amazonaws.com': { apiKey: true },
  'codecommit.amazonaws.com': { apiKey: false },
  'cassandra.amazonaws.com': { apiKey: false },
};

/** Whether a service's credentials can be given an expiry (its API keys); false for one not known. */
export function supportsExpiry(serviceName: string): boolean {
  return CREDENTIAL_SERVICES[serviceName.toLowerCase()]?.apiKey === true;
}
