import {
  CreateAccessKeyCommand,
  CreateServiceSpecificCredentialCommand,
  type CreateServiceSpecificCredentialCommandOutput,
  CreateUserCommand,
  DeleteServiceSpecificCredentialCommand,
  DeleteUserCommand,
  GetSSHPublicKeyCommand,
  IAMClient,
  ListServiceSpecificCredentialsCommand,
  type ListServiceSpecificCredentialsCommandInput,
  ListSSHPublicKeysCommand,
  ResetServiceSpecificCredentialCommand,
  type ServiceSpecificCredentialMetadata,
  UpdateServiceSpecificCredentialCommand,
} from '@aws-sdk/client-iam';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoAccount } from '../../tools/emulator/demo-account';
import { seedDemoAccount, seedDemoCredentials } from '../../tools/emulator/demo-emulator';
import {
  EMULATOR_ENV,
  MOTO_ACCOUNT_ID,
  memberClients,
  seedUserCredentials,
  seedUsers,
} from '../../tools/emulator/emulator';
import { resetMoto, setIamClock } from '../../tools/emulator/moto';
import { type CapturedResponse, captureResponses } from '../../tools/emulator/raw-responses';
import { validateResponses } from '../../tools/emulator/service-model';
import { generateSshPublicKey } from '../../tools/emulator/ssh-keys';
import { endpoint } from './harness';

/**
 * The service-specific credential APIs the launcher adds to moto (moto_service_credentials.py),
 * driven through the AWS SDK for JavaScript v3 as the auditor will drive them, and every answer
 * checked against botocore's own model of IAM (validate_response.py); then SSH public keys and
 * the demo account's credentials, seeded through moto's own SSH key APIs.
 */

const DAY_MS = 86_400_000;
const BEDROCK = 'bedrock.amazonaws.com';
const LOGS = 'logs.amazonaws.com';
const CODECOMMIT = 'codecommit.amazonaws.com';
const KEYSPACES = 'cassandra.amazonaws.com';

/** Every response the test's client received, as it came off the wire. */
const responses: CapturedResponse[] = [];

/** An IAM client that keeps each raw response, and does not retry (an error is seen once). */
function capturingClient(
  credentials: { accessKeyId: string; secretAccessKey: string } = {
    accessKeyId: EMULATOR_ENV.AWS_ACCESS_KEY_ID,
    secretAccessKey: EMULATOR_ENV.AWS_SECRET_ACCESS_KEY,
  },
): IAMClient {
  const client = new IAMClient({
    endpoint,
    region: EMULATOR_ENV.AWS_REGION,
    credentials,
    maxAttempts: 1,
  });
  captureResponses(client, responses);
  return client;
}

const iam = capturingClient();

