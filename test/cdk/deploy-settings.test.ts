import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lambda/core/errors';
import { ORG_SETTINGS, parseSetting, SETTINGS } from '../../lambda/core/settings';
import { CONTEXT_KEYS, CONTEXT_SETTINGS } from '../../lib/context';
import { DEPLOY_SETTINGS } from '../../lib/deploy-settings';

describe('the deployment settings table', () => {
  it('is where every context key comes from: the policy’s, the organization’s and the deployment’s', () => {
    const declared = [
      ...Object.keys(SETTINGS),
      ...Object.values(ORG_SETTINGS).flatMap((s) => (s.context ? [s.context] : [])),
      ...Object.keys(DEPLOY_SETTINGS),
    ];

    expect([...CONTEXT_KEYS].sort()).toEqual([...new Set(declared)].sort());
    expect(new Set(CONTEXT_KEYS).size).toBe(CONTEXT_KEYS.length);
  });

  it('says what each non-policy context key allows, from its row', () => {
    for (const [key, declared] of Object.entries(DEPLOY_SETTINGS)) {
      expect(CONTEXT_SETTINGS[key]?.allowed).toBe(declared.allowed);
    }
    expect(CONTEXT_SETTINGS.memberRoleName?.allowed).toBe(ORG_SETTINGS.memberRoleName.allowed);
  });

  it('refuses a callAs other than the two, instead of reading it as SELF', () => {
    const callAs = (value: unknown) => parseSetting(DEPLOY_SETTINGS.callAs, 'context', value);

    expect(callAs(undefined)).toBe('SELF');
    expect(callAs('DELEGATED_ADMIN')).toBe('DELEGATED_ADMIN');
    expect(() => callAs('delegated')).toThrow(
      'callAs="delegated" is not allowed: expected SELF (the management account) or DELEGATED_ADMIN',
    );
  });

  it('checks the organization’s ids by the one set of patterns', () => {
    const prop = <K extends 'organizationId' | 'memberTargets'>(key: K, value: unknown) =>
      parseSetting(DEPLOY_SETTINGS[key], 'prop', value);

    expect(prop('organizationId', 'o-a1b2c3d4e5')).toBe('o-a1b2c3d4e5');
    expect(() => prop('organizationId', 'acme')).toThrow(ConfigError);
    expect(prop('memberTargets', 'r-ab12,ou-ab12-abcdefgh')).toEqual([
      'r-ab12',
      'ou-ab12-abcdefgh',
    ]);
    expect(() => prop('memberTargets', [])).toThrow(/^memberTargets=\[\] is not allowed/);
    expect(() =>
      parseSetting(ORG_SETTINGS.includeAccounts, 'prop', ['111111111111', 'prod']),
    ).toThrow(/^includeAccounts="prod" is not allowed: expected 12-digit account ids/);
  });
});
