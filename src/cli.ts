/**
 * `nas <command>`: the same runners the notebooks use, for long runs in the
 * background and for scripts. Each command lives in src/cli/ and returns an
 * exit code.
 */
import { dataCommand } from './cli/data.js';
import { fairnasCommand } from './cli/fairnas.js';
import { siameseCommand } from './cli/siamese.js';
import { nb101Command } from './cli/nb101.js';
import { renasCommand } from './cli/renas.js';

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, { run: Command; help: string }> = {
  data: { run: dataCommand, help: 'data check            verify the benchmark files listed in data/manifest.json' },
  renas: { run: renasCommand, help: 'renas run [--profile p] [--seeds 0,1] [--sizes …] [--losses …] [--workers N] [--no-space] [--json FILE]   ReNAS 424-sample study' },
  fairnas: { run: fairnasCommand, help: 'fairnas run [--profile p] [--json FILE]   FairNAS fairness ablation (supernet per sampler, tau vs NB201)' },
  siamese: { run: siameseCommand, help: 'siamese sweep [--profile p]   Siamese-NAS N/K sweeps (resumable)' },
  nb101: { run: nb101Command, help: 'nb101 enumerate       list all 423,624 NAS-Bench-101 cells (hash, vertices, edge bits, ops)' },
};

function usage(): string {
  return ['usage: nas <command> [args]', '', ...Object.values(COMMANDS).map((c) => `  ${c.help}`)].join('\n');
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
