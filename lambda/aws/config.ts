import {
  ConfigServiceClient,
  type ConfigServiceClientConfig,
  type Evaluation,
  PutEvaluationsCommand,
} from '@aws-sdk/client-config-service';
import {
  IAM_USER_RESOURCE_TYPE,
  MAX_EVALUATIONS_PER_REQUEST,
  type RuleEvaluation,
} from '../core/config-evaluations';
import { SigningCertAuditError } from '../core/errors';
import { CLIENT_DEFAULTS } from './http';

/**
 * Builds the AWS Config client: `standard` retries (a throttled PutEvaluations is retried with
 * backoff), the timeouts and user agent of http.ts; region, credentials and endpoint from the
 * standard AWS sources (the function's own region, where its rule is).
 */
export function createConfigClient(config: ConfigServiceClientConfig = {}): ConfigServiceClient {
  return new ConfigServiceClient({
    retryMode: 'standard',
    maxAttempts: 5,
    ...CLIENT_DEFAULTS,
    ...config,
  });
}

/** Config answered that it did not take some evaluations: named, so the rule's failure says which. */
export class EvaluationsRefusedError extends SigningCertAuditError {
  override readonly name = 'EvaluationsRefusedError';
}

/** What an invocation of the rule stamps every evaluation with. */
export interface EvaluationStamp {
  /** The event's `resultToken`: ties the evaluations to the rule and to this invocation. */
  readonly resultToken: string;
  /** When Config triggered the evaluation: the invoking event's `notificationCreationTime`. */
  readonly orderingTimestamp: Date;
}

/**
 * Delivers the evaluations to Config with PutEvaluations, in requests of at most
 * {@link MAX_EVALUATIONS_PER_REQUEST} (the API's limit), one after another. Throws, naming them,
 * if Config reports failed evaluations. Returns how many requests were sent; none for no
 * evaluations.
 */
export async function putEvaluations(
  client: ConfigServiceClient,
  evaluations: readonly RuleEvaluation[],
  stamp: EvaluationStamp,
): Promise<{ requests: number }> {
  const batches = chunk(evaluations, MAX_EVALUATIONS_PER_REQUEST);
  for (const batch of batches) {
    const { FailedEvaluations = [] } = await client.send(
      new PutEvaluationsCommand({
        ResultToken: stamp.resultToken,
        Evaluations: batch.map((evaluation) => toEvaluation(evaluation, stamp)),
      }),
    );
    if (FailedEvaluations.length > 0) {
      const named = FailedEvaluations.slice(0, 5)
        .map((f) => `${f.ComplianceResourceId} (${f.ComplianceType})`)
        .join(', ');
      const more = FailedEvaluations.length > 5 ? ` and ${FailedEvaluations.length - 5} more` : '';
      throw new EvaluationsRefusedError(
        `AWS Config did not accept ${FailedEvaluations.length} of ${batch.length} evaluations: ${named}${more}`,
      );
    }
  }
  return { requests: batches.length };
}

/** One evaluation as PutEvaluations takes it. */
export function toEvaluation(evaluation: RuleEvaluation, stamp: EvaluationStamp): Evaluation {
  return {
    ComplianceResourceType: IAM_USER_RESOURCE_TYPE,
    ComplianceResourceId: evaluation.resourceId,
    ComplianceType: evaluation.compliance,
    Annotation: evaluation.annotation,
    OrderingTimestamp: stamp.orderingTimestamp,
  };
}

/** `items` in consecutive groups of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    groups.push(items.slice(start, start + size));
  }
  return groups;
}
