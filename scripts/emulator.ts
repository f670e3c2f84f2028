/**
 * `npm run emulator`: a local AWS you can keep. Starts moto (the emulator the suites use) on a
 * free loopback port, seeds the demo account (backdated, Inactive, exempt and weak certificates,
 * on two IAM paths, with a topic and an evidence bucket), prints the `export` lines that point the
 * CLI and the AWS CLI at it, and keeps running until Ctrl-C (or SIGTERM), when it stops moto and
 * leaves no process behind. Nothing it holds is real: every credential is moto's.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { demoAccount } from '../tools/emulator/demo-account';
import { EMULATOR_ENV, emulatorClients, seedUsers } from '../tools/emulator/emulator';
import { EmulatorUnavailableError, type Moto, startMoto } from '../tools/emulator/moto';

/** The evidence bucket the examples archive to. */
export const EMULATOR_BUCKET = 'signing-cert-audit-evidence';

async function main(): Promise<number> {
  let moto: Moto | undefined;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${signal}: stopping the emulator`);
    void (moto?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    console.error('Starting moto (local AWS emulator) on a free loopback port…');
    // Your own calls to it are not a suite's: they are not recorded for the permissions proof.
    moto = await startMoto({ record: false });
    const clients = emulatorClients(moto.endpoint);
    const seeded = await seedUsers(clients.iam, moto.endpoint, demoAccount());
    const { TopicArn } = await clients.sns.send(new CreateTopicCommand({ Name: 'findings' }));
    await clients.s3.send(new CreateBucketCommand({ Bucket: EMULATOR_BUCKET }));
    console.error(
      `Seeded the demo account: ${seeded.length} signing certificates on /engineering/ and /contractors/, a topic and a bucket.`,
    );
    console.error('Point the CLI (and the AWS CLI) at it in another terminal:\n');
    const exports = {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: EMULATOR_ENV.AWS_REGION,
      AWS_ACCESS_KEY_ID: EMULATOR_ENV.AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: EMULATOR_ENV.AWS_SECRET_ACCESS_KEY,
      AWS_SESSION_TOKEN: EMULATOR_ENV.AWS_SESSION_TOKEN,
      AWS_EC2_METADATA_DISABLED: 'true',
      // The examples' --topic-arn and --archive-bucket.
      EMULATOR_TOPIC_ARN: TopicArn ?? '',
      EMULATOR_BUCKET,
    };
    // The export lines on standard output, alone, so `eval "$(…)"`-style use works too.
    for (const [name, value] of Object.entries(exports)) console.log(`export ${name}=${value}`);
    console.error('\nThen, for example: npx signing-cert-audit --format table');
    console.error('Ctrl-C stops the emulator.');
    await new Promise<never>(() => {});
    return 0;
  } catch (error: unknown) {
    if (error instanceof EmulatorUnavailableError) {
      console.error(error.message);
      return 2;
    }
    console.error('The emulator failed:', error);
    await moto?.stop();
    return 1;
  }
}

process.exitCode = await main();
