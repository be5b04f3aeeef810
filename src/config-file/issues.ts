import type { z } from 'zod';
import { didYouMean } from './closest.js';

/**
 * A zod issue as one phrase for people: what is wrong at the path and, where it is cheap, what was
 * probably meant. Values under secret keys are never shown, only their type.
 */

interface SchemaDef {
  readonly type: string;
  readonly shape?: Record<string, z.ZodType>;
  readonly element?: z.ZodType;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly valueType?: z.ZodType;
  readonly items?: readonly z.ZodType[];
  readonly options?: readonly z.ZodType[];
  readonly discriminator?: string;
  readonly values?: readonly unknown[];
  readonly entries?: Record<string, unknown>;
}

function defOf(schema: z.ZodType): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
}

/** Strip default/optional/pipe wrappers; pick a discriminated union's option by the document's value. */
function unwrap(schema: z.ZodType, value: unknown): z.ZodType {
  for (;;) {
    const def = defOf(schema);
    if (['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch'].includes(def.type) && def.innerType) schema = def.innerType;
    else if (def.type === 'pipe' && def.in) schema = def.in;
    else if (def.type === 'union' && def.discriminator !== undefined && def.options) {
      const wanted = (value as Record<string, unknown> | undefined)?.[def.discriminator];
      const option = def.options.find((candidate) => literalValues(defOf(candidate).shape?.[def.discriminator ?? '']).includes(wanted));
      if (option === undefined) return schema;
      schema = option;
    } else return schema;
  }
}

function literalValues(schema: z.ZodType | undefined): readonly unknown[] {
  if (schema === undefined) return [];
  const def = defOf(unwrap(schema, undefined));
  if (def.values !== undefined) return def.values;
  if (def.entries !== undefined) return Object.values(def.entries);
  return [];
}

/** The schema that validates the value at `path` of the document, if the path leads anywhere. */
function schemaAt(root: z.ZodType, path: readonly PropertyKey[], document: unknown): z.ZodType | undefined {
  let schema: z.ZodType | undefined = root;
  let value: unknown = document;
  for (const part of path) {
    if (schema === undefined) return undefined;
    const def = defOf(unwrap(schema, value));
    if (def.type === 'object') schema = def.shape?.[String(part)];
    else if (def.type === 'array') schema = def.element;
    else if (def.type === 'record') schema = def.valueType;
    else if (def.type === 'tuple') schema = def.items?.[Number(part)];
    else if (def.type === 'union') {
      // A plain union of objects: follow the option that has the key.
      schema = (def.options ?? []).map((option) => defOf(unwrap(option, value)).shape?.[String(part)]).find((candidate) => candidate !== undefined);
    } else return undefined;
    value = (value as Record<PropertyKey, unknown> | undefined)?.[part];
  }
  return schema === undefined ? undefined : unwrap(schema, value);
}

/** The keys a mapping may have at `path` (every option's keys for a union). */
export function knownKeysAt(root: z.ZodType, path: readonly PropertyKey[], document: unknown): string[] {
  const schema = schemaAt(root, path, document);
  if (schema === undefined) return [];
  const def = defOf(schema);
  if (def.type === 'object') return Object.keys(def.shape ?? {});
  if (def.type === 'union') return [...new Set((def.options ?? []).flatMap((option) => Object.keys(defOf(unwrap(option, undefined)).shape ?? {})))];
  return [];
}

export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const part of path) value = (value as Record<PropertyKey, unknown> | undefined)?.[part];
  return value;
}

function describeValue(value: unknown, secret: boolean): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return secret ? `a ${typeof value}` : `${typeof value} ${JSON.stringify(value)}`;
}

function expectedName(expected: string): string {
  if (expected === 'int') return 'a whole number';
  if (expected === 'object') return 'a mapping';
  if (expected === 'array') return 'a list';
  if (expected === 'boolean') return 'true or false';
  return `a ${expected}`;
}

export interface IssueProblem {
  /** Where the problem is; for an unknown key, the key itself. */
  readonly path: readonly PropertyKey[];
  /** Point at the key rather than its value. */
  readonly atKey: boolean;
  readonly problem: string;
}

export interface IssueOptions {
  /** A path is secret when one of its parts is one of these keys: its value is never shown. */
  readonly secretKeys?: ReadonlySet<string>;
  /** Extra words for a required field, by document path, e.g. { 'board.port': 'or give --port' }. */
  readonly requiredHints?: Readonly<Record<string, string>>;
  readonly pathText?: (path: readonly PropertyKey[]) => string;
  /** What a secret's value must look like, said instead of anything about the value given. */
  readonly secretForm?: string;
}

function enumValues(values: readonly unknown[]): string {
  return values.map((value) => String(value)).join(', ');
}

/** Pick, of an invalid plain union's options, the issue list that got furthest into the value. */
function bestUnionBranch(errors: readonly (readonly z.core.$ZodIssue[])[]): z.core.$ZodIssue | undefined {
  let best: z.core.$ZodIssue | undefined;
  for (const branch of errors) {
    const first = branch[0];
    if (first === undefined) continue;
    if (best === undefined || first.path.length > best.path.length) best = first;
  }
  return best !== undefined && best.path.length > 0 ? best : undefined;
}

/**
 * A plain union (`default | none | … | <number>`) that failed at the value itself: the option of
 * the value's type says what is wrong, the others are named as alternatives.
 */
