import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import {
  SINK_REGISTRY,
  type SinkEntry,
  type SinkName,
  type SinkSettings,
} from '../lambda/sinks/registry';
import type { AuditArchive } from './auditor-archive';
import { grantSecurityHub } from './auditor-permissions';

/** What a function's sinks deliver to, and the role they deliver with. */
export interface SinkGrantTargets {
  readonly role: iam.Role;
  readonly archive: AuditArchive;
  readonly topic: sns.ITopic;
  /** Security Hub's home region, when findings go there. */
  readonly securityHubRegion?: string;
  /** Whose runs deliver: the account's, or named users' only (no Athena table's findings/). */
  readonly scope?: 'account' | 'users';
}

/**
 * Each sink's grant, keyed by its name in the registry (lambda/sinks/registry.ts): a sink added
 * there without a grant here is a type error.
 */
export const SINK_GRANTS: { readonly [N in SinkName]: (targets: SinkGrantTargets) => void } = {
  // s3:PutObject under reports/ and findings/, and the archive key's kms:GenerateDataKey.
  's3-archive': (targets) => targets.archive.grantWriteReports(targets.role, targets.scope),
  // sns:Publish, and the topic key's kms:GenerateDataKey* and kms:Decrypt.
  sns: (targets) => {
    targets.topic.grantPublish(targets.role);
  },
  'security-hub': (targets) => {
    if (targets.securityHubRegion) grantSecurityHub(targets.role, targets.securityHubRegion);
  },
};

/** Grants the sinks these settings turn on, as the function builds them from the registry. */
export function grantSinks(
  targets: SinkGrantTargets,
  settings: SinkSettings,
  registry: readonly SinkEntry[] = SINK_REGISTRY,
  grants: Readonly<Record<string, (targets: SinkGrantTargets) => void>> = SINK_GRANTS,
): void {
  for (const entry of registry) {
    if (!entry.enabled(settings)) continue;
    const grant = grants[entry.name];
    if (!grant) throw new Error(`the sink ${entry.name} has no grant in lib/sink-grants.ts`);
    grant(targets);
  }
}
