import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../lambda/core/errors';
import { NODE_MAJOR } from '../../lib/bundling';
import { chooseRuntime, nodeMajorOf, TESTED_NODE_RUNTIMES } from '../../lib/runtime';
import { SigningCertAuditor } from '../../lib/signing-cert-auditor';
import { synthStack } from './helpers';

const { NODEJS } = lambda.RuntimeFamily;
const runtime = (name: string, family = NODEJS) => ({ name, family }) as lambda.Runtime;

/** Runtimes a test makes: aws-cdk-lib adds each to Runtime.ALL, which is taken out again after it. */
const made: lambda.Runtime[] = [];
/** A runtime aws-cdk-lib does not know yet, as a newer release would know it. */
function newerRuntime(name: string): lambda.Runtime {
  const made_ = new lambda.Runtime(name, NODEJS, { supportsInlineCode: true });
  made.push(made_);
  return made_;
}
afterEach(() => {
  for (const runtime_ of made.splice(0)) {
    lambda.Runtime.ALL.splice(lambda.Runtime.ALL.indexOf(runtime_), 1);
  }
});

describe('chooseRuntime', () => {
  it('takes the newest tested runtime the app’s aws-cdk-lib knows', () => {
    expect(
      chooseRuntime(undefined, [runtime('nodejs22.x'), runtime('nodejs24.x')]).runtime.name,
    ).toBe('nodejs24.x');
    expect(
      chooseRuntime(undefined, [runtime('nodejs24.x'), runtime('nodejs26.x')]).runtime.name,
    ).toBe('nodejs26.x');
  });

  it('never takes an untested one on its own: a newer known runtime is named, not chosen', () => {
    const choice = chooseRuntime(undefined, [
      runtime('nodejs24.x'),
      runtime('nodejs26.x'),
      runtime('nodejs28.x'),
    ]);

    expect(choice).toMatchObject({ pinned: false, newerKnown: 'nodejs28.x' });
    expect(choice.runtime.name).toBe('nodejs26.x');
    expect(choice.untested).toBeUndefined();
  });

  it('takes a pinned runtime, saying when it is untested, and refuses one that is not Node.js', () => {
    expect(chooseRuntime(runtime('nodejs24.x'))).toMatchObject({ pinned: true });
    expect(chooseRuntime(runtime('nodejs24.x')).untested).toBeUndefined();
    expect(chooseRuntime(runtime('nodejs22.x')).untested).toContain(
      'pinned to nodejs22.x, which this version of signing-cert-audit is not tested on',
    );
    expect(() => chooseRuntime(runtime('python3.13', lambda.RuntimeFamily.PYTHON))).toThrow(
      ConfigError,
    );
  });

  it('refuses an aws-cdk-lib that knows no tested runtime, saying what to do', () => {
    expect(() => chooseRuntime(undefined, [runtime('nodejs22.x')])).toThrow(
      /knows none of the Node.js runtimes the functions are tested on .*upgrade aws-cdk-lib/,
    );
  });

  it('bundles for the oldest tested runtime, so one bundle runs on each', () => {
    expect(nodeMajorOf(TESTED_NODE_RUNTIMES[0])).toBe(NODE_MAJOR);
  });
});

/** The constructs cdk-nag's AwsSolutions-L1 reports in an app, unacknowledged. */
function l1Violations(app: App): string[] {
  const report = new AwsSolutionsChecks().validateScope(app);
  return report.violations
    .filter((v) => v.ruleName.includes('AwsSolutions-L1'))
    .flatMap((v) => v.violatingResources.map((r) => r.constructPath ?? r.resourceLogicalId ?? ''));
}

describe('the auditor’s runtime at synth', () => {
  /** A stack with the auditor and cdk-nag, as a consumer's app has them. */
  function auditorApp(props: ConstructorParameters<typeof SigningCertAuditor>[2] = {}) {
    const app = new App();
    const stack = new Stack(app, 'Consumer', {
      env: { account: '123456789012', region: 'us-east-1' },
    });
    new SigningCertAuditor(stack, 'Auditor', props);
    return { app, stack };
  }

  it('runs every function on the newest tested runtime this aws-cdk-lib knows', () => {
    const { stack } = auditorApp({ configRule: { enabled: true } });

    const runtimes = Object.values(
      Template.fromStack(stack).findResources('AWS::Lambda::Function'),
    ).map((r) => (r as { Properties: { Runtime: string } }).Properties.Runtime);

    expect(runtimes).toHaveLength(2);
    expect(new Set(runtimes)).toEqual(new Set([chooseRuntime(undefined).runtime.name]));
  });

  it('warns and acknowledges AwsSolutions-L1 when this aws-cdk-lib knows a newer, untested runtime', () => {
    newerRuntime('nodejs98.x');
    const { app, stack } = auditorApp();

    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: chooseRuntime(undefined).runtime.name,
    });
    Annotations.fromStack(stack).hasWarning(
      '/Consumer/Auditor/Function',
      Match.stringLikeRegexp('also knows nodejs98.x, which the handlers are not yet tested on'),
    );
    // cdk-nag sees nodejs98.x as the newest too, and finds nothing left unacknowledged.
    expect(l1Violations(app)).toEqual([]);
  });

  it('leaves AwsSolutions-L1 to cdk-nag for a function of the app’s own (the control)', () => {
    newerRuntime('nodejs98.x');
    const { app, stack } = auditorApp();
    new lambda.Function(stack, 'Own', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => {};'),
    });

    expect(l1Violations(app)).toEqual(['Consumer/Own/Resource']);
  });

  it('takes a pinned runtime, with a warning when it is untested', () => {
    const { stack } = auditorApp({ runtime: lambda.Runtime.NODEJS_22_X });

    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
    });
    Annotations.fromStack(stack).hasWarning(
      '/Consumer/Auditor/Function',
      Match.stringLikeRegexp('pinned to nodejs22.x, which this version of signing-cert-audit'),
    );
  });

  it('pins the runtime from CDK context lambdaRuntime in the repository’s stack, and refuses a bad one', () => {
    const pinned = synthStack({ lambdaRuntime: 'nodejs22.x' });

    pinned.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs22.x' });
    expect(() => synthStack({ lambdaRuntime: 'python3.13' })).toThrow(
      /lambdaRuntime="python3.13" is not allowed: expected a Node.js Lambda runtime/,
    );
  });
});

describe('what CI proves', () => {
  const ci = readFileSync(fileURLToPath(new URL('../../.ci/run', import.meta.url)), 'utf8');
  const manifest = JSON.parse(
    readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8'),
  ) as { engines: { node: string }; devDependencies: Record<string, string> };

  it('runs the emulator suites on the newest tested runtime, and the toolchain on the oldest', () => {
    const newest = nodeMajorOf(TESTED_NODE_RUNTIMES.at(-1) ?? '');
    const oldest = nodeMajorOf(TESTED_NODE_RUNTIMES[0]);

    expect(ci).toContain(`NODE_NEWEST="$(npx -y node@${newest} -p process.execPath)"`);
    expect(ci).toContain(`SIGNING_CERT_AUDIT_NODE_MAJOR=${newest} `);
    expect(manifest.devDependencies.node?.split('.')[0]).toBe(String(oldest));
  });

  it('runs the unit suite on the oldest Node.js the package claims to support', () => {
    const supported = /^>=(\d+)\.\d+$/.exec(manifest.engines.node)?.[1];

    expect(supported).toBeDefined();
    expect(ci).toContain(`NODE_OLDEST="$(npx -y node@${supported} -p process.execPath)"`);
  });
});