/** What a refused call threw: the SDK's exception name, IAM's error code, the HTTP status, the message. */
async function refusal(call: Promise<unknown>) {
  try {
    await call;
  } catch (error: unknown) {
    const e = error as {
      name: string;
      Code?: string;
      message: string;
      $metadata?: { httpStatusCode?: number };
    };
    return { name: e.name, code: e.Code, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('the call succeeded');
}

async function createUser(userName: string): Promise<void> {
  await iam.send(new CreateUserCommand({ UserName: userName }));
}

async function create(
  userName: string,
  serviceName: string,
  credentialAgeDays?: number,
): Promise<NonNullable<CreateServiceSpecificCredentialCommandOutput['ServiceSpecificCredential']>> {
  const { ServiceSpecificCredential } = await iam.send(
    new CreateServiceSpecificCredentialCommand({
      UserName: userName,
      ServiceName: serviceName,
      CredentialAgeDays: credentialAgeDays,
    }),
  );
  if (!ServiceSpecificCredential) throw new Error('no credential in the answer');
  return ServiceSpecificCredential;
}

async function list(
  input: ListServiceSpecificCredentialsCommandInput,
): Promise<ServiceSpecificCredentialMetadata[]> {
  const { ServiceSpecificCredentials = [] } = await iam.send(
    new ListServiceSpecificCredentialsCommand(input),
  );
  return ServiceSpecificCredentials;
}

/** The operations the launcher serves; moto's own are not this file's to check (but see SSH keys). */
const SERVED = /^(Create|List|Update|Delete|Reset)ServiceSpecificCredentials?$/;

beforeEach(async () => {
  await resetMoto(endpoint);
  responses.length = 0;
});

afterEach(() => {
  // Every answer the launcher gave in the test, each as botocore's model of IAM describes it.
  const served = responses.filter((response) => SERVED.test(response.operation));
  if (served.length === 0) return;
  const problems = validateResponses('iam', served).flatMap((check) => check.problems);
  expect(problems).toEqual([]);
});

describe('CreateServiceSpecificCredential', () => {
  it('gives an API key an alias, its secret once and an ExpirationDate CredentialAgeDays after CreateDate; none without them', async () => {
    await createUser('alice');
    const before = Date.now();

    const expiring = await create('alice', BEDROCK, 30);
    const lasting = await create('alice', BEDROCK);
    const after = Date.now();

    expect(expiring).toMatchObject({
      UserName: 'alice',
      ServiceName: BEDROCK,
      ServiceCredentialAlias: `alice-at-${MOTO_ACCOUNT_ID}`,
      Status: 'Active',
    });
    expect(expiring.ServiceSpecificCredentialId).toMatch(/^ACCA[A-Z0-9]{17}$/);
    expect(expiring.ServiceCredentialSecret).toMatch(/^ABSK[A-Za-z0-9+/]+=*$/);
    expect(expiring).not.toHaveProperty('ServicePassword');
    expect(expiring).not.toHaveProperty('ServiceUserName');
    const created = expiring.CreateDate?.getTime() ?? 0;
    expect(created).toBeGreaterThanOrEqual(before - 1);
    expect(created).toBeLessThanOrEqual(after + 1);
    expect((expiring.ExpirationDate?.getTime() ?? 0) - created).toBe(30 * DAY_MS);
    // The second credential of a service gets the second name, and never expires.
    expect(lasting.ServiceCredentialAlias).toBe(`alice+1-at-${MOTO_ACCOUNT_ID}`);
    expect(lasting).not.toHaveProperty('ExpirationDate');
    expect(lasting.ServiceSpecificCredentialId).not.toBe(expiring.ServiceSpecificCredentialId);
  });

  it('gives CodeCommit and Keyspaces a service user name and a password, and refuses CredentialAgeDays for them', async () => {
    await createUser('bob');

    const codecommit = await create('bob', CODECOMMIT);
    const keyspaces = await create('bob', KEYSPACES);
    const expiring = await refusal(create('bob', CODECOMMIT, 30));

    for (const [credential, service] of [
      [codecommit, CODECOMMIT],
      [keyspaces, KEYSPACES],
    ] as const) {
      expect(credential).toMatchObject({
        ServiceName: service,
        ServiceUserName: `bob-at-${MOTO_ACCOUNT_ID}`,
        Status: 'Active',
      });
      expect(credential.ServicePassword).toHaveLength(60);
      expect(credential).not.toHaveProperty('ServiceCredentialSecret');
      expect(credential).not.toHaveProperty('ExpirationDate');
    }
    expect(expiring).toMatchObject({ code: 'InvalidInput', status: 400 });
  });

  it('refuses a third credential for one service of one user, whatever their status: LimitExceeded, HTTP 409', async () => {
    await createUser('carol');
    await createUser('dave');
    const first = await create('carol', CODECOMMIT);
    await create('carol', CODECOMMIT);
    await iam.send(
      new UpdateServiceSpecificCredentialCommand({
        UserName: 'carol',
        ServiceSpecificCredentialId: first.ServiceSpecificCredentialId,
        Status: 'Inactive',
      }),
    );

    const third = await refusal(create('carol', CODECOMMIT));

    expect(third).toEqual({
      name: 'LimitExceededException',
      code: 'LimitExceeded',
      status: 409,
      message: 'Cannot exceed quota for ContextSpecificCredentialsPerUserPerContext: 2',
    });
    // The quota is per service and per user; a deletion frees a place.
    await expect(create('carol', BEDROCK)).resolves.toBeDefined();
    await expect(create('dave', CODECOMMIT)).resolves.toBeDefined();
    await iam.send(
      new DeleteServiceSpecificCredentialCommand({
        UserName: 'carol',
        ServiceSpecificCredentialId: first.ServiceSpecificCredentialId,
      }),
    );
    await expect(create('carol', CODECOMMIT)).resolves.toBeDefined();
  });

  it('refuses a missing user (NoSuchEntity, 404), another service (NotSupportedService, 404) and an age outside 1-36600 (ValidationError)', async () => {
    await createUser('erin');

    expect(await refusal(create('nobody', BEDROCK))).toEqual({
      name: 'NoSuchEntityException',
      code: 'NoSuchEntity',
      status: 404,
      message: 'The user with name nobody cannot be found.',
    });
    expect(await refusal(create('erin', 'sqs.amazonaws.com'))).toMatchObject({
      name: 'ServiceNotSupportedException',
      code: 'NotSupportedService',
      status: 404,
    });
    for (const age of [0, 36_601]) {
      expect(await refusal(create('erin', LOGS, age))).toMatchObject({
        code: 'ValidationError',
        status: 400,
      });
    }
    const longest = await create('erin', LOGS, 36_600);
    expect((longest.ExpirationDate?.getTime() ?? 0) - (longest.CreateDate?.getTime() ?? 0)).toBe(
      36_600 * DAY_MS,
    );
  });
});

describe('ListServiceSpecificCredentials', () => {
  /** Three users' credentials over three services, created in this order. */
  async function seedThree(): Promise<string[]> {
    for (const user of ['u1', 'u2', 'u3']) await createUser(user);
    const ids: string[] = [];
    for (const [user, service] of [
      ['u1', BEDROCK],
      ['u2', CODECOMMIT],
      ['u2', BEDROCK],
      ['u3', BEDROCK],
      ['u1', LOGS],
      ['u3', BEDROCK],
      ['u1', BEDROCK],
    ] as const) {
      ids.push((await create(user, service)).ServiceSpecificCredentialId ?? '');
    }
    return ids;
  }

  it('never shows a secret: metadata only', async () => {
    await createUser('frank');
    const key = await create('frank', BEDROCK, 7);
    const password = await create('frank', CODECOMMIT);

    const listed = await list({ UserName: 'frank' });

    expect(listed).toEqual([
      {
        UserName: 'frank',
        Status: 'Active',
        ServiceCredentialAlias: `frank-at-${MOTO_ACCOUNT_ID}`,
        CreateDate: key.CreateDate,
        ExpirationDate: key.ExpirationDate,
        ServiceSpecificCredentialId: key.ServiceSpecificCredentialId,
        ServiceName: BEDROCK,
      },
      {
        UserName: 'frank',
        Status: 'Active',
        ServiceUserName: `frank-at-${MOTO_ACCOUNT_ID}`,
        CreateDate: password.CreateDate,
        ServiceSpecificCredentialId: password.ServiceSpecificCredentialId,
        ServiceName: CODECOMMIT,
      },
    ]);
    const raw = responses.find((r) => r.operation === 'ListServiceSpecificCredentials')?.body;
    expect(raw).toBeDefined();
    for (const secret of [key.ServiceCredentialSecret, password.ServicePassword]) {
      expect(raw).not.toContain(secret);
    }
  });

  it('lists a service across the whole account with AllUsers, in pages of MaxItems joined by Marker', async () => {
    const ids = await seedThree();
    const bedrock = [ids[0], ids[2], ids[3], ids[5], ids[6]];

    const pages: { ids: (string | undefined)[]; truncated?: boolean; marker?: string }[] = [];
    let marker: string | undefined;
    do {
      const page = await iam.send(
        new ListServiceSpecificCredentialsCommand({
          AllUsers: true,
          ServiceName: BEDROCK,
          MaxItems: 2,
          Marker: marker,
        }),
      );
      pages.push({
        ids: (page.ServiceSpecificCredentials ?? []).map((c) => c.ServiceSpecificCredentialId),
        truncated: page.IsTruncated,
        marker: page.Marker,
      });
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker !== undefined && pages.length < 10);

    expect(pages.map((page) => page.ids)).toEqual([
      bedrock.slice(0, 2),
      bedrock.slice(2, 4),
      bedrock.slice(4),
    ]);
    expect(pages.map((page) => page.truncated)).toEqual([true, true, false]);
    expect(pages[0]?.marker).toEqual(expect.any(String));
    expect(pages[2]?.marker).toBeUndefined();
    // Without a ServiceName, AllUsers lists every service; without MaxItems, up to 100 at once.
    const all = await iam.send(new ListServiceSpecificCredentialsCommand({ AllUsers: true }));
    expect(all.ServiceSpecificCredentials?.map((c) => c.ServiceSpecificCredentialId)).toEqual(ids);
    expect(all.IsTruncated).toBe(false);
  });

  it('lists one user, of one service or all, and pages that too', async () => {
    const ids = await seedThree();

    const u1 = await list({ UserName: 'u1' });
    const u1Bedrock = await list({ UserName: 'u1', ServiceName: BEDROCK });
    const first = await iam.send(
      new ListServiceSpecificCredentialsCommand({ UserName: 'u1', MaxItems: 1 }),
    );

    expect(u1.map((c) => c.ServiceSpecificCredentialId)).toEqual([ids[0], ids[4], ids[6]]);
    expect(u1Bedrock.map((c) => c.ServiceSpecificCredentialId)).toEqual([ids[0], ids[6]]);
    expect(first).toMatchObject({ IsTruncated: true, Marker: expect.any(String) });
    expect(first.ServiceSpecificCredentials?.map((c) => c.ServiceSpecificCredentialId)).toEqual([
      ids[0],
    ]);
  });

  it('acts on the calling IAM user without UserName, and refuses a caller that is no IAM user', async () => {
    await createUser('grace');
    const key = await create('grace', BEDROCK);
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'grace' }));
    const asGrace = capturingClient({
      accessKeyId: AccessKey?.AccessKeyId ?? '',
      secretAccessKey: AccessKey?.SecretAccessKey ?? '',
    });

    const own = await asGrace.send(new ListServiceSpecificCredentialsCommand({}));
    const notAUser = await refusal(iam.send(new ListServiceSpecificCredentialsCommand({})));

    expect(own.ServiceSpecificCredentials?.map((c) => c.ServiceSpecificCredentialId)).toEqual([
      key.ServiceSpecificCredentialId,
    ]);
    expect(notAUser).toMatchObject({
      code: 'ValidationError',
      status: 400,
      message: 'Must specify userName when calling with non-User credentials',
    });
  });

  it('refuses AllUsers with a UserName, another service, a MaxItems outside 1-1000 and a Marker it never gave', async () => {
    await createUser('heidi');

    expect(await refusal(list({ AllUsers: true, UserName: 'heidi' }))).toMatchObject({
      code: 'InvalidInput',
      status: 400,
      message: 'Cannot list credentials for all users if a username is given',
    });
    expect(await refusal(list({ AllUsers: true, ServiceName: 'sqs.amazonaws.com' }))).toMatchObject(
      { code: 'NotSupportedService', status: 404 },
    );
    expect(await refusal(list({ UserName: 'nobody' }))).toMatchObject({
      code: 'NoSuchEntity',
      status: 404,
    });
    for (const maxItems of [0, 1001]) {
      expect(await refusal(list({ AllUsers: true, MaxItems: maxItems }))).toMatchObject({
        code: 'ValidationError',
        status: 400,
      });
    }
    expect(await refusal(list({ AllUsers: true, Marker: 'not-a-marker' }))).toMatchObject({
      code: 'InvalidInput',
      status: 400,
    });
  });

  it("keeps each account's credentials apart", async () => {
    await createUser('ivan');
    const own = await create('ivan', BEDROCK);
    const member = await memberClients(endpoint, '111111111111');
    await member.iam.send(new CreateUserCommand({ UserName: 'ivan' }));
    const { ServiceSpecificCredential: theirs } = await member.iam.send(
      new CreateServiceSpecificCredentialCommand({ UserName: 'ivan', ServiceName: BEDROCK }),
    );

    const here = await list({ AllUsers: true });
    const there = await member.iam.send(
      new ListServiceSpecificCredentialsCommand({ AllUsers: true }),
    );

    expect(here.map((c) => c.ServiceSpecificCredentialId)).toEqual([
      own.ServiceSpecificCredentialId,
    ]);
    expect(there.ServiceSpecificCredentials?.map((c) => c.ServiceSpecificCredentialId)).toEqual([
      theirs?.ServiceSpecificCredentialId,
    ]);
    expect(theirs?.ServiceCredentialAlias).toBe('ivan-at-111111111111');
  });
});

