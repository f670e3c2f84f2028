import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../lambda/core/errors';
import { AuditorStack } from '../lib/auditor-stack';
import { fromContext } from '../lib/context';
import { DEPLOY_SETTINGS } from '../lib/deploy-settings';
import { OrgAuditorStack, StandaloneMemberStack } from '../lib/org-auditor-stack';
import { forwardIamEvents } from '../lib/realtime-forwarder';

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
    // With realtime on, the stack is pinned to the region the CLI deploys to (CDK_DEFAULT_REGION:
    // AWS_REGION or the profile's), when it knows one: outside us-east-1, the only region IAM's
    // events reach, a second stack there forwards them (deploy both: cdk deploy --all). Without
    // a region the stack stays environment-agnostic and nothing is forwarded: deploy it in
    // us-east-1, or add a RealtimeForwarderStack yourself (docs/realtime.md).
    const realtime = fromContext(app.node, DEPLOY_SETTINGS.realtime);
    const region = realtime ? process.env.CDK_DEFAULT_REGION || undefined : undefined;
    const stack = new AuditorStack(app, 'SigningCertAudit', {
      description:
        'Audits IAM users’ X.509 signing certificates on a schedule (signing-cert-audit)',
      ...(region === undefined ? {} : { env: { region } }),
    });
    if (stack.auditor.realtime) forwardIamEvents(app, stack);
  }
} catch (error: unknown) {
  if (!(error instanceof ConfigError)) throw error;
  // A bad context value is the user's to fix: say which one, without a stack trace.
  console.error(`Invalid configuration (cdk.json context or -c): ${error.message}`);
  process.exit(1);
}
// Synth fails on any AwsSolutions finding that is not acknowledged, with its reason, in lib/.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
