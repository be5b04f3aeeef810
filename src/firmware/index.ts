export { FAMILY, familyName, familyIdOf, isProgramFamily, hex32 } from './families.js';
export { FlashImage, type FlashRange } from './flash-image.js';
export {
  parseUf2,
  readUf2File,
  Uf2Error,
  UF2_BLOCK_SIZE,
  UF2_MAX_PAYLOAD,
  UF2_FLAG,
  type Uf2Image,
  type Uf2Family,
  type Uf2Stream,
  type ParseUf2Options,
} from './uf2.js';
export {
  readBinaryInfo,
  micropythonTagOf,
  BINARY_INFO_ID,
  BINARY_INFO_MARKER_START,
  BINARY_INFO_MARKER_END,
  type BinaryInfo,
  type BinaryInfoGroup,
} from './binary-info.js';
export {
  writeUf2,
  buildFirmwareImage,
  buildFirmwarePayload,
  concatUf2,
  type WriteUf2Options,
  cDate,
  type BuildFirmwareOptions,
  type FirmwarePayload,
} from './uf2-writer.js';
export { buildSimFirmware, simBuildFileName, writeSimBuilds, type SimBuildFile } from './sim-builds.js';
export { summarizeUf2, type Uf2Summary } from './summary.js';
export {
  flashFirmware,
  readFirmwareFile,
  versionProblem,
  DEFAULT_FLASH_TIMEOUTS,
  type FlashFirmwareOptions,
  type FlashResult,
  type FlashTimeouts,
  type FlashProgress,
  type FirmwareIdentity,
} from './flash.js';
export { FirmwareMismatchError, FlashError, type FlashStep } from './flash-errors.js';
export * from './bootsel/index.js';
export {
  runBisect,
  resolveBuilds,
  nextStep,
  judge,
  countClasses,
  summarizeBisect,
  formatBisectMarkdown,
  loadBisectState,
  type RunBisectOptions,
  type NewBisect,
  type BisectEvents,
  type BisectResult,
  type BisectBuild,
  type BisectState,
  type BisectStep,
  type BisectSummary,
  type VerdictRule,
  type StepCounts,
} from './bisect/index.js';