describe('UpdateServiceSpecificCredential, ResetServiceSpecificCredential, DeleteServiceSpecificCredential', () => {
  it('switches a credential Inactive and Active again, and refuses Expired: that status follows the ExpirationDate', async () => {
    await createUser('judy');
    const { ServiceSpecificCredentialId: id } = await create('judy', BEDROCK, 30);
    const update = (status: 'Active' | 'Inactive' | 'Expired') =>
      iam.send(
        new UpdateServiceSpecificCredentialCommand({
          UserName: 'judy',
          ServiceSpecificCredentialId: id,
          Status: status,
        }),
      );

    await update('Inactive');
    const inactive = await list({ UserName: 'judy' });
    await update('Active');
    const active = await list({ UserName: 'judy' });
    const expired = await refusal(update('Expired'));

    expect(inactive.map((c) => c.Status)).toEqual(['Inactive']);
    expect(active.map((c) => c.Status)).toEqual(['Active']);
    expect(expired).toMatchObject({
      code: 'InvalidInput',
      status: 400,
      message: 'Operation does not support status Expired',
    });
  });

  it('resets the secret: a new one, once, with the same id, status, CreateDate and ExpirationDate', async () => {
    await createUser('mallory');
    const key = await create('mallory', LOGS, 90);
    const password = await create('mallory', KEYSPACES);
    await iam.send(
      new UpdateServiceSpecificCredentialCommand({
        UserName: 'mallory',
        ServiceSpecificCredentialId: password.ServiceSpecificCredentialId,
        Status: 'Inactive',
      }),
    );
    const reset = async (id: string | undefined) =>
      (
        await iam.send(
          new ResetServiceSpecificCredentialCommand({
            UserName: 'mallory',
            ServiceSpecificCredentialId: id,
          }),
        )
      ).ServiceSpecificCredential;

    const newKey = await reset(key.ServiceSpecificCredentialId);
    const newPassword = await reset(password.ServiceSpecificCredentialId);

    const { ServiceCredentialSecret: oldSecret, ...keyFacts } = key;
    expect(newKey).toEqual({ ...keyFacts, ServiceCredentialSecret: expect.any(String) });
    expect(newKey?.ServiceCredentialSecret).not.toBe(oldSecret);
    const { ServicePassword: oldPassword, ...passwordFacts } = password;
    expect(newPassword).toEqual({
      ...passwordFacts,
      Status: 'Inactive',
      ServicePassword: expect.any(String),
    });
    expect(newPassword?.ServicePassword).not.toBe(oldPassword);
  });

  it('deletes for good, and until then the user cannot be deleted (DeleteConflict)', async () => {
    await createUser('niaj');
    const { ServiceSpecificCredentialId: id } = await create('niaj', CODECOMMIT);
    const target = { UserName: 'niaj', ServiceSpecificCredentialId: id };

    const userFirst = await refusal(iam.send(new DeleteUserCommand({ UserName: 'niaj' })));
    await iam.send(new DeleteServiceSpecificCredentialCommand(target));
    const gone = await list({ UserName: 'niaj' });
    const again = [
      await refusal(iam.send(new DeleteServiceSpecificCredentialCommand(target))),
      await refusal(iam.send(new ResetServiceSpecificCredentialCommand(target))),
      await refusal(
        iam.send(new UpdateServiceSpecificCredentialCommand({ ...target, Status: 'Active' })),
      ),
    ];

    expect(userFirst).toMatchObject({ code: 'DeleteConflict', status: 409 });
    expect(gone).toEqual([]);
    expect(again).toEqual(
      Array(3).fill({
        name: 'NoSuchEntityException',
        code: 'NoSuchEntity',
        status: 404,
        message: `No such credential ${id} exists`,
      }),
    );
    await expect(iam.send(new DeleteUserCommand({ UserName: 'niaj' }))).resolves.toBeDefined();
  });

  it("answers NoSuchEntity for a credential the named user does not hold, and changes nothing of its owner's", async () => {
    await createUser('olivia');
    await createUser('peggy');
    const { ServiceSpecificCredentialId: id } = await create('olivia', BEDROCK);

    const elsewhere = await refusal(
      iam.send(
        new DeleteServiceSpecificCredentialCommand({
          UserName: 'peggy',
          ServiceSpecificCredentialId: id,
        }),
      ),
    );

    expect(elsewhere).toMatchObject({ code: 'NoSuchEntity', status: 404 });
    expect((await list({ UserName: 'olivia' })).map((c) => c.ServiceSpecificCredentialId)).toEqual([
      id,
    ]);
  });
});

