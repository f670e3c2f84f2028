import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AuditorStack } from '../lib/auditor-stack';

const app = new App();
new AuditorStack(app, 'SigningCertAudit', {
  description: 'Audits IAM users’ X.509 signing certificates on a schedule (signing-cert-audit)',
});
// Synth fails on any AwsSolutions finding that is not acknowledged, with its reason, in lib/.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
