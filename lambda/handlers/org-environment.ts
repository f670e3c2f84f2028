import { ConfigError, notAllowedAs } from '../core/errors';
import type { ExemptionList } from '../core/exemptions';
import { loadOrgSettingsFromEnv, loadPolicyFromEnv, type Policy, SETTINGS } from '../core/settings';
import { loadExemptionsFromEnv } from './exemptions-env';

/** What every organization function reads from its environment. */
export interface OrgEnvironment {
  readonly policy: Policy;
  readonly archiveBucket: string;
  readonly roleName: string;
  /** Security Hub's home region, when each member's findings go to its own Security Hub. */
  readonly securityHubRegion?: string;
  /** The exemptions file's checked entries, when the construct was given one. */
  readonly exemptions?: ExemptionList;
}

/**
 * Reads the organization functions' environment: the policy, the archive, the member role,
 * each by the settings tables (lambda/core/settings.ts). A bad or missing value fails the cold
 * start, naming the variable.
 */
export function loadOrgEnvironment(
  env: Readonly<Record<string, string | undefined>>,
): OrgEnvironment {
  const policy = loadPolicyFromEnv(env);
  const archiveBucket = env[SETTINGS.archiveBucket.env];
  if (
    archiveBucket === undefined ||
    !SETTINGS.archiveBucket.schema.safeParse(archiveBucket).success
  ) {
    throw new ConfigError(
      notAllowedAs(SETTINGS.archiveBucket.env, archiveBucket, SETTINGS.archiveBucket.allowed),
    );
  }
  const { memberRoleName } = loadOrgSettingsFromEnv(env);
  const securityHubRegion = env[SETTINGS.securityHubRegion.env];
  if (
    securityHubRegion !== undefined &&
    !SETTINGS.securityHubRegion.schema.safeParse(securityHubRegion).success
  ) {
    throw new ConfigError(
      notAllowedAs(
        SETTINGS.securityHubRegion.env,
        securityHubRegion,
        SETTINGS.securityHubRegion.allowed,
      ),
    );
  }
  const exemptions = loadExemptionsFromEnv(env, {
    now: new Date(),
    maxExemptionDays: policy.maxExemptionDays,
  });
  return {
    policy,
    archiveBucket,
    roleName: memberRoleName,
    ...(securityHubRegion ? { securityHubRegion } : {}),
    ...(exemptions ? { exemptions } : {}),
  };
}
