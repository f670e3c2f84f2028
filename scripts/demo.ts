/**
 * `npm run demo`: the auditor at work in a minute, without an AWS account. Starts moto (a local
 * AWS emulator) on a free loopback port, seeds a demo account, runs the real Lambda handler in
 * deactivate mode against it, prints the findings and the report as an SQS subscriber got it,
 * and stops the emulator — also on Ctrl-C or failure.
 */

import type { Report } from '../lambda/core/report';
import { createHandler, productionDeps } from '../lambda/handlers/scheduled-handler';
import { formatSummary, formatTable } from '../lambda/render/text';
import { beginCallRecord, recordSession } from '../tools/emulator/call-record';
import { demoAccount } from '../tools/emulator/demo-account';
import { seedDemoAccount, seedDemoCredentials } from '../tools/emulator/demo-emulator';
import {
  createMailbox,
  EMULATOR_ENV,
  emulatorClients,
  FUNCTION_ARN,
  readStatuses,
  reassemble,
  receiveAll,
} from '../tools/emulator/emulator';
import { lambdaContext } from '../tools/emulator/lambda-context';
import { EmulatorUnavailableError, type Moto, startMoto } from '../tools/emulator/moto';

const MAX_AGE_DAYS = 90;

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
    // The same ids on every run, as docs/emulator.md shows them.
    const seeded = await seedDemoAccount(moto.endpoint, clients.iam, account);
    // After the certificates, so their ids stay those docs/emulator.md shows.
    const credentials = await seedDemoCredentials(moto.endpoint, clients.iam);
    const mailbox = await createMailbox(clients, 'signing-cert-findings');
    console.log(
      `Seeded ${account.length} users on /engineering/ and /contractors/ with ${seeded.length} signing certificates` +
        ` (${seeded.filter((c) => c.status === 'Inactive').length} already Inactive),` +
        ` ${credentials.sshPublicKeys.length} SSH public keys and ${credentials.serviceCredentials.length} service-specific credentials;` +
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
