// The README's launch command (`scripts/launch.sh`) as the end-to-end suite runs it: in its own
// process group, on free ports, stopped the way a user stops it (Ctrl-C: SIGINT to the group).

import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { captureOutput, freePort, sleep } from './node-process.js';

/** The repository root. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * Runs `scripts/launch.sh` on the ports a user gets (RPC 9944, worker API 8600: the commands in
 * the docs name them) and resolves once it printed its endpoints, with `{ ws, api, token,
 * stateDir, logs, interrupt, left }`. `interrupt()` sends SIGINT to its process group (what
 * Ctrl-C in its terminal does) and resolves with the exit code.
 */
export async function launch ({ rpcPort = 9944, apiPort = 8600, readyTimeoutMs = 900_000 } = {}) {
  for (const port of [rpcPort, apiPort]) {
    if (!await isFree(port)) {
      throw new Error(`port ${port} is in use (is a launch command running?): the launch test needs it`);
    }
  }
  const child = spawn('bash', [join(repoRoot, 'scripts', 'launch.sh'), '--port', String(await freePort()), '--no-prometheus'], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TEEID_RPC_PORT: String(rpcPort), TEEID_API_PORT: String(apiPort) }
  });
  const { logs, exited } = captureOutput(child);
  const killGroup = (signal) => {
    try { process.kill(-child.pid, signal); } catch { /* the group is gone */ }
  };
  // The node runs in a session of its own (see launch.sh): found by its state directory.
  let stateDir;
  const left = () => stateDir ? processesUsing(stateDir) : [];
  const killAll = () => {
    killGroup('SIGKILL');
    for (const pid of left()) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  };
  process.on('exit', killAll);

  const deadline = Date.now() + readyTimeoutMs;
  let token;
  for (;;) {
    const output = logs.join('');
    stateDir ??= /state directory: (\/\S+)/.exec(output)?.[1];
    token = /^\s+admin token:\s+(teeid_[0-9a-f]+)$/m.exec(output)?.[1];
    if (token && stateDir && output.includes('Ctrl-C stops both.')) break;
    if (child.exitCode !== null || child.signalCode !== null) {
      killAll();
      throw new Error(`launch.sh exited (${child.exitCode ?? child.signalCode}):\n${output}`);
    }
    if (Date.now() > deadline) {
      killAll();
      throw new Error(`launch.sh not ready after ${readyTimeoutMs} ms:\n${output}`);
    }
    await sleep(500);
  }
  const interrupt = async () => {
    killGroup('SIGINT');
    const timer = setTimeout(killAll, 120_000);
    const code = await exited;
    clearTimeout(timer);
    process.off('exit', killAll);
    return code;
  };
  return {
    ws: `ws://127.0.0.1:${rpcPort}`,
    api: `http://127.0.0.1:${apiPort}`,
    token,
    logs,
    interrupt,
    stateDir,
    /** The processes of the launch (node, worker, simulated TA) still running: their pids. */
    left
  };
}

/** Whether nothing listens on loopback `port`. */
function isFree (port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The pids of the processes whose command line mentions `path`. */
function processesUsing (path) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(path)) pids.push(Number(entry));
    } catch { /* it ended meanwhile */ }
  }
  return pids;
}

/**
 * Runs `npm run -s <script>` in clients/js with `env` added (killed after `timeoutMs`); resolves
 * with `{ status, stdout, stderr, json }` (`json`: stdout parsed, or null).
 */
export function npmRun (script, env, { timeoutMs = 600_000 } = {}) {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '-s', script], {
      cwd: join(repoRoot, 'clients', 'js'),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      let json = null;
      try { json = JSON.parse(stdout); } catch { /* left null */ }
      resolve({ status: status ?? signal, stdout, stderr, json });
    });
  });
}
