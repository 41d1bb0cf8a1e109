// Loads a shop from disk: its policy (shops/<id>/policy.yaml, validated by
// ./schema.ts) and its versioned terms documents (ID-2: shops/<id>/terms/).
// A bad file never half-loads: PolicyLoadError names the file, the path inside
// it, the line and what is wrong, in plain words.
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isMap, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import { z } from 'zod';
import { policySchema, type Policy } from './schema.js';
import { formatPath, yamlErrorText } from './yaml-file.js';

export type TermsVersion = {
  id: string;
  effectiveAt: Date;
  summary: string;
  /** ID-2: the exact text shown to customers, per language (FR is the reference). */
  text: { fr: string; en: string };
  /** sha256 hex of the exact bytes of each text file: what an order records. */
  hash: { fr: string; en: string };
};

export type LoadedShop = {
  id: string;
  dir: string;
  policyFile: string;
  policy: Policy;
  /** sha256 hex of the canonical JSON of the parsed policy (keys sorted): the policy version frozen into orders (OR-4). */
  policyHash: string;
  /** Oldest first. */
  terms: TermsVersion[];
};

export type PolicyProblem = {
  /** Path inside the file, e.g. `shipping.methods[1].rates.DE`; '' for the whole file. */
  path: string;
  line?: number;
  message: string;
};

export class PolicyLoadError extends Error {
  readonly file: string;
  readonly problems: PolicyProblem[];

  constructor(file: string, problems: PolicyProblem[], headline?: string) {
    const shown = displayPath(file);
    const lines = problems.map((p) => {
      const where = [p.path || '(file)', p.line !== undefined ? `(line ${p.line})` : ''].filter(Boolean).join(' ');
      return `  - ${where}: ${p.message}`;
    });
    super([headline ?? `Invalid policy file ${shown}:`, ...lines].join('\n'));
    this.name = 'PolicyLoadError';
    this.file = file;
    this.problems = problems;
  }
}

function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

// ---------------------------------------------------------------------------
// Policy

/** Loads and validates one policy file. */
export async function loadPolicyFile(file: string): Promise<{ policy: Policy; policyHash: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new PolicyLoadError(file, [{ path: '', message: `cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})` }]);
  }
  return parsePolicyText(text, file);
}

/** Validates policy YAML text; `file` is only used in error messages. */
export function parsePolicyText(text: string, file: string): { policy: Policy; policyHash: string } {
  const { doc, lineCounter, data } = parseYaml(text, file);
  const result = policySchema.safeParse(data);
  if (!result.success) {
    throw new PolicyLoadError(file, describeIssues(result.error.issues, doc, lineCounter, data));
  }
  return { policy: result.data, policyHash: sha256(canonicalJson(result.data)) };
}

function parseYaml(text: string, file: string): { doc: Document; lineCounter: LineCounter; data: unknown } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new PolicyLoadError(
      file,
      doc.errors.map((e) => ({
        path: '',
        line: e.linePos?.[0]?.line,
        message: `not valid YAML: ${yamlErrorText(e)}`,
      })),
    );
  }
  return { doc, lineCounter, data: doc.toJS({ maxAliasCount: 100 }) };
}

