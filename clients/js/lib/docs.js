// The shell commands of the user documentation, run as the suite's check that every command in
// docs/ works. In a Markdown file, every block fenced as ```sh runs, in order, in one bash
// session (`set -euo pipefail`) in a fresh directory, with the teeid binaries on PATH; a block
// directly preceded by `<!-- not run: <reason> -->` is skipped, and the reason is reported.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { releaseBinary, sleep } from './node-process.js';

/** The `sh` blocks of `markdown`: `{ runnable: [{ line, code }], skipped: [{ line, reason }] }`. */
export function shellBlocks (markdown) {
  const lines = markdown.split('\n');
  const runnable = [];
  const skipped = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)(`{3,})(\S*)\s*$/.exec(lines[i]);
    if (!fence) continue;
    const [, indent, ticks, language] = fence;
    let end = i + 1;
    while (end < lines.length && lines[end].trim() !== ticks) end++;
    if (language === 'sh') {
      const code = lines.slice(i + 1, end).map((l) => l.startsWith(indent) ? l.slice(indent.length) : l).join('\n');
      const marker = /^\s*<!-- not run: (.+?) -->\s*$/.exec(lines[i - 1] ?? '');
      if (marker) skipped.push({ line: i + 1, reason: marker[1] });
      else runnable.push({ line: i + 1, code });
    }
    i = end;
  }
  return { runnable, skipped };
}

/**
 * Runs the runnable `sh` blocks of the Markdown file `path` with `env` added; resolves with
 * `{ status, output, last, blocks, skipped }`, `last` being the output from the last block that
 * started (the failing one when `status` is not 0). Processes the blocks leave running are
 * killed after.
 */
export async function runShellBlocks (path, env, { timeoutMs = 600_000 } = {}) {
  const { runnable, skipped } = shellBlocks(readFileSync(path, 'utf8'));
  const script = ['set -euo pipefail']
    .concat(runnable.map(({ line, code }) => `echo ">>> ${path}:${line}" >&2\n${code}`))
    .join('\n');
  const cwd = mkdtempSync(join(tmpdir(), 'teeid-docs-'));
  const bin = dirname(releaseBinary('teeid-worker', 'TEEID_WORKER_BIN'));
  const child = spawn('bash', ['-c', script], {
    cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env, PATH: `${bin}:${process.env.PATH}` }
  });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  const killGroup = (signal) => {
    try { process.kill(-child.pid, signal); return true; } catch { return false; }
  };
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  const closed = new Promise((resolve) => child.on('close', resolve));
  const timer = setTimeout(() => killGroup('SIGKILL'), timeoutMs);
  const status = await exited;
  clearTimeout(timer);
  // Whatever the blocks left running stops before the next document runs; a process left in
  // the background may still hold the output pipes, so the output is complete only after.
  killGroup('SIGTERM');
  for (let i = 0; i < 300 && killGroup(0); i++) await sleep(100);
  killGroup('SIGKILL');
  await closed;
  rmSync(cwd, { recursive: true, force: true });
  const last = output.slice(Math.max(0, output.lastIndexOf(`>>> ${path}:`)));
  return { status, output, last, blocks: runnable.length, skipped };
}