describe('the IAM clock and the reset', () => {
  it('backdates CreateDate by the shifted IAM clock, to the millisecond, and an expiry that has passed reads Expired', async () => {
    await seedUsers(iam, endpoint, [{ userName: 'rupert' }]);
    const before = Date.now();

    const seeded = await seedUserCredentials(iam, endpoint, [
      {
        userName: 'rupert',
        serviceCredentials: [
          { serviceName: BEDROCK, ageDays: 90.5, credentialAgeDays: 30 },
          { serviceName: CODECOMMIT, ageDays: 400, status: 'Inactive' },
        ],
      },
    ]);
    const after = Date.now();
    const listed = await list({ UserName: 'rupert' });

    expect(listed.map((c) => c.ServiceSpecificCredentialId)).toEqual(
      seeded.serviceCredentials.map((c) => c.serviceSpecificCredentialId),
    );
    const [key, password] = listed;
    const created = key?.CreateDate?.getTime() ?? 0;
    expect(created).toBeGreaterThanOrEqual(before - 90.5 * DAY_MS - 1);
    expect(created).toBeLessThanOrEqual(after - 90.5 * DAY_MS + 1);
    expect((key?.ExpirationDate?.getTime() ?? 0) - created).toBe(30 * DAY_MS);
    // Expired 60.5 days ago: the status reads Expired.
    expect(key?.Status).toBe('Expired');
    expect(password?.Status).toBe('Inactive');
    expect(Date.now() - (password?.CreateDate?.getTime() ?? 0)).toBeGreaterThan(399 * DAY_MS);
  });

  it('reads Expired against the same clock: a key created now that expires in a day is Active until then', async () => {
    await createUser('sybil');
    await create('sybil', BEDROCK, 1);

    const today = await list({ UserName: 'sybil' });
    await setIamClock(endpoint, -2); // two days ahead
    const later = await list({ UserName: 'sybil' });
    await setIamClock(endpoint, 0);

    expect(today.map((c) => c.Status)).toEqual(['Active']);
    expect(later.map((c) => c.Status)).toEqual(['Expired']);
  });

  it("clears every account's credentials with POST /moto-api/reset, like everything else in moto", async () => {
    await createUser('trent');
    await create('trent', BEDROCK);

    await resetMoto(endpoint);
    await createUser('trent');

    expect(await list({ AllUsers: true })).toEqual([]);
    await expect(create('trent', BEDROCK)).resolves.toMatchObject({
      ServiceCredentialAlias: `trent-at-${MOTO_ACCOUNT_ID}`,
    });
  });
});

