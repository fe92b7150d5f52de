import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built CLI; `npm test` builds it first. */
export const CLI_MAIN = fileURLToPath(new URL('../../dist/bundle/cli.js', import.meta.url));

/** How a process ended. */
export interface ProcessResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Throws a clear error when the CLI has not been built. */
export function assertCliBuilt(): void {
  if (!existsSync(CLI_MAIN)) {
    throw new Error(`${CLI_MAIN} is missing: build first with \`npm run build\` (\`npm test\` does this)`);
  }
}

/**
 * How long a test waits for a spawned process to print what it should: a cold Node start plus TLS
 * takes seconds on a loaded 2-core machine, far past `vi.waitFor`'s 1 s default.
 */
export const PROCESS_WAIT = { timeout: 20_000, interval: 20 } as const;

/** Runs `file args` in `cwd` (with `input` on its stdin, if given) and collects its output. */
export function runProcess(
  file: string,
  args: readonly string[],
  cwd: string,
  input?: string,
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    // Without input, stdin reads as empty, as /dev/null would. A child that exits before reading
    // its stdin makes the write fail with EPIPE; its exit code and output are what the test checks.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs `keyop-messenger args` in `cwd`, with `input` on its stdin if given. */
export function runCli(args: readonly string[], cwd: string, input?: string): Promise<ProcessResult> {
  return runProcess(process.execPath, [CLI_MAIN, ...args], cwd, input);
}

/** Runs openssl and fails the test with its stderr when it exits non-zero. */
export async function openssl(args: readonly string[], cwd: string): Promise<string> {
  const result = await runProcess('openssl', args, cwd);
  if (result.code !== 0) throw new Error(`openssl ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}
