/**
 * `nas <command>`: the same runners the notebooks use, for long runs in the
 * background and for scripts. Each command lives in src/cli/ and returns an
 * exit code.
 */
import { DATA_COMMAND, dataCommand } from './cli/data.js';
import { FAIRNAS_COMMAND, fairnasCommand } from './cli/fairnas.js';
import { SIAMESE_COMMAND, siameseCommand } from './cli/siamese.js';
import { NB101_COMMAND, nb101Command } from './cli/nb101.js';
import { helpText, type CommandSpec } from './cli/options.js';
import { RENAS_COMMAND, renasCommand } from './cli/renas.js';
import { RENAS201_COMMAND, renas201Command } from './cli/renas201.js';
import { WORKER_COMMAND, workerCommand } from './cli/worker.js';
import { PREDICTORS } from './predictors/registry.js';
import { SEARCHERS } from './searchers/registry.js';
import { SPACES } from './spaces/registry.js';
import './registrations.js';

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, { run: Command; spec: CommandSpec }> = {
  data: { run: dataCommand, spec: DATA_COMMAND },
  renas: { run: renasCommand, spec: RENAS_COMMAND },
  renas201: { run: renas201Command, spec: RENAS201_COMMAND },
  fairnas: { run: fairnasCommand, spec: FAIRNAS_COMMAND },
  siamese: { run: siameseCommand, spec: SIAMESE_COMMAND },
  worker: { run: workerCommand, spec: WORKER_COMMAND },
  nb101: { run: nb101Command, spec: NB101_COMMAND },
};

/** Every command with every option and its default (`nas <command> --help` shows one). */
function usage(): string {
  return [
    'usage: nas <command> [options]      (nas <command> --help for one command)',
    ...Object.values(COMMANDS).map((c) => helpText(c.spec).replace(/^(?=.)/gm, '  ')),
    registeredParts(),
    'Ctrl-C or SIGTERM stops a study; finished runs are stored and a rerun resumes.',
  ].join('\n\n');
}

/** The registered predictors, searchers and spaces (src/registrations.ts), by the names configs and flags take. */
function registeredParts(): string {
  return [
    'registered parts (names for configs, --methods and --model; src/registrations.ts):',
    '  predictors:',
    ...PREDICTORS.helpLines('    '),
    '  searchers:',
    ...SEARCHERS.helpLines('    '),
    '  spaces:',
    ...SPACES.helpLines('    '),
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`nas: unknown command ${JSON.stringify(name)}\n${usage()}\n`);
    return 2;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`nas: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