describe("the answers, against botocore's model of IAM", () => {
  it('gives every error the code and HTTP status the model gives it', async () => {
    await createUser('uma');
    await create('uma', CODECOMMIT);
    await create('uma', CODECOMMIT);
    await refusal(create('uma', CODECOMMIT));
    await refusal(create('nobody', BEDROCK));
    await refusal(create('uma', 'sqs.amazonaws.com'));
    await refusal(list({ AllUsers: true, UserName: 'uma' }));

    const errors = validateResponses(
      'iam',
      responses.filter((r) => r.operation === 'CreateServiceSpecificCredential' && r.status >= 300),
    );
    const listError = validateResponses(
      'iam',
      responses.filter((r) => r.operation === 'ListServiceSpecificCredentials'),
    );

    expect(errors.map((check) => check.error)).toEqual([
      expect.objectContaining({
        code: 'LimitExceeded',
        status: 409,
        operationError: true,
        modeledStatus: 409,
      }),
      expect.objectContaining({
        code: 'NoSuchEntity',
        status: 404,
        operationError: true,
        modeledStatus: 404,
      }),
      expect.objectContaining({
        code: 'NotSupportedService',
        status: 404,
        operationError: true,
        modeledStatus: 404,
      }),
    ]);
    // InvalidInput is IAM's general error (InvalidInputException, 400), not in this operation's list.
    expect(listError.map((check) => check.error)).toEqual([
      expect.objectContaining({
        code: 'InvalidInput',
        status: 400,
        operationError: false,
        modeledStatus: 400,
      }),
    ]);
  });

  it('can fail: a missing required member, a status outside the enum, an id outside its pattern, a member no SDK reads, a wrong error status', async () => {
    await createUser('victor');
    await create('victor', BEDROCK, 5);
    await list({ UserName: 'victor' });
    await refusal(create('victor', 'sqs.amazonaws.com'));
    const created = responses.find(
      (r) => r.operation === 'CreateServiceSpecificCredential' && r.status === 200,
    );
    const listed = responses.find((r) => r.operation === 'ListServiceSpecificCredentials');
    const refused = responses.find(
      (r) => r.operation === 'CreateServiceSpecificCredential' && r.status === 404,
    );
    if (!created || !listed || !refused) throw new Error('the responses were not captured');
    const planted = (response: CapturedResponse, from: RegExp, to: string) => {
      expect(response.body).toMatch(from);
      return { ...response, body: response.body.replace(from, to) };
    };

    const listProblems = validateResponses('iam', [
      listed,
      planted(listed, /<ServiceName>[^<]*<\/ServiceName>/, ''),
      planted(listed, /<Status>Active<\/Status>/, '<Status>Disabled</Status>'),
      planted(listed, /<ServiceSpecificCredentialId>ACCA/, '<ServiceSpecificCredentialId>ACCA-'),
      planted(listed, /<IsTruncated>false<\/IsTruncated>/, '<IsTruncated>true</IsTruncated>'),
    ]).map((check) => check.problems);
    const createProblems = validateResponses('iam', [
      created,
      planted(
        created,
        /<ServiceCredentialSecret>([^<]*)<\/ServiceCredentialSecret>/,
        '<ServiceApiKeyValue>$1</ServiceApiKeyValue>',
      ),
      planted(created, /<CreateDate>[^<]*<\/CreateDate>/, ''),
      { ...refused, status: 400 },
    ]).map((check) => check.problems);

    const item = 'ListServiceSpecificCredentials.ServiceSpecificCredentials[0]';
    expect(listProblems).toEqual([
      [],
      [`${item}.ServiceName: required by ServiceSpecificCredentialMetadata, missing`],
      [`${item}.Status: "Disabled" is not one of Active, Inactive, Expired`],
      [
        expect.stringMatching(
          /^.+\.ServiceSpecificCredentialId: "ACCA-\w+" does not match \[\\w\]\+$/,
        ),
      ],
      ['ListServiceSpecificCredentials.Marker: IsTruncated is true but there is no Marker'],
    ]);
    expect(createProblems).toEqual([
      [],
      [
        'CreateServiceSpecificCredential.ServiceSpecificCredential.ServiceApiKeyValue: not a member of ServiceSpecificCredential',
      ],
      [
        'CreateServiceSpecificCredential.ServiceSpecificCredential.CreateDate: required by ServiceSpecificCredential, missing',
      ],
      ['NotSupportedService: HTTP 400, the model gives HTTP 404'],
    ]);
  });
});

