// The public surface of picow-harness as a library. Everything else is internal.

export * from './errors.js';

export type { Transport, TransportInfo } from './transport/transport.js';
export { SerialTransport, type SerialOpenOptions } from './transport/serial.js';
export { TcpTransport, type TcpOpenOptions } from './transport/tcp.js';
export {
  RawRepl,
  DEFAULT_TIMEOUTS,
  type RawReplOptions,
  type RawReplTimeouts,
  type RawReplEvents,
  type RawPasteMode,
  type ExecOptions,
  type ExecResult,
} from './transport/raw-repl.js';
export { parseTraceback } from './transport/traceback.js';
export { parsePortSpec, formatPortSpec, PORT_ENV, type PortSpec } from './transport/port-spec.js';
export {
  listBoards,
  resolveAuto,
  waitForBoard,
  nativePortLister,
  type BoardInfo,
  type BoardMode,
  type PortLister,
  type WaitForBoardOptions,
} from './transport/discovery.js';
export {
  connectDevice,
  nativeSerialBackend,
  type ConnectOptions,
  type DeviceConnection,
  type ReconnectOptions,
  type SerialBackend,
} from './transport/connect.js';

export { SimBoard, BOOT_EPOCH_MS, type SimBoardOptions, type SimBoardEvents, type ResetCause } from './sim/board.js';
export { SimUsbBus, SimBinding, PICO_VENDOR_ID, MICROPYTHON_PRODUCT_ID } from './sim/usb-bus.js';
export { PROFILES, DEFAULT_PROFILE_NAME, findProfile, bannerLine, type FirmwareProfile } from './sim/profiles.js';
export { startSimSession, type SimSession, type SimSessionOptions } from './sim/session.js';
export { loadWorld, parseWorld, DEFAULT_WORLD, type World } from './sim/world.js';
export { exposeBoardOnPty } from './sim/pty.js';
export { serveBoardOverTcp } from './sim/serve-tcp.js';
export { serveBoardOverRfc2217, type ServeRfc2217Options } from './sim/serve-rfc2217.js';
export { Rfc2217Transport, rfc2217Url, type Rfc2217OpenOptions } from './transport/rfc2217/client.js';

export { readDeviceInfo, type DeviceInfo } from './device/info.js';

export * from './pki/index.js';
export * from './pki/mbedtls/index.js';
export { inspectCertificate, formatInspectReport } from './pki/mbedtls/inspect.js';
export * from './server/index.js';
export { runCli } from './cli/main.js';
// Campaigns: run one from a config, read a run back, rebuild its reports, diagnose it.
export { runCampaign, RUN_EXIT, type RunCampaignOptions, type CampaignResult, type CampaignEvents } from './campaign/campaign.js';
export { loadCampaignConfig, parseCampaignConfig, campaignSchema, type CampaignConfig, type LoadedCampaign } from './campaign/config/index.js';
export type { AttemptRecord, CellFacets, DeviceScriptResult, ResetMode, RtcMode, TlsApi } from './campaign/types.js';
export { openRunData } from './results/run-data.js';
export { rebuildReports, type RebuiltReports } from './report/rebuild.js';
export { FindingsAccumulator, formatFindingsText, type Finding } from './results/findings/index.js';
export { classifyAttempt, ALL_CLASSES, describeClass } from './results/taxonomy.js';
export { wilsonInterval, fisherExactTwoSided, fisherExactOneSided, holmAdjust, benjaminiHochbergAdjust, percentile, percentiles } from './results/stats/index.js';
export { runRackCampaign, type RunRackCampaignOptions, type RackResult } from './campaign/rack/rack-campaign.js';
export { loadInventory, parseInventory, selectBoards, type LoadedInventory, type RackBoard } from './campaign/inventory/load.js';
export { History, resolveBaseline, defaultHistoryPath, indexRunInHistory, type BaselineSpec } from './history/index.js';
export { runGate, type GateRequest, type GateOutcome } from './gate/index.js';
export {
  parseUf2,
  readUf2File,
  readBinaryInfo,
  micropythonTagOf,
  writeUf2,
  buildFirmwareImage,
  writeSimBuilds,
  flashFirmware,
  runBisect,
  Uf2Error,
  FirmwareMismatchError,
  FlashError,
  type Uf2Image,
  type BinaryInfo,
  type FlashFirmwareOptions,
  type FlashResult,
  type RunBisectOptions,
} from './firmware/index.js';
