/**
 * The package's construct library: the single-account auditor, the organization auditor, the
 * member role, the stacks the CDK app deploys, the parts their public properties expose, and the
 * settings their props follow. The functions they deploy are pre-built into the package
 * (dist/handlers/): an app needs neither esbuild nor the sources.
 */

export type { ArchiveLayout } from '../lambda/core/archive-layout';
export { ConfigError } from '../lambda/core/errors';
export {
  MODES,
  type Mode,
  type Policy,
  SCAN_STRATEGIES,
  type ScanStrategy,
} from '../lambda/core/settings';
export type { AuditConfigRule } from './audit-config-rule';
export type { AuditFunction } from './audit-function';
export { AuditDashboard, type DashboardGraph } from './audit-monitoring';
export {
  RealtimeAudit,
  type RealtimeAuditProps,
  type RealtimeWindow,
} from './audit-realtime';
export type { SigningCertAuditorAlarms } from './auditor-alarms';
export { AuditArchive, type AuditArchiveProps } from './auditor-archive';
export type { AuditGrantPolicy } from './auditor-permissions';
export { AuditorStack } from './auditor-stack';
export {
  AuditExemptions,
  type AuditExemptionsProps,
  EXEMPTIONS_LAYER_PATH,
  type ExemptionEntry,
} from './exemptions';
export {
  MemberRole,
  type MemberRoleProps,
  MemberRoleStack,
  type MemberRoleStackProps,
} from './member-role';
export type { OrgAuditorAlarms } from './org-auditor-alarms';
export { OrgAuditorStack, StandaloneMemberStack } from './org-auditor-stack';
export { IAM_EVENTS_REGION, REALTIME_EVENT_NAMES, REALTIME_EVENT_PATTERN } from './realtime-events';
export {
  forwardIamEvents,
  MemberRealtimeForwarderStack,
  RealtimeForwarder,
  type RealtimeForwarderProps,
  RealtimeForwarderStack,
  type RealtimeForwarderStackProps,
} from './realtime-forwarder';
export { TESTED_NODE_RUNTIMES } from './runtime';
export { SigningCertAuditor, type SigningCertAuditorProps } from './signing-cert-auditor';
export { SigningCertOrgAuditor, type SigningCertOrgAuditorProps } from './signing-cert-org-auditor';