describe('SSH public keys, seeded through moto’s UploadSSHPublicKey', () => {
  it('lists them with their backdated UploadDate and status, and GetSSHPublicKey returns each body as uploaded', async () => {
    await seedUsers(iam, endpoint, [{ userName: 'walter' }]);
    const pem = generateSshPublicKey({ encoding: 'pem' });
    const before = Date.now();

    const { sshPublicKeys: seeded } = await seedUserCredentials(iam, endpoint, [
      {
        userName: 'walter',
        sshPublicKeys: [{ ageDays: 400 }, { ageDays: 30, status: 'Inactive', body: pem }],
      },
    ]);
    const after = Date.now();
    const { SSHPublicKeys = [] } = await iam.send(
      new ListSSHPublicKeysCommand({ UserName: 'walter' }),
    );
    const bodies = await Promise.all(
      seeded.map(async (key) => {
        const { SSHPublicKey } = await iam.send(
          new GetSSHPublicKeyCommand({
            UserName: 'walter',
            SSHPublicKeyId: key.sshPublicKeyId,
            Encoding: 'SSH',
          }),
        );
        return SSHPublicKey;
      }),
    );

    expect(SSHPublicKeys.map((k) => [k.SSHPublicKeyId, k.Status])).toEqual([
      [seeded[0]?.sshPublicKeyId, 'Active'],
      [seeded[1]?.sshPublicKeyId, 'Inactive'],
    ]);
    const uploaded = SSHPublicKeys[0]?.UploadDate?.getTime() ?? 0;
    expect(uploaded).toBeGreaterThanOrEqual(before - 400 * DAY_MS - 1);
    expect(uploaded).toBeLessThanOrEqual(after - 400 * DAY_MS + 1);
    expect(seeded[0]?.body).toMatch(/^ssh-rsa AAAAB3NzaC1yc2E/);
    expect(bodies.map((key) => key?.SSHPublicKeyBody)).toEqual([seeded[0]?.body, pem]);
    expect(bodies.map((key) => key?.Status)).toEqual(['Active', 'Inactive']);
  });

  it("answers as botocore's model says, but for moto's Fingerprint (the MD5 of the body text, 32 characters; the model: 48)", async () => {
    await seedUsers(iam, endpoint, [{ userName: 'xavier' }]);
    const { sshPublicKeys: [key] = [] } = await seedUserCredentials(iam, endpoint, [
      { userName: 'xavier', sshPublicKeys: [{ ageDays: 1 }] },
    ]);
    await iam.send(new ListSSHPublicKeysCommand({ UserName: 'xavier' }));
    await iam.send(
      new GetSSHPublicKeyCommand({
        UserName: 'xavier',
        SSHPublicKeyId: key?.sshPublicKeyId,
        Encoding: 'SSH',
      }),
    );
    const problems = (operation: string) =>
      validateResponses(
        'iam',
        responses.filter((r) => r.operation === operation),
      ).map((check) => check.problems);

    expect(problems('ListSSHPublicKeys')).toEqual([[]]);
    // A known difference of moto's, kept visible: code that compares fingerprints must not rely on moto's.
    expect(problems('GetSSHPublicKey')).toEqual([
      ['GetSSHPublicKey.SSHPublicKey.Fingerprint: length 32, less than the minimum of 48'],
    ]);
  });
});

