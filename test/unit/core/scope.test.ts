import { describe, expect, it } from 'vitest';
import {
  ACCOUNT_SCOPE,
  coversAccount,
  coversUser,
  describeScope,
  RunScopeError,
  usersScope,
} from '../../../lambda/core/scope';

describe('usersScope', () => {
  it('names each user once, as first asked, whatever the case (IAM names are unique without it)', () => {
    expect(usersScope(['alice', 'bob', 'Alice', 'bob'])).toEqual({
      kind: 'users',
      userNames: ['alice', 'bob'],
    });
  });

  it.each([
    [[], /names at least one user/],
    [['alice', ''], /"" is not an IAM user name/],
    [['a/b'], /"a\/b" is not an IAM user name/],
    [['x'.repeat(65)], /is not an IAM user name/],
    [['bob*'], /"bob\*" is not an IAM user name/],
  ])('refuses %j', (names, message) => {
    expect(() => usersScope(names)).toThrow(RunScopeError);
    expect(() => usersScope(names)).toThrow(message);
  });
});

describe('coversUser and coversAccount', () => {
  it('the account covers every user and speaks for the account', () => {
    expect(coversUser(ACCOUNT_SCOPE, 'anyone')).toBe(true);
    expect(coversAccount(ACCOUNT_SCOPE)).toBe(true);
  });

  it('a users scope covers its users only, compared as IAM compares names, and never the account', () => {
    const scope = usersScope(['Alice']);

    expect(coversUser(scope, 'alice')).toBe(true);
    expect(coversUser(scope, 'ALICE')).toBe(true);
    expect(coversUser(scope, 'bob')).toBe(false);
    expect(coversUser(scope, '<root>')).toBe(false);
    expect(coversAccount(scope)).toBe(false);
  });
});

describe('describeScope', () => {
  it('says the scope in a few words', () => {
    expect(describeScope(ACCOUNT_SCOPE)).toBe('account');
    expect(describeScope(usersScope(['alice', 'bob']))).toBe('users: alice, bob');
  });
});
