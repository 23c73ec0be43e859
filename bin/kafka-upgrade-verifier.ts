#!/usr/bin/env node
/**
 * The kafka-upgrade-verifier command line: a thin driver over functions/core.
 * Each sub-command lives in bin/commands/ and returns its exit status.
 */
import { InputError, VerifierError } from '../functions/core/errors.js';
import { commands, usage } from './commands/index.js';
import { EXIT_NOT_CARRIED_OUT, guardOutput } from './output.js';

const stdoutFailed = guardOutput(process.stdout, 'standard output', (line) =>
  process.stderr.write(`${line}\n`),
);
// Standard error that goes away (`2>&1 | head -1`) or fills up has nowhere to be
// reported: the command goes on and ends with its own status, not a crash.
process.stderr.on('error', () => {});

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    process.stderr.write(`kafka-upgrade-verifier: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  return command.run(rest);
}

/**
 * Ends the process once standard output and error have taken everything written.
 * A command's work is over when it returns: what could still hold the process open is
 * a Kafka client's socket or retry timer that kafkajs did not release (a connection a
 * killed broker dropped, a reconnect after the last disconnect; seen after `run`
 * through a SIGKILLed broker, with the report written and six sockets left open), and
 * a person or a pipeline waiting on the command must not wait on that.
 */
function exitWhenFlushed(): void {
  let pending = 2;
  const done = () => {
    pending -= 1;
    // After the streams' own 'error' events (a full disk sets exit status 4 there).
    if (pending === 0) setImmediate(() => process.exit());
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

main(process.argv.slice(2))
  .then(
    (status) => {
      process.exitCode = stdoutFailed() ? EXIT_NOT_CARRIED_OUT : status;
    },
    (error: unknown) => {
      if (error instanceof InputError) {
        process.stderr.write(`kafka-upgrade-verifier: ${error.message}\n`);
        process.exitCode = 2;
        return;
      }
      if (error instanceof VerifierError) {
        process.stderr.write(`kafka-upgrade-verifier: ${error.message}\n`);
        process.exitCode = EXIT_NOT_CARRIED_OUT;
        return;
      }
      process.stderr.write(
        `kafka-upgrade-verifier: unexpected failure — ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n` +
          'This is a bug or an environment problem; the message above says where it happened.\n',
      );
      process.exitCode = EXIT_NOT_CARRIED_OUT;
    },
  )
  .finally(exitWhenFlushed);
