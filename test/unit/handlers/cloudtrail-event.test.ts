import { describe, expect, it } from 'vitest';
import {
  type EventPolicy,
  REALTIME_EVENT_NAMES,
  readIamEvent,
} from '../../../lambda/handlers/cloudtrail-event';
import { type CallSpec, cloudTrailEvent } from '../../../tools/emulator/cloudtrail-events';
import { ACCOUNT_ID } from '../fixtures';

const EXEMPT = 'signing-cert-audit:exempt';
const MAX_AGE = 'signing-cert-audit:max-age-days';
/** The single-account function's policy: its two tag keys, and its own account only. */
const POLICY: EventPolicy = { tagKeys: [EXEMPT, MAX_AGE], accountId: ACCOUNT_ID };
const WHEN = new Date('2026-11-23T05:59:30Z');

/** alice's certificate uploaded by an administrator's role: the event every refusal below alters. */
const upload = (spec: Partial<CallSpec> = {}) =>
  cloudTrailEvent({
    eventName: 'UploadSigningCertificate',
    requestParameters: { userName: 'alice', certificateBody: '-----BEGIN CERTIFICATE-----…' },
    eventTime: WHEN,
    ...spec,
  });

/** The event with its CloudTrail record changed by `change`. */
function withDetail(
  event: Record<string, unknown>,
  change: (detail: Record<string, unknown>) => void,
): Record<string, unknown> {
  const copy = structuredClone(event);
  change(copy.detail as Record<string, unknown>);
  return copy;
}

/** The reason of a refusal; fails the test when the event was taken. */
function refusal(raw: unknown, policy: EventPolicy = POLICY): string {
  const read = readIamEvent(raw, policy);
  if (read.ok) throw new Error(`expected a refusal, got ${JSON.stringify(read.event)}`);
  return read.reason;
}

/** The event taken; fails the test with the reason when it was refused. */
function taken(raw: unknown, policy: EventPolicy = POLICY) {
  const read = readIamEvent(raw, policy);
  if (!read.ok) throw new Error(`expected the event taken, got: ${read.reason}`);
  return read.event;
}

