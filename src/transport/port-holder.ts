import { readFileSync, readdirSync, readlinkSync, realpathSync, statSync } from 'node:fs';

function describeProcess(pid: string): string | undefined {
  try {
    return `${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()} (pid ${pid})`;
  } catch {
    return undefined;
  }
}

/** The process holding an flock on the device (what makes an exclusive open fail), from /proc/locks. */
function lockHolder(target: string): string | undefined {
  let inode: number;
  let locks: string;
  try {
    inode = statSync(target).ino;
    locks = readFileSync('/proc/locks', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of locks.split('\n')) {
    // e.g. "1: FLOCK  ADVISORY  WRITE 4644 00:19:5 0 EOF"
    const fields = line.trim().split(/\s+/);
    const pid = fields[4];
    const inodeField = fields[5]?.split(':')[2];
    if (pid !== undefined && inodeField !== undefined && Number(inodeField) === inode && Number(pid) !== process.pid) {
      return describeProcess(pid);
    }
  }
  return undefined;
}

/** Every other process with the device open, from /proc/<pid>/fd. */
function openers(target: string): string[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid);
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    const holds = fds.some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === target;
      } catch {
        return false;
      }
    });
    const description = holds ? describeProcess(pid) : undefined;
    if (description !== undefined) found.push(description);
  }
  return found;
}

/**
 * Which program holds a device node, Linux only: the holder of its lock when /proc/locks names one,
 * else every process that has it open (e.g. `minicom (pid 4242)`). Undefined when it cannot be told.
 */
export function findPortHolder(path: string): string | undefined {
  let target: string;
  try {
    target = realpathSync(path);
  } catch {
    return undefined;
  }
  const locker = lockHolder(target);
  if (locker !== undefined) return locker;
  const all = openers(target);
  return all.length === 0 ? undefined : all.join(', ');
}
