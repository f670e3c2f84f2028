import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../lambda/core/errors';
import { AuditorStack } from '../lib/auditor-stack';
import { fromContext } from '../lib/context';
import { DEPLOY_SETTINGS } from '../lib/deploy-settings';
import { OrgAuditorStack, StandaloneMemberStack } from '../lib/org-auditor-stack';

const app = new App();
try {
  // `-c deployment=organization` deploys the organization auditor; `member`, the member role alone.
  const deployment = fromContext(app.node, DEPLOY_SETTINGS.deployment, true);
  if (deployment === 'organization') {
    new OrgAuditorStack(app, 'SigningCertAuditOrg', {
      description:
        'Audits every account of an organization for stale IAM signing certificates (signing-cert-audit)',
    });
  } else if (deployment === 'member') {
    new StandaloneMemberStack(app, 'SigningCertAuditMember', {
      description: 'The signing-cert-audit member role, for the organization auditor',
    });
  } else {
    new AuditorStack(app, 'SigningCertAudit', {
      description:
        'Audits IAM users’ X.509 signing certificates on a schedule (signing-cert-audit)',
    });
  }
} catch (error: unknown) {
  if (!(error instanceof ConfigError)) throw error;
  // A bad context value is the user's to fix: say which one, without a stack trace.
  console.error(`Invalid configuration (cdk.json context or -c): ${error.message}`);
  process.exit(1);
}
// Synth fails on any AwsSolutions finding that is not acknowledged, with its reason, in lib/.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
