/** The CLI's sub-commands, each in its own module. */
import { analyzeCommand } from './analyze.js';
import { gateCommand } from './gate.js';
import { localClusterCommand } from './local-cluster.js';
import { preflightCommand } from './preflight.js';
import { reachabilityCommand } from './reachability.js';
import { reportCommand } from './report.js';
import { rehearseCommand } from './rehearse.js';
import { runCommand } from './run.js';

export interface Command {
  /** One line for the usage text. */
  readonly summary: string;
  /** Runs the command with its arguments; resolves to the process exit status. */
  run(args: string[]): Promise<number>;
}

export const commands: Record<string, Command> = {
  analyze: analyzeCommand,
  gate: gateCommand,
  'local-cluster': localClusterCommand,
  preflight: preflightCommand,
  reachability: reachabilityCommand,
  report: reportCommand,
  rehearse: rehearseCommand,
  run: runCommand,
};

export function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(14)} ${c.summary}`);
  return [
    'usage: kafka-upgrade-verifier <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    "Run 'kafka-upgrade-verifier <command> --help' for a command's options.",
    '',
  ].join('\n');
}
