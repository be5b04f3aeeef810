export { runStandaloneAttempt, runnerConfig, type StandaloneEnvironment, type StandaloneSettings } from './attempt.js';
export {
  BACKUP_DIR,
  NOBOOT_FILE,
  RUNNER_CONFIG_FILE,
  RUNNER_FILE,
  RUNNER_FILES,
  RUNNER_LOG_FILE,
  deployRunner,
  readBackupManifest,
  removeRunnerCredentials,
  restoreUserFiles,
  type BackupManifest,
  type RestoreReport,
} from './deploy.js';
export { startReportListener, type ReceivedReport, type ReportListener } from './report-listener.js';
export { parseRunnerLine, parseRunnerLog, type RunnerRecord } from './runner-record.js';
export { startStandaloneSession, standaloneDir, type StandaloneSession } from './session.js';
export { hostSilenceSince, silenceMark, type HostSilence } from './silence.js';
