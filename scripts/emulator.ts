/**
 * `npm run emulator`: a local AWS you can keep. Starts moto (the emulator the suites use) on a
 * free loopback port, seeds the demo account (backdated, Inactive, exempt and weak certificates,
 * on two IAM paths, SSH public keys and service-specific credentials, with a topic and an
 * evidence bucket) as the management account of an
 * organization of three more accounts, prints the `export` lines that point the CLI and the AWS
 * CLI at it, and keeps running until Ctrl-C (or SIGTERM), when it stops moto, removes its scratch
 * folder and leaves no process behind. Nothing it holds is real: every credential is moto's.
 */
import { type DemoEmulator, startDemoEmulator } from '../tools/emulator/demo-emulator';
import { EmulatorUnavailableError } from '../tools/emulator/moto';

async function main(): Promise<number> {
  let emulator: DemoEmulator | undefined;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${signal}: stopping the emulator`);
    void (emulator?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    console.error('Starting moto (local AWS emulator) on a free loopback port…');
    emulator = await startDemoEmulator();
    console.error(
      `Seeded the demo account: ${emulator.seeded.length} signing certificates on /engineering/ and /contractors/,` +
        ` ${emulator.credentials.sshPublicKeys.length} SSH public keys, ${emulator.credentials.serviceCredentials.length} service-specific credentials, a topic and a bucket;` +
        ` it is the management account of an organization with ${emulator.members.length} member accounts (${emulator.members.map((m) => m.name).join(', ')}).`,
    );
    console.error('Point the CLI (and the AWS CLI) at it in another terminal:\n');
    // The export lines on standard output, alone, so `eval "$(…)"`-style use works too.
    for (const [name, value] of Object.entries(emulator.exports)) {
      console.log(`export ${name}=${value}`);
    }
    console.error(
      '\nThen, from the clone, for example: npx --no-install signing-cert-audit --format table',
    );
    console.error('Ctrl-C stops the emulator and removes $EMULATOR_DIR.');
    await new Promise<never>(() => {});
    return 0;
  } catch (error: unknown) {
    if (error instanceof EmulatorUnavailableError) {
      console.error(error.message);
      return 2;
    }
    console.error('The emulator failed:', error);
    await emulator?.stop();
    return 1;
  }
}

process.exitCode = await main();
