import { readFileSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';

/**
 * Which program holds a device node open, found by scanning /proc/<pid>/fd (Linux only). Returns
 * e.g. `minicom (pid 4242)`, or undefined when it cannot be told (other OS, no permission).
 */
export function findPortHolder(path: string): string | undefined {
  let target: string;
  try {
    target = realpathSync(path);
  } catch {
    return undefined;
  }
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid);
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === target) {
          const name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
          return `${name} (pid ${pid})`;
        }
      } catch {
        // the process went away or is not ours to inspect
      }
    }
  }
  return undefined;
}
