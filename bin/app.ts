import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../lambda/core/errors';
import { AuditorStack } from '../lib/auditor-stack';

const app = new App();
try {
  new AuditorStack(app, 'SigningCertAudit', {
    description: 'Audits IAM users’ X.509 signing certificates on a schedule (signing-cert-audit)',
  });
} catch (error: unknown) {
  if (!(error instanceof ConfigError)) throw error;
  // A bad context value is the user's to fix: say which one, without a stack trace.
  console.error(`Invalid configuration (cdk.json context or -c): ${error.message}`);
  process.exit(1);
}
// Synth fails on any AwsSolutions finding that is not acknowledged, with its reason, in lib/.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
