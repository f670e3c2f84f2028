/**
 * The package's construct library: the single-account auditor, the organization auditor, the
 * member role, the stacks the CDK app deploys, and the types of their props. The functions they
 * deploy are pre-built into the package (dist/handlers/): an app needs neither esbuild nor the
 * sources.
 */
export { ConfigError } from '../lambda/core/errors';
export type { Mode, Policy, ScanStrategy } from '../lambda/core/settings';
export { AuditorStack } from './auditor-stack';
export {
  MemberRole,
  type MemberRoleProps,
  MemberRoleStack,
  type MemberRoleStackProps,
} from './member-role';
export { OrgAuditorStack, StandaloneMemberStack } from './org-auditor-stack';
export { SigningCertAuditor, type SigningCertAuditorProps } from './signing-cert-auditor';
export { SigningCertOrgAuditor, type SigningCertOrgAuditorProps } from './signing-cert-org-auditor';