/** JSON with object keys sorted at every level: the same policy always hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

// --- turning zod issues into plain words with a line number

type PathSeg = string | number;

function valueAt(data: unknown, segments: readonly PathSeg[]): unknown {
  let v = data;
  for (const s of segments) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PathSeg, unknown>)[s];
  }
  return v;
}

function withArticle(expected: string): string {
  const words: Record<string, string> = { object: 'a mapping', array: 'a list', string: 'a text', number: 'a number', boolean: 'true or false', int: 'a whole number' };
  return words[expected] ?? `a ${expected}`;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the text ${JSON.stringify(v)}`;
  return `${typeof v} ${String(v)}`;
}

function lineOf(doc: Document, lineCounter: LineCounter, segments: readonly PathSeg[], key?: string): number | undefined {
  if (key !== undefined) {
    const parent = doc.getIn(segments, true);
    if (isMap(parent)) {
      const pair = parent.items.find((item) => (item.key as { value?: unknown } | null)?.value === key);
      const range = (pair?.key as YamlNode | undefined)?.range;
      if (range) return lineCounter.linePos(range[0]).line;
    }
  }
  // The deepest node that exists on the path (a missing key points at its parent).
  for (let n = segments.length; n >= 0; n--) {
    const node = (n === 0 ? doc.contents : doc.getIn(segments.slice(0, n), true)) as YamlNode | null | undefined;
    if (node && typeof node === 'object' && 'range' in node && node.range) {
      return lineCounter.linePos(node.range[0]).line;
    }
  }
  return undefined;
}

function describeIssues(issues: readonly z.core.$ZodIssue[], doc: Document, lineCounter: LineCounter, data: unknown): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  for (const issue of issues) {
    const segments = issue.path.filter((s): s is PathSeg => typeof s === 'string' || typeof s === 'number');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({
          path: formatPath([...segments, key]),
          line: lineOf(doc, lineCounter, segments, key),
          message: `unknown key "${key}" (check its spelling: unknown keys are refused)`,
        });
      }
      continue;
    }
    const actual = valueAt(data, segments);
    let message: string;
    switch (issue.code) {
      case 'invalid_type':
        message =
          actual === undefined
            ? `missing: ${withArticle(issue.expected)} is required here (the line is where the enclosing mapping starts)`
            : `expected ${withArticle(issue.expected)}, got ${describeValue(actual)}`;
        break;
      case 'invalid_value':
        message = `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${describeValue(actual)}`;
        break;
      case 'invalid_union':
        message = issue.message && issue.message !== 'Invalid input' ? issue.message : `${describeValue(actual)} matches none of the accepted forms`;
        break;
      case 'invalid_key':
        message = `key ${JSON.stringify(segments.at(-1))}: ${issue.issues[0]?.message ?? issue.message}`;
        break;
      case 'invalid_format':
        message = `expected a valid ${issue.format}, got ${describeValue(actual)}`;
        break;
      default:
        message = issue.message;
    }
    problems.push({ path: formatPath(segments), line: lineOf(doc, lineCounter, segments), message });
  }
  return problems;
}

// ---------------------------------------------------------------------------
// Terms documents (ID-2)

const versionsFileSchema = z.strictObject({
  versions: z
    .array(
      z.strictObject({
        id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'a version id is lower-case letters, digits, dots and dashes, e.g. v2'),
        effectiveAt: z.iso.datetime({ offset: true, error: 'expected an ISO instant such as 2026-07-01T00:00:00+02:00' }),
        summary: z.string().min(1),
      }),
    )
    .min(1),
});

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads shops/<id>/terms/versions.yaml and the texts it lists; [] when the shop has no terms folder. */
export async function loadTerms(shopDir: string): Promise<TermsVersion[]> {
  const file = path.join(shopDir, 'terms', 'versions.yaml');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const { doc, lineCounter, data } = parseYaml(text, file);
  const parsed = versionsFileSchema.safeParse(data);
  if (!parsed.success) throw new PolicyLoadError(file, describeIssues(parsed.error.issues, doc, lineCounter, data), `Invalid terms index ${displayPath(file)}:`);
  const seen = new Set<string>();
  const versions: TermsVersion[] = [];
  for (const [i, v] of parsed.data.versions.entries()) {
    if (seen.has(v.id)) throw new PolicyLoadError(file, [{ path: `versions[${i}].id`, line: lineOf(doc, lineCounter, ['versions', i, 'id']), message: `version id "${v.id}" is listed twice` }]);
    seen.add(v.id);
    const texts = { fr: '', en: '' };
    const hashes = { fr: '', en: '' };
    for (const lang of ['fr', 'en'] as const) {
      const textFile = path.join(shopDir, 'terms', `${v.id}.${lang}.md`);
      let bytes: Buffer;
      try {
        bytes = await readFile(textFile);
      } catch {
        throw new PolicyLoadError(file, [{ path: `versions[${i}]`, line: lineOf(doc, lineCounter, ['versions', i]), message: `the text terms/${v.id}.${lang}.md is missing` }]);
      }
      try {
        texts[lang] = utf8.decode(bytes);
      } catch {
        throw new PolicyLoadError(textFile, [{ path: '', message: 'the text is not valid UTF-8' }], `Invalid terms text ${displayPath(textFile)}:`);
      }
      if (texts[lang].trim() === '') throw new PolicyLoadError(textFile, [{ path: '', message: 'the text is empty' }], `Invalid terms text ${displayPath(textFile)}:`);
      hashes[lang] = sha256(bytes);
    }
    versions.push({ id: v.id, effectiveAt: new Date(v.effectiveAt), summary: v.summary, text: texts, hash: hashes });
  }
  return versions.sort((a, b) => a.effectiveAt.getTime() - b.effectiveAt.getTime());
}

// ---------------------------------------------------------------------------
// Shops

/** The shops found in a shops folder: sub-folders holding a policy.yaml, sorted. */
export async function listShops(shopsDir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(shopsDir);
  } catch {
    return [];
  }
  const shops: string[] = [];
  for (const name of entries) {
    const found = await stat(path.join(shopsDir, name, 'policy.yaml')).then((s) => s.isFile(), () => false);
    if (found) shops.push(name);
  }
  return shops.sort();
}

/** Loads shops/<shopId>: policy, policy hash and terms versions. */
export async function loadShop(shopsDir: string, shopId: string): Promise<LoadedShop> {
  const shops = await listShops(shopsDir);
  if (!/^[a-z0-9-]+$/.test(shopId) || !shops.includes(shopId)) {
    throw new PolicyLoadError(
      path.join(shopsDir, shopId),
      [],
      `Unknown shop "${shopId}" in ${displayPath(shopsDir)}. ${shops.length ? `Shops available: ${shops.join(', ')}.` : 'No shop folder with a policy.yaml was found there.'}`,
    );
  }
  return loadShopDir(path.join(shopsDir, shopId), shopId);
}

/** Loads a shop from its folder; when `expectedId` is given the policy's shop.id must match it. */
export async function loadShopDir(dir: string, expectedId?: string): Promise<LoadedShop> {
  const policyFile = path.join(dir, 'policy.yaml');
  const { policy, policyHash } = await loadPolicyFile(policyFile);
  if (expectedId !== undefined && policy.shop.id !== expectedId) {
    throw new PolicyLoadError(policyFile, [{ path: 'shop.id', message: `the folder is "${expectedId}" but shop.id says "${policy.shop.id}"` }]);
  }
  const terms = await loadTerms(dir);
  return { id: policy.shop.id, dir, policyFile, policy, policyHash, terms };
}