describe('readIamEvent: what it refuses, and why', () => {
  it('takes the event the refusals below alter (the control of each)', () => {
    const event = upload();
    const detail = event.detail as Record<string, unknown>;

    expect(readIamEvent(event, POLICY)).toEqual({
      ok: true,
      event: {
        accountId: ACCOUNT_ID,
        userName: 'alice',
        root: false,
        eventName: 'UploadSigningCertificate',
        eventId: detail.eventID,
        eventTime: '2026-11-23T05:59:30Z',
      },
    });
  });

  it.each([
    ['a string', 'not an event', /^the event is "not an event", not a JSON object$/],
    ['null', null, /^the event is null, not a JSON object$/],
    ['an array', [upload()], /^the event is an array, not a JSON object$/],
    ['a number', 42, /^the event is 42, not a JSON object$/],
    ['missing', undefined, /^the event is missing, not a JSON object$/],
  ])('refuses an event that is %s', (_what, raw, reason) => {
    expect(refusal(raw)).toMatch(reason);
  });

  it('refuses another detail-type, naming it and the one taken', () => {
    expect(refusal({ ...upload(), 'detail-type': 'Scheduled Event' })).toBe(
      '"detail-type" is "Scheduled Event": only "AWS API Call via CloudTrail" events are taken',
    );
    const { 'detail-type': _, ...without } = upload();
    expect(refusal(without)).toMatch(/^"detail-type" is missing: only /);
  });

  it('refuses another source', () => {
    expect(refusal({ ...upload(), source: 'aws.s3' })).toBe(
      '"source" is "aws.s3": only "aws.iam" events are taken',
    );
  });

  it('refuses an event whose detail is no CloudTrail record', () => {
    expect(refusal({ ...upload(), detail: 'x' })).toBe('"detail" is "x", not a CloudTrail record');
    expect(refusal({ ...upload(), detail: null })).toBe(
      '"detail" is null, not a CloudTrail record',
    );
  });

  it('refuses a call recorded for another service', () => {
    expect(refusal(upload({ eventSource: 's3.amazonaws.com' }))).toBe(
      '"detail.eventSource" is "s3.amazonaws.com": only "iam.amazonaws.com" calls are taken',
    );
  });

  it.each([
    'CreateUser',
    'DeleteSigningCertificate',
    'DeleteSSHPublicKey',
    'uploadsigningcertificate',
  ])('refuses %s, a call that cannot change what an audit finds, listing those taken', (name) => {
    expect(refusal(upload({ eventName: name }))).toBe(
      `"detail.eventName" is "${name}", which cannot change what an audit finds: taken are ${REALTIME_EVENT_NAMES.join(', ')}`,
    );
  });

  it('refuses a call that failed (an errorCode), and takes one whose errorCode is null', () => {
    expect(refusal(upload({ errorCode: 'AccessDenied' }))).toBe(
      'UploadSigningCertificate failed (errorCode "AccessDenied"): a failed call changed nothing',
    );
    // CloudTrail's records of successful calls may carry the field as null: not a failure.
    const nullCode = withDetail(upload(), (detail) => {
      detail.errorCode = null;
    });
    expect(taken(nullCode).userName).toBe('alice');
  });

  it('refuses an event that names no 12-digit account, and reads the record’s when the envelope has none', () => {
    const noAccount = withDetail({ ...upload(), account: undefined }, (detail) => {
      delete detail.recipientAccountId;
    });
    expect(refusal(noAccount)).toBe(
      'the event names no 12-digit account ("account" or "detail.recipientAccountId")',
    );
    const badAccount = withDetail({ ...upload(), account: '1234' }, (detail) => {
      detail.recipientAccountId = 'abc';
    });
    expect(refusal(badAccount)).toMatch(/^the event names no 12-digit account/);
    // Control: the recipient account alone is enough.
    expect(taken({ ...upload(), account: undefined }).accountId).toBe(ACCOUNT_ID);
  });

  it("refuses an event about another account than the policy's; the organization's policy takes it", () => {
    const other = upload({ accountId: '210987654321' });

    expect(refusal(other)).toBe(
      `the event is about account 210987654321, and this function audits account ${ACCOUNT_ID}`,
    );
    expect(taken(other, { tagKeys: POLICY.tagKeys }).accountId).toBe('210987654321');
  });

  it.each(['UpdateSigningCertificate', 'UpdateSSHPublicKey', 'UpdateServiceSpecificCredential'])(
    'refuses %s setting the status Inactive, or none, and takes it setting Active',
    (name) => {
      const update = (status?: string) =>
        upload({
          eventName: name,
          requestParameters: { userName: 'alice', ...(status ? { status } : {}) },
        });

      expect(refusal(update('Inactive'))).toBe(
        `${name} set the status "Inactive": only a credential set Active is audited (one switched off leaves nothing to audit)`,
      );
      expect(refusal(update())).toMatch(new RegExp(`^${name} set the status missing: only`));
      expect(refusal(update('active'))).toMatch(/set the status "active"/);
      expect(taken(update('Active')).eventName).toBe(name);
    },
  );

  it('refuses TagUser and UntagUser touching neither watched key, naming both', () => {
    const tag = upload({
      eventName: 'TagUser',
      requestParameters: { userName: 'alice', tags: [{ key: 'team', value: 'x' }] },
    });
    const untag = upload({
      eventName: 'UntagUser',
      requestParameters: { userName: 'alice', tagKeys: ['team', 'cost-centre'] },
    });
    const noTags = upload({ eventName: 'TagUser', requestParameters: { userName: 'alice' } });

    expect(refusal(tag)).toBe(
      `TagUser touched neither ${EXEMPT} nor ${MAX_AGE}: other tags change nothing an audit finds`,
    );
    expect(refusal(untag)).toMatch(/^UntagUser touched neither /);
    expect(refusal(noTags)).toMatch(/^TagUser touched neither /);
    // TagUser's keys are read from `tags`, UntagUser's from `tagKeys`: each from its own field.
    const crossed = upload({
      eventName: 'UntagUser',
      requestParameters: { userName: 'alice', tags: [{ key: EXEMPT, value: 'true' }] },
    });
    expect(refusal(crossed)).toMatch(/^UntagUser touched neither /);
  });

  it.each([
    ['a path', 'eng/alice'],
    ['a wildcard', 'bob*'],
    ['the empty name', ''],
    ['65 characters', 'a'.repeat(65)],
    ['a number', 42],
    ['an object', { name: 'alice' }],
  ])('refuses a userName that is not an IAM name (%s)', (_what, userName) => {
    expect(refusal(upload({ requestParameters: { userName } }))).toMatch(
      /^"detail\.requestParameters\.userName" is .*, not an IAM user name \(1 to 64 of letters, digits and \+=,\.@_-\)$/,
    );
  });

  it('refuses a call that names no user from an assumed role, and from an IAM user with a bad name', () => {
    const byRole = upload({
      requestParameters: { certificateBody: '…' },
      caller: { type: 'AssumedRole', roleName: 'Admin' },
    });

    expect(refusal(byRole)).toBe(
      'UploadSigningCertificate names no user ("detail.requestParameters.userName"), and its caller is "AssumedRole", not an IAM user or the root user',
    );
    const byOddUser = upload({
      requestParameters: null,
      caller: { type: 'IAMUser', userName: 'not/a/name' },
    });
    expect(refusal(byOddUser)).toMatch(/its caller is "IAMUser", not an IAM user or the root user/);
  });
});

