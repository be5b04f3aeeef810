/** What the reports say about the run itself; the runner fills it from its manifest. */

/** How a simulated run was made: enough to reproduce it. */
export interface SimulationInfo {
  /** Hash of the world file the simulator ran. */
  readonly worldHash: string;
  readonly seed: number;
  /** Board time runs this many times faster than host time. */
  readonly timeScale: number;
}

export interface RunInfo {
  readonly runId: string;
  readonly board: {
    readonly kind: 'sim' | 'real';
    /** Present exactly when `kind` is 'sim'. */
    readonly sim: SimulationInfo | null;
    readonly serialNumber: string | null;
    /** The firmware banner/version the board reported. */
    readonly firmware: string | null;
  };
  /** A rack run's boards (absent for a single-board run, whose board is `board`). */
  readonly rack?: readonly RackBoardInfo[];
  /** ISO 8601. */
  readonly startedAt: string;
  /** ISO 8601; null while the run is going or when it did not finish. */
  readonly finishedAt: string | null;
}

/** One board of a rack run, as its manifest names it. */
export interface RackBoardInfo {
  readonly label: string;
  readonly serialNumber: string | null;
  readonly firmware: string | null;
  /** False when the board never got past opening or its preflight. */
  readonly started: boolean;
}

/** `sim-a (serial 94ca…, 3.4.0; MicroPython v1.24.1 on 2024-11-29)`, `sim-d (did not start)`. */
export function describeRackBoard(board: RackBoardInfo): string {
  if (!board.started) return `${board.label} (did not start)`;
  const facts = [board.serialNumber === null ? null : `serial ${board.serialNumber}`, board.firmware].filter((fact) => fact !== null);
  return facts.length === 0 ? board.label : `${board.label} (${facts.join(', ')})`;
}

/** The word every report shows for a simulated run. */
export const SIMULATED_LABEL = 'SIMULATED';

export const isSimulated = (run: RunInfo): boolean => run.board.kind === 'sim';

/** `world 3f2a9c1e04b7, seed 42, time scale 20x` (world hash shortened to 12 characters). */
export function describeSimulation(sim: SimulationInfo): string {
  return `world ${sim.worldHash.slice(0, 12)}, seed ${sim.seed}, time scale ${sim.timeScale}x`;
}
