/**
 * `npm run demo`: the auditor at work in a minute, without an AWS account. Starts moto (a local
 * AWS emulator) on a free loopback port, seeds a demo account, runs the real Lambda handler in
 * deactivate mode against it, prints the findings and the report as an SQS subscriber got it,
 * and stops the emulator — also on Ctrl-C or failure.
 */
import { formatSummary, formatTable } from '../cli/formats';
import type { Report } from '../lambda/core/report';
import { createHandler, productionDeps } from '../lambda/handlers/scheduled-handler';
import { beginCallRecord, recordSession } from '../tools/emulator/call-record';
import { generateTestCertificate } from '../tools/emulator/certs';
import {
  createMailbox,
  EMULATOR_ENV,
  emulatorClients,
  FUNCTION_ARN,
  readStatuses,
  reassemble,
  receiveAll,
  type SeedUser,
  seedUsers,
} from '../tools/emulator/emulator';
import { lambdaContext } from '../tools/emulator/lambda-context';
import { EmulatorUnavailableError, type Moto, startMoto } from '../tools/emulator/moto';

const MAX_AGE_DAYS = 90;

/** A few dozen users on two paths, certificates of assorted ages, some already Inactive. */
function demoAccount(): SeedUser[] {
  const engineering = [
    ['alice', [400]],
    ['bob', [12]],
    ['carol', [95, 20]],
    ['dave', [80]],
    ['erin', [150]],
    ['frank', []],
    ['grace', [60]],
    ['heidi', [1000]],
    ['ivan', [89]],
    ['judy', [3]],
    ['mallory', [250, 91]],
    ['niaj', [45]],
    ['olivia', [77]],
    ['peggy', []],
    ['rupert', [30]],
    ['sybil', [120]],
    ['trent', [10]],
    ['uma', [200]],
    ['victor', [5]],
    ['walter', [65]],
  ] as const;
  const contractors = [
    ['build-bot', [365]],
    ['deploy-bot', [100]],
    ['legacy-signer', [2000]],
    ['metrics-bot', [20]],
    ['release-bot', [85]],
    ['scanner', []],
    ['vendor-acme', [300]],
    ['vendor-globex', [40]],
    ['vendor-initech', [130]],
    ['vendor-umbrella', [7]],
    ['vendor-wayne', [88]],
    ['vendor-stark', [50]],
  ] as const;
  // Already switched off by a human: reported as non-compliant, never "deactivated" again.
  const inactive = new Set(['heidi', 'uma', 'legacy-signer']);
  // A vendor's signer the security team has signed off on: reported EXEMPT, never changed.
  const exempt = new Set(['vendor-acme']);
  // A young certificate with a 1024-bit RSA key signed with SHA-1: reported, not remediated.
  const weak = new Set(['metrics-bot']);
  const users = (path: string, list: readonly (readonly [string, readonly number[]])[]) =>
    list.map(([userName, ages]) => ({
      userName,
      path,
      tags: exempt.has(userName) ? [{ Key: 'signing-cert-audit:exempt', Value: 'true' }] : [],
      certificates: ages.map((ageDays) => ({
        ageDays,
        status: inactive.has(userName) ? ('Inactive' as const) : ('Active' as const),
        ...(weak.has(userName)
          ? {
              body: generateTestCertificate({
                key: 'rsa:1024',
                digest: 'sha1',
                commonName: userName,
              }),
            }
          : {}),
      })),
    }));
  return [...users('/engineering/', engineering), ...users('/contractors/', contractors)];
}

async function main(): Promise<number> {
  let moto: Moto | undefined;
  const stopOnSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping the emulator`);
    void (moto?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    beginCallRecord('demo');
    console.log('Starting moto (local AWS emulator) on a free loopback port…');
    moto = await startMoto();
    console.log(`  moto is listening at ${moto.endpoint}`);

    const clients = emulatorClients(moto.endpoint);
    const account = demoAccount();
    const seeded = await seedUsers(clients.iam, moto.endpoint, account);
    const mailbox = await createMailbox(clients, 'signing-cert-findings');
    console.log(
      `Seeded ${account.length} users on /engineering/ and /contractors/ with ${seeded.length} signing certificates` +
        ` (${seeded.filter((c) => c.status === 'Inactive').length} already Inactive);` +
        ' subscribed an SQS queue to the findings topic.',
    );

    // The real handler, configured exactly as the stack configures the function. The SDK reads
    // the endpoint and credentials from the process environment, as it would in Lambda.
    const functionEnv = {
      TOPIC_ARN: mailbox.topicArn,
      MODE: 'deactivate',
      MAX_AGE_DAYS: String(MAX_AGE_DAYS),
    };
    Object.assign(
      process.env,
      EMULATOR_ENV,
      {
        AWS_ENDPOINT_URL: moto.endpoint,
        POWERTOOLS_LOG_LEVEL: 'WARN',
        POWERTOOLS_METRICS_DISABLED: 'true',
      },
      // The function's calls go into the record the permissions proof checks (npm test).
      recordSession('function', functionEnv, 'npm run demo'),
    );
    console.log(`\nRunning the Lambda handler: MODE=deactivate MAX_AGE_DAYS=${MAX_AGE_DAYS}\n`);
    const handler = createHandler(productionDeps(functionEnv));
    await handler({}, lambdaContext('demo-run-1', FUNCTION_ARN));

    const messages = await receiveAll(clients.sqs, mailbox.queueUrl);
    const report = reassemble(messages);
    process.stdout.write(formatTable(report));
    console.log('\nSummary:');
    console.log(formatSummary(report.summary));

    const statuses = [...(await readStatuses(clients.iam)).values()];
    const count = (status: string) => statuses.filter((s) => s === status).length;
    console.log(
      `\nmoto now holds ${count('Active')} Active and ${count('Inactive')} Inactive certificates.`,
    );

    const [first] = messages;
    console.log(
      `\nThe SQS queue received ${messages.length} message(s); message attributes: ` +
        Object.entries(first?.attributes ?? {})
          .map(([name, value]) => `${name}=${value.StringValue}`)
          .join(', '),
    );
    const preview = JSON.parse(first?.body ?? '{}') as Report;
    console.log(
      JSON.stringify(
        { ...preview, findings: preview.findings.slice(0, 2), '…': 'more findings' },
        null,
        2,
      ),
    );
    return 0;
  } catch (error: unknown) {
    if (error instanceof EmulatorUnavailableError) {
      console.error(error.message);
      return 2;
    }
    console.error('The demo failed:', error);
    return 1;
  } finally {
    await moto?.stop();
  }
}

process.exitCode = await main();
