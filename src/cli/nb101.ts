import { formatNb101Line, NB101_FORMAT_HEADER, loadNb101Space } from '../spaces/nb101Enumerate.js';
import { parseSubcommand } from './executorFlags.js';
import { runCommand, type CommandSpec, type ParsedOptions } from './options.js';

export const NB101_COMMAND: CommandSpec = {
  usage: 'nas nb101 enumerate',
  summary:
    'One line per NAS-Bench-101 cell (423,624), tab-separated: hash, vertex count, upper-triangle edges (row-major, x<y), ops (i input, 3 conv3x3, 1 conv1x1, m maxpool3x3, o output).',
  options: [
    { name: 'sorted', help: 'in ascending hash order', default: 'the official generator order' },
    { name: 'header', help: 'print a header line first' },
    { name: 'rebuild', help: 'enumerate again instead of reading .cache/nb101_space.bin' },
  ],
};

/** Writes `text`, waiting for 'drain' when the stream's buffer is full; false when the reader went away. */
function write(stream: NodeJS.WritableStream, text: string): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      stream.removeListener('error', onError);
      stream.removeListener('drain', onDrain);
      resolve(ok);
    };
    // EPIPE (e.g. `| head`) ends the listing quietly.
    const onError = (): void => done(false);
    const onDrain = (): void => done(true);
    stream.once('error', onError);
    if (stream.write(text)) done(true);
    else stream.once('drain', onDrain);
  });
}

/** `nas nb101 <subcommand>`; returns the exit code. `io` redirects the output (tests). */
export async function nb101Command(
  args: string[],
  io: { stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream } = {},
): Promise<number> {
  const out = io.stdout ?? process.stdout;
  return runCommand(NB101_COMMAND, () => parseSubcommand(NB101_COMMAND, 'enumerate', args), (options) => enumerate(options, out), { ...io, stdout: out });
}

async function enumerate(options: ParsedOptions, out: NodeJS.WritableStream): Promise<number> {
  const space = loadNb101Space({ rebuild: options.has('rebuild') });
  const order = options.has('sorted') ? space.packed.hashOrder : undefined;
  if (options.has('header') && !(await write(out, `${NB101_FORMAT_HEADER}\n`))) return 0;
  const linesPerWrite = 4096;
  let chunk = '';
  for (let k = 0; k < space.size; k++) {
    const index = order ? order[k]! : k;
    chunk += `${formatNb101Line(space.hashAt(index), space.specAt(index))}\n`;
    if ((k + 1) % linesPerWrite === 0 || k === space.size - 1) {
      if (!(await write(out, chunk))) return 0;
      chunk = '';
    }
  }
  return 0;
}