function describeAlternatives(root: z.ZodType, issue: z.core.$ZodIssueInvalidUnion, document: unknown, options: IssueOptions): IssueProblem | undefined {
  const firsts = issue.errors.map((branch) => branch[0]).filter((first): first is z.core.$ZodIssue => first !== undefined && first.path.length === 0);
  if (firsts.length !== issue.errors.length || firsts.length === 0) return undefined;
  const otherTypes = firsts.filter((first) => first.code === 'invalid_type').map((first) => expectedName((first as z.core.$ZodIssueInvalidType).expected));
  const relevant = firsts.filter((first) => first.code !== 'invalid_type');
  const others = [...new Set(otherTypes)].join(' or ');
  if (relevant.length === 0) {
    const secret = issue.path.some((part) => options.secretKeys?.has(String(part)) === true);
    return { path: issue.path, atKey: false, problem: `must be ${others}, got ${describeValue(valueAt(document, issue.path), secret)}` };
  }
  const [only] = relevant;
  if (relevant.length > 1 || only === undefined) return undefined;
  if (only.code === 'invalid_value') {
    const value = valueAt(document, issue.path);
    const hint = typeof value === 'string' ? didYouMean(value, only.values.map(String)) : '';
    return { path: issue.path, atKey: false, problem: `must be one of ${enumValues(only.values)}${others === '' ? '' : `, or ${others}`}${hint}` };
  }
  const described = describeIssue(root, { ...only, path: issue.path }, document, options);
  return others === '' ? described : { ...described, problem: `${described.problem} (or ${others})` };
}

export function describeIssue(root: z.ZodType, issue: z.core.$ZodIssue, document: unknown, options: IssueOptions = {}): IssueProblem {
  const secret = issue.path.some((part) => options.secretKeys?.has(String(part)) === true);
  const path = issue.path;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const key = issue.keys[0] ?? '?';
      const known = knownKeysAt(root, path, document);
      const hint = didYouMean(key, known);
      const list = known.length > 0 ? ` (known: ${known.join(', ')})` : '';
      return { path: [...path, key], atKey: true, problem: `unknown key${hint === '' ? list : hint}` };
    }
    case 'invalid_type': {
      const value = valueAt(document, path);
      if (value === undefined) {
        const hint = options.requiredHints?.[(options.pathText ?? String)(path)];
        return { path, atKey: true, problem: `is required${hint === undefined ? '' : ` (${hint})`}` };
      }
      return { path, atKey: false, problem: `must be ${expectedName(issue.expected)}, got ${describeValue(value, secret)}` };
    }
    case 'invalid_value': {
      const value = valueAt(document, path);
      const hint = typeof value === 'string' && !secret ? didYouMean(value, issue.values.map(String)) : '';
      return { path, atKey: false, problem: `must be one of ${enumValues(issue.values)}${hint}` };
    }
    case 'too_big':
      return { path, atKey: false, problem: `must be ${issue.inclusive === false ? '<' : '≤'} ${String(issue.maximum)}${issue.origin === 'array' ? ' entries' : issue.origin === 'string' ? ' characters' : ''}` };
    case 'too_small':
      if (issue.origin === 'array' && issue.minimum === 1) return { path, atKey: false, problem: 'must not be empty' };
      if (issue.origin === 'string' && issue.minimum === 1) return { path, atKey: false, problem: 'must not be empty' };
      return { path, atKey: false, problem: `must be ${issue.inclusive === false ? '>' : '≥'} ${String(issue.minimum)}${issue.origin === 'array' ? ' entries' : issue.origin === 'string' ? ' characters' : ''}` };
    case 'invalid_union': {
      if (issue.discriminator !== undefined && 'options' in issue && Array.isArray(issue.options)) {
        const value = valueAt(document, path);
        const options_ = issue.options.map(String);
        const hint = typeof value === 'string' ? didYouMean(value, options_) : '';
        return { path, atKey: value === undefined, problem: value === undefined ? `is required (one of ${options_.join(', ')})` : `must be one of ${options_.join(', ')}${hint}` };
      }
      if (secret && options.secretForm !== undefined) return { path, atKey: false, problem: `must be ${options.secretForm}` };
      const deeper = bestUnionBranch(issue.errors);
      if (deeper !== undefined) return describeIssue(root, { ...deeper, path: [...path, ...deeper.path] }, document, options);
      const alternatives = describeAlternatives(root, issue, document, options);
      if (alternatives !== undefined) return alternatives;
      const schema = schemaAt(root, path, document);
      const forms = schema?.description === undefined ? 'has an invalid form' : `has an invalid form: ${schema.description}`;
      return { path, atKey: false, problem: forms };
    }
    case 'invalid_key':
      return { path, atKey: true, problem: `is not a valid key: ${issue.issues[0]?.message ?? 'invalid'}` };
    case 'invalid_format':
      return { path, atKey: false, problem: issue.message };
    default:
      return { path, atKey: false, problem: issue.message };
  }
}

/**
 * The one problem to report of a failed parse: a misspelt key before anything else, since it also
 * leaves its field missing and the misspelling is what to fix. Undefined when zod gave no issue.
 */
export function describeError(root: z.ZodType, error: z.ZodError, document: unknown, options: IssueOptions = {}): IssueProblem | undefined {
  const issue = error.issues.find((candidate) => candidate.code === 'unrecognized_keys') ?? error.issues[0];
  return issue === undefined ? undefined : describeIssue(root, issue, document, options);
}