describe('readIamEvent: what it takes', () => {
  it('takes requestParameters.userName before the caller’s own name', () => {
    const event = taken(
      upload({
        requestParameters: { userName: 'alice' },
        caller: { type: 'IAMUser', userName: 'bob' },
      }),
    );

    expect(event).toMatchObject({ userName: 'alice', root: false });
  });

  it("takes an IAM user's call that names no user as about its own credentials", () => {
    const event = taken(
      upload({
        requestParameters: { certificateBody: '…' },
        caller: { type: 'IAMUser', userName: 'bob' },
      }),
    );

    expect(event).toMatchObject({ userName: 'bob', root: false, accountId: ACCOUNT_ID });
  });

  it("takes the root user's call that names no user as the root user's, with no user name", () => {
    const event = taken(upload({ requestParameters: null, caller: { type: 'Root' } }));

    expect(event.root).toBe(true);
    expect('userName' in event).toBe(false);
    // Control: the root user's call naming a user is about that user.
    expect(taken(upload({ caller: { type: 'Root' } }))).toMatchObject({
      userName: 'alice',
      root: false,
    });
  });

  it('compares tag keys without case, as IAM does', () => {
    const tag = upload({
      eventName: 'TagUser',
      requestParameters: {
        userName: 'alice',
        tags: [
          { key: 'team', value: 'x' },
          { key: EXEMPT.toUpperCase(), value: 'true' },
        ],
      },
    });
    const untag = upload({
      eventName: 'UntagUser',
      requestParameters: { userName: 'alice', tagKeys: ['Signing-Cert-Audit:Max-Age-Days'] },
    });

    expect(taken(tag).eventName).toBe('TagUser');
    expect(taken(untag).eventName).toBe('UntagUser');
    // And the policy's keys in another case too.
    const shouting: EventPolicy = { ...POLICY, tagKeys: [EXEMPT.toUpperCase()] };
    const lower = upload({
      eventName: 'UntagUser',
      requestParameters: { userName: 'alice', tagKeys: [EXEMPT] },
    });
    expect(taken(lower, shouting).eventName).toBe('UntagUser');
  });

  const ACCEPTED: Readonly<Record<(typeof REALTIME_EVENT_NAMES)[number], Record<string, unknown>>> =
    {
      UploadSigningCertificate: { userName: 'alice', certificateBody: '…' },
      UpdateSigningCertificate: { userName: 'alice', certificateId: 'C', status: 'Active' },
      UploadSSHPublicKey: { userName: 'alice', sSHPublicKeyBody: 'ssh-rsa …' },
      UpdateSSHPublicKey: { userName: 'alice', sSHPublicKeyId: 'APKA', status: 'Active' },
      CreateServiceSpecificCredential: {
        userName: 'alice',
        serviceName: 'codecommit.amazonaws.com',
      },
      UpdateServiceSpecificCredential: {
        userName: 'alice',
        serviceSpecificCredentialId: 'ACCA',
        status: 'Active',
      },
      ResetServiceSpecificCredential: { userName: 'alice', serviceSpecificCredentialId: 'ACCA' },
      TagUser: { userName: 'alice', tags: [{ key: EXEMPT, value: 'true' }] },
      UntagUser: { userName: 'alice', tagKeys: [MAX_AGE] },
    };

  it('has an accepted form below for every name it takes', () => {
    expect(Object.keys(ACCEPTED).sort()).toEqual([...REALTIME_EVENT_NAMES].sort());
  });

  it.each(Object.entries(ACCEPTED))('takes %s in its accepted form', (name, requestParameters) => {
    expect(taken(upload({ eventName: name, requestParameters }))).toMatchObject({
      accountId: ACCOUNT_ID,
      userName: 'alice',
      root: false,
      eventName: name,
    });
  });

  it('echoes a long value truncated, with its length', () => {
    const huge = 'X'.repeat(10_000);

    const reasons = [
      refusal(upload({ eventName: huge })),
      refusal({ ...upload(), 'detail-type': huge }),
      refusal(upload({ errorCode: huge })),
      refusal(upload({ requestParameters: { userName: huge } })),
      refusal(huge),
    ];

    for (const reason of reasons) {
      expect(reason.length).toBeLessThan(400);
      expect(reason).toContain('… (10002 characters)');
    }
    // Control: a short value is echoed whole, without a length.
    expect(refusal(upload({ eventName: 'X'.repeat(58) }))).toContain(`"${'X'.repeat(58)}",`);
    expect(refusal(upload({ eventName: 'X'.repeat(58) }))).not.toContain('characters)');
  });
});
