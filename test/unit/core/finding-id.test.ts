import { describe, expect, it } from 'vitest';
import { CREDENTIAL_TYPES } from '../../../lambda/core/credential';
import {
  credentialTypeOfId,
  findingId,
  findingSubject,
  stillUsable,
} from '../../../lambda/core/finding-id';
import { ROOT_USER_NAME } from '../../../lambda/core/report';
import { ACCOUNT_ID, findingOf } from '../fixtures';
import { bedrockKeyFinding, EVERY_KIND, sshKeyFinding } from '../kind-findings';

describe('findingSubject', () => {
  it('keeps a certificate’s subject its id, as every certificate finding has had it', () => {
    expect(findingSubject(findingOf())).toBe('CERTALICE0000000000000001');
  });

  it('names another kind by its kind and id', () => {
    expect(findingSubject(sshKeyFinding())).toBe('ssh-public-key/APKAALICE000000000001');
    expect(findingSubject(bedrockKeyFinding())).toBe(
      'service-specific-credential/ACCAALICE000000000001',
    );
  });

  it('tells apart credentials of different kinds that share an id', () => {
    const id = 'SAMEID00000000000000001';
    const subjects = [
      findingOf({ certificateId: id, credentialId: id }),
      sshKeyFinding({ credentialId: id }),
      bedrockKeyFinding({ credentialId: id }),
    ].map(findingSubject);

    expect(new Set(subjects).size).toBe(3);
  });

  it('names root, and a user whose credentials could not be listed, as before', () => {
    const user = findingOf({ certificateId: null, credentialType: null, credentialId: null });
    const root = findingOf({
      userName: ROOT_USER_NAME,
      certificateId: null,
      credentialType: null,
      credentialId: null,
      verdict: 'ROOT_SIGNING_CERTIFICATE',
    });

    expect(findingSubject(user)).toBe(user.userArn);
    expect(findingSubject(root)).toBe('root');
  });
});

describe('credentialTypeOfId', () => {
  it.each(EVERY_KIND)('reads a %s back from its finding id', (type, findingOfKind) => {
    const id = findingId(ACCOUNT_ID, findingSubject(findingOfKind()), 'age');

    expect(credentialTypeOfId(id, ACCOUNT_ID)).toBe(type);
  });

  it('reads no kind from root’s, a user’s, or another account’s id', () => {
    expect(credentialTypeOfId(findingId(ACCOUNT_ID, 'root', 'root'), ACCOUNT_ID)).toBeNull();
    expect(
      credentialTypeOfId(
        findingId(ACCOUNT_ID, `arn:aws:iam::${ACCOUNT_ID}:user/a/b`, 'engine'),
        ACCOUNT_ID,
      ),
    ).toBeNull();
    expect(credentialTypeOfId(findingId('999999999999', 'CERTX', 'age'), ACCOUNT_ID)).toBeNull();
  });

  it('reads every kind there is (a new kind’s ids are read without a change here)', () => {
    for (const type of CREDENTIAL_TYPES) {
      const subject = type === 'signing-certificate' ? 'X1' : `${type}/X1`;
      expect(credentialTypeOfId(findingId(ACCOUNT_ID, subject, 'age'), ACCOUNT_ID)).toBe(type);
    }
  });
});

describe('stillUsable', () => {
  it.each(EVERY_KIND)('a %s: usable only while Active and not switched off', (_type, of) => {
    expect(stillUsable(of({ status: 'Active' }))).toBe(true);
    expect(stillUsable(of({ status: 'Inactive' }))).toBe(false);
    expect(stillUsable(of({ status: 'Expired' }))).toBe(false);
    for (const action of ['DEACTIVATED', 'DELETED', 'GONE'] as const) {
      expect(stillUsable(of({ status: 'Active', action }))).toBe(false);
    }
    // The control: a change withheld or failed leaves it usable.
    expect(stillUsable(of({ status: 'Active', action: 'WITHHELD' }))).toBe(true);
    expect(stillUsable(of({ status: 'Active', action: 'FAILED' }))).toBe(true);
  });
});
