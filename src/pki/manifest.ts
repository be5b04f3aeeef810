import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { KEY_CHOICES } from './keys.js';
import { CERTIFICATE_SET_NAMES } from './sets.js';

/**
 * `manifest.json` of a set folder (and of `_ca/`, `_untrusted-ca/`): what each file is, how the
 * leaf was asked for, and the facts of every certificate. It never holds key material: keys are
 * listed by file name only. The schemas are the types, and check a manifest read back from disk.
 */
export const MANIFEST_SCHEMA_VERSION = 1;

const CertificateFilesSchema = z.object({ pem: z.string(), der: z.string() });

export const CertificateEntrySchema = z.object({
  subject: z.string(),
  issuer: z.string(),
  serialNumber: z.string().regex(/^[0-9a-f]+$/),
  sha256: z.string().regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
  notBefore: z.iso.datetime(),
  notAfter: z.iso.datetime(),
  keyAlgorithm: z.string(),
  signatureAlgorithm: z.string(),
  isCa: z.boolean(),
  selfSigned: z.boolean(),
  subjectAltNames: z.array(z.string()),
  extendedKeyUsage: z.array(z.string()),
  keyUsage: z.array(z.string()),
  files: CertificateFilesSchema,
});
export type CertificateEntry = z.output<typeof CertificateEntrySchema>;

export const KeyEntrySchema = z.object({
  algorithm: z.string(),
  /** Always `0600`. */
  mode: z.literal('0600'),
  files: z.object({ pkcs8Pem: z.string(), pkcs8Der: z.string(), sec1Pem: z.string().optional(), sec1Der: z.string().optional() }),
});
export type KeyEntry = z.output<typeof KeyEntrySchema>;

/** How the leaves were asked for: `--key`, `--dns`, `--host-ip` (or detected), `--san`. */
export const LeafRequestSchema = z.object({
  key: z.enum(KEY_CHOICES),
  dnsName: z.string(),
  hostIps: z.array(z.string()),
  /** `detected`: the host's IPv4 addresses when the leaf was made; `option`: chosen with --host-ip. */
  hostIpsFrom: z.enum(['detected', 'option']),
  extraSans: z.array(z.string()),
});
export type LeafRequest = z.output<typeof LeafRequestSchema>;

const FlagSchema = z.enum(['BADCERT_EXPIRED', 'BADCERT_CN_MISMATCH', 'BADCERT_NOT_TRUSTED', 'BADCERT_FUTURE', 'BADCERT_BAD_MD', 'BADCERT_BAD_KEY']);
const VerdictSchema = z.object({ flags: z.array(FlagSchema), note: z.string() });

export const CertificateSetManifestSchema = z.object({
  schema: z.literal(MANIFEST_SCHEMA_VERSION),
  name: z.enum(CERTIFICATE_SET_NAMES),
  summary: z.string(),
  describe: z.string(),
  /** mbedTLS's verify flags for this chain on a board with a synced clock and on a cold board. */
  expected: z.object({ synced: VerdictSchema, coldBoot: VerdictSchema }),
  /** The name a board passes as `server_hostname` (the requested DNS name, also for wrong-host). */
  serverHostname: z.string(),
  request: LeafRequestSchema,
  /** The file a board loads as `cadata=`: the shared root. */
  trustAnchor: z.string(),
  certificates: z.object({
    ca: CertificateEntrySchema,
    root: CertificateEntrySchema.nullable(),
    intermediate: CertificateEntrySchema.nullable(),
    leaf: CertificateEntrySchema,
    client: CertificateEntrySchema,
  }),
  keys: z.object({ leaf: KeyEntrySchema, client: KeyEntrySchema }),
  /** What the server sends, in order. */
  chain: z.object({ file: z.string(), certificates: z.array(z.enum(['leaf', 'intermediate'])) }),
  /** What a client sends for mutual TLS, in order. */
  clientChain: z.object({ file: z.string(), certificates: z.array(z.enum(['client', 'intermediate'])) }),
  /** Every file of the folder → what it is. */
  files: z.record(z.string(), z.string()),
});
export type CertificateSetManifest = z.output<typeof CertificateSetManifestSchema>;

export const AuthorityManifestSchema = z.object({
  schema: z.literal(MANIFEST_SCHEMA_VERSION),
  authority: z.enum(['shared', 'untrusted']),
  describe: z.string(),
  /** The request the tree was last generated with; a re-run without options reuses it. */
  request: LeafRequestSchema,
  certificates: z.object({ root: CertificateEntrySchema, intermediate: CertificateEntrySchema, client: CertificateEntrySchema.nullable() }),
  keys: z.object({ root: KeyEntrySchema, intermediate: KeyEntrySchema, client: KeyEntrySchema.nullable() }),
  files: z.record(z.string(), z.string()),
});
export type AuthorityManifest = z.output<typeof AuthorityManifestSchema>;

/** Stable JSON for a manifest: two-space indent, final newline (so a re-run rewrites nothing). */
export function manifestJson(manifest: CertificateSetManifest | AuthorityManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** Parse and check a manifest file's text; a ConfigError names the file and the first bad field. */
export function parseManifest<T extends z.ZodType>(schema: T, text: string, file: string): z.output<T> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${file}: not JSON (${(error as Error).message})`, { file });
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path.map(String).join('.') ?? '';
    throw new ConfigError(`${file}: ${path === '' ? '' : `${path}: `}${issue?.message ?? 'invalid'}`, { file, path });
  }
  return result.data;
}
