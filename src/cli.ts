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
import { workerCommand } from './cli/worker.js';

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, { run: Command; help: string }> = {
  data: { run: dataCommand, help: 'data check            verify the benchmark files listed in data/manifest.json' },
  renas: { run: renasCommand, help: 'renas run [--profile p] [--seeds 0,1] [--sizes …] [--losses …] [executor flags] [--no-space] [--json FILE]   ReNAS 424-sample study' },
  fairnas: { run: fairnasCommand, help: 'fairnas run [--profile p] [executor flags] [--json FILE]   FairNAS fairness ablation (supernet per sampler, tau vs NB201)' },
  siamese: { run: siameseCommand, help: 'siamese sweep [--profile p] [executor flags]   Siamese-NAS N/K sweeps (resumable)' },
  worker: { run: workerCommand, help: 'worker --redis URL [--concurrency N]   serve the run queue on this machine (studies started with --redis URL)' },
  nb101: { run: nb101Command, help: 'nb101 enumerate       list all 423,624 NAS-Bench-101 cells (hash, vertices, edge bits, ops)' },
};

function usage(): string {
  return [
    'usage: nas <command> [args]',
    '',
    ...Object.values(COMMANDS).map((c) => `  ${c.help}`),
    '',
    'executor flags (renas, fairnas, siamese): --executor in-thread|pool|queue, --threads N, --redis redis://HOST:PORT, --queue NAME',
    'Ctrl-C or SIGTERM stops a study; finished runs are stored and a rerun resumes.',
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
