import { Annotations, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { ConfigError } from '../lambda/core/errors';

/**
 * The Lambda Node.js runtimes the pre-built handlers are tested on: CI runs the emulator suites
 * with the bundles on each of these Node.js versions. Oldest first; the bundles target the
 * oldest (lib/bundling.ts), so they run on every one.
 */
export const TESTED_NODE_RUNTIMES = ['nodejs24.x', 'nodejs26.x'] as const;

/** The Node.js major version of a runtime name (`nodejs24.x` → 24), or undefined for another family. */
export function nodeMajorOf(name: string): number | undefined {
  const major = /^nodejs(\d+)\.x$/.exec(name)?.[1];
  return major === undefined ? undefined : Number(major);
}

/** What the functions run on, and what was passed over to choose it. */
export interface RuntimeChoice {
  readonly runtime: lambda.Runtime;
  /** True when the app pinned it (the `runtime` prop or context). */
  readonly pinned: boolean;
  /** Set when it is not one the handlers are tested on: why, for a synth warning. */
  readonly untested?: string;
  /** Set when the app's aws-cdk-lib knows a newer Node.js runtime than the one chosen. */
  readonly newerKnown?: string;
}

/**
 * The functions' runtime: the one the app pins, or else the newest Node.js runtime that both
 * the app's aws-cdk-lib knows (`Runtime.ALL`) and the handlers are tested on. A runtime the
 * handlers are not tested on is never chosen on its own: only when pinned, and then with a
 * warning at synth.
 */
export function chooseRuntime(
  pinned: lambda.Runtime | undefined,
  known: readonly lambda.Runtime[] = lambda.Runtime.ALL,
): RuntimeChoice {
  const newest = known
    .map((runtime) => ({ runtime, major: nodeMajorOf(runtime.name) }))
    .filter((r): r is { runtime: lambda.Runtime; major: number } => r.major !== undefined)
    .sort((a, b) => b.major - a.major)[0]?.runtime;
  if (pinned !== undefined) {
    if (nodeMajorOf(pinned.name) === undefined || pinned.family !== lambda.RuntimeFamily.NODEJS) {
      throw new ConfigError(
        `runtime=${pinned.name} is not allowed: the functions are Node.js code; expected a Node.js runtime, one of ${TESTED_NODE_RUNTIMES.join(', ')} (tested)`,
      );
    }
    const tested = (TESTED_NODE_RUNTIMES as readonly string[]).includes(pinned.name);
    return {
      runtime: pinned,
      pinned: true,
      ...(tested
        ? {}
        : {
            untested: `the functions are pinned to ${pinned.name}, which this version of signing-cert-audit is not tested on (tested: ${TESTED_NODE_RUNTIMES.join(', ')})`,
          }),
    };
  }
  const knownNames = new Set(known.map((r) => r.name));
  const name = [...TESTED_NODE_RUNTIMES].reverse().find((candidate) => knownNames.has(candidate));
  if (name === undefined) {
    throw new ConfigError(
      `this aws-cdk-lib knows none of the Node.js runtimes the functions are tested on (${TESTED_NODE_RUNTIMES.join(', ')}): upgrade aws-cdk-lib, or pin one with the runtime prop`,
    );
  }
  const runtime = known.find((r) => r.name === name) as lambda.Runtime;
  const newer =
    newest !== undefined && (nodeMajorOf(newest.name) ?? 0) > (nodeMajorOf(name) ?? 0)
      ? newest.name
      : undefined;
  return { runtime, pinned: false, ...(newer ? { newerKnown: newer } : {}) };
}

/**
 * Says at synth what the choice leaves to the app: a warning for an untested runtime, and, when
 * the app's aws-cdk-lib knows a newer Node.js runtime than the newest the handlers are tested
 * on, a warning with cdk-nag's AwsSolutions-L1 acknowledged on the function, naming both (its
 * own rule would otherwise fail every consumer's synth the day aws-cdk-lib learns a runtime).
 */
export function declareRuntimeChoice(fn: IConstruct, choice: RuntimeChoice): void {
  if (choice.untested) {
    Annotations.of(fn).addWarningV2('signing-cert-audit:untested-runtime', choice.untested);
  }
  if (choice.newerKnown) {
    const reason = `Pinned to ${choice.runtime.name}, the newest Node.js runtime this version of signing-cert-audit is tested on; this aws-cdk-lib also knows ${choice.newerKnown}, which the handlers are not yet tested on (pin it with the runtime prop to take it anyway).`;
    Annotations.of(fn).addWarningV2('signing-cert-audit:newer-runtime', reason);
    Validations.of(fn).acknowledge({ id: 'AwsSolutions-L1', reason });
  }
}
