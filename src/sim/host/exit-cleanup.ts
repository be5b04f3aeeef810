const tasks = new Set<() => void>();

function runAll(): void {
  for (const task of tasks) {
    try {
      task();
    } catch {
      // the process is exiting; do what can be done
    }
  }
}

/**
 * Run a synchronous clean-up (kill a child, unlink a file) if the process exits before it is
 * cancelled. One 'exit' listener serves every task, and it is removed when the last task is.
 */
export function atProcessExit(task: () => void): () => void {
  if (tasks.size === 0) process.on('exit', runAll);
  tasks.add(task);
  return () => {
    if (!tasks.delete(task)) return;
    if (tasks.size === 0) process.off('exit', runAll);
  };
}