describe('the demo account', () => {
  it('holds SSH public keys and service-specific credentials beside its certificates, among them a Bedrock API key that never expires', async () => {
    const users = demoAccount();
    await seedDemoAccount(endpoint, iam, users);

    const seeded = await seedDemoCredentials(endpoint, iam);
    const bedrock = await list({ AllUsers: true, ServiceName: BEDROCK });
    const everything = await list({ AllUsers: true });
    const names = new Set(users.map((user) => user.userName));

    expect(seeded.sshPublicKeys.length).toBeGreaterThanOrEqual(4);
    expect(seeded.serviceCredentials.length).toBe(everything.length);
    // Every holder is a demo user: no user was added, so the certificate audit reports the same.
    for (const holder of [...seeded.sshPublicKeys, ...seeded.serviceCredentials]) {
      expect(names.has(holder.userName)).toBe(true);
    }
    const byUser = Object.fromEntries(bedrock.map((c) => [c.UserName, c]));
    expect(byUser.scanner).toMatchObject({ Status: 'Active' });
    expect(byUser.scanner).not.toHaveProperty('ExpirationDate');
    expect(byUser.trent).toMatchObject({ Status: 'Active', ExpirationDate: expect.any(Date) });
    expect(byUser.niaj).toMatchObject({ Status: 'Expired' });
    expect(everything.some((c) => c.Status === 'Inactive')).toBe(true);
    expect(Math.max(...seeded.sshPublicKeys.map((k) => k.ageDays))).toBeGreaterThanOrEqual(365);
    expect(seeded.sshPublicKeys.some((k) => k.status === 'Inactive')).toBe(true);
  });
});
