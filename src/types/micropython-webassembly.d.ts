// Types for the parts of the MicroPython WebAssembly (PyScript variant) API the simulator uses.
declare module '@micropython/micropython-webassembly-pyscript' {
  export interface MicroPythonOptions {
    pystack?: number;
    heapsize?: number;
    url?: string;
    linebuffer?: boolean;
    stdin?: () => number | null;
    stdout?: (data: Uint8Array) => void;
    stderr?: (data: Uint8Array) => void;
  }

  export interface EmscriptenFs {
    mkdir(path: string): void;
    writeFile(path: string, data: string | Uint8Array): void;
    readFile(path: string): Uint8Array;
  }

  export interface MicroPython {
    readonly _module: unknown;
    readonly FS: EmscriptenFs;
    runPython(code: string): unknown;
    pyimport(name: string): unknown;
    registerJsModule(name: string, module: object): void;
  }

  export function loadMicroPython(options?: MicroPythonOptions): Promise<MicroPython>;
}
