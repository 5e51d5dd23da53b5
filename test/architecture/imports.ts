// Reads the import statements of source files with the TypeScript compiler's own parser (static
// imports and re-exports, `import type`, `import x = require()`, dynamic `import()` and
// `import('x').T` type references) and holds each one to the house map (rooms.ts): which room
// the importing file stands in, which room the imported one, and whether that arrow is allowed.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import type { Room } from './rooms.js';

export interface ImportRef {
  /** The specifier as written. */
  specifier: string;
  /** 1-based line of the import. */
  line: number;
  typeOnly: boolean;
}

export interface Violation {
  /** Repo-relative path of the importing file. */
  from: string;
  line: number;
  specifier: string;
  /** Repo-relative path (or package) it reaches. */
  to: string;
  /** Why the arrow is refused. */
  why: string;
}

/** Every module a file names, with its line. */
export function importsOf(path: string): ImportRef[] {
  const text = readFileSync(path, 'utf8');
  const kind = path.endsWith('.mjs') || path.endsWith('.js') ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, kind);
  const found: ImportRef[] = [];
  const add = (literal: ts.Expression | undefined, typeOnly: boolean): void => {
    if (literal === undefined || !ts.isStringLiteralLike(literal)) return;
    found.push({ specifier: literal.text, line: source.getLineAndCharacterOfPosition(literal.getStart(source)).line + 1, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node.moduleSpecifier, node.importClause?.isTypeOnly === true);
    else if (ts.isExportDeclaration(node)) add(node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference))
      add(node.moduleReference.expression, node.isTypeOnly);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], false);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal, true);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Our workspaces by package name, and the folder each one's specifiers resolve into. */
const PACKAGES: Record<string, string> = {
  '@otherix/sdk': 'sdk/src',
  '@otherix/server': 'server/src',
  '@otherix/agent': 'agent/src',
  '@otherix/cli': 'cli/src',
};

const PACKAGE_FOLDERS = Object.values(PACKAGES).map((folder) => folder.split('/')[0]);

const packageOf = (path: string): string =>
  Object.entries(PACKAGES).find(([, folder]) => path.startsWith(`${folder.split('/')[0]}/`))?.[0] ?? path;

/**
 * Where a specifier leads, relative to `root`: a repo path for ours (a package's entry or
 * subpath, or a relative file), undefined for node built-ins and third-party packages.
 */
export function resolveImport(root: string, fromFile: string, specifier: string): string | undefined {
  for (const [name, folder] of Object.entries(PACKAGES)) {
    if (specifier === name) return `${folder}/index.ts`;
    if (specifier.startsWith(`${name}/`)) return `${folder}/${specifier.slice(name.length + 1)}.ts`;
  }
  if (!specifier.startsWith('.')) return undefined;
  const target = resolve(dirname(resolve(root, fromFile)), specifier);
  const candidates = [target.replace(/\.(m?)js$/, '.$1ts'), target, `${target}.ts`, join(target, 'index.ts')];
  const hit = candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile()) ?? candidates[0];
  return relative(root, hit).split(sep).join('/');
}

/** The room a repo path stands in: the one with the longest path that holds it. */
export function roomOf(rooms: readonly Room[], path: string): Room | undefined {
  let best: { room: Room; length: number } | undefined;
  for (const room of rooms) {
    for (const place of room.paths) {
      const holds = place.endsWith('/') ? path.startsWith(place) : path === place;
      if (holds && (best === undefined || place.length > best.length)) best = { room, length: place.length };
    }
  }
  return best?.room;
}

/** Every file under `folder` (repo-relative) whose name ends in one of `endings`, build output and dependencies left out. */
export function sourceFiles(root: string, folder: string, endings: readonly string[] = ['.ts']): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    if (!existsSync(join(root, dir))) return;
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== 'dist' && entry.name !== 'node_modules') walk(path);
      } else if (endings.some((ending) => entry.name.endsWith(ending)) && !entry.name.endsWith('.d.ts')) {
        out.push(path);
      }
    }
  };
  walk(folder);
  return out.sort();
}

/**
 * Holds every import of `files` to the map: an import of ours must land in the file's own room
 * or in a room its room may import; another package is imported by its name, never by a
 * relative path into its files; nothing may reach test/; a file of ours in no room is a
 * violation too (the map must cover the house).
 */
export function checkImports(root: string, rooms: readonly Room[], files: readonly string[]): Violation[] {
  const violations: Violation[] = [];
  for (const from of files) {
    const room = roomOf(rooms, from);
    for (const ref of importsOf(join(root, from))) {
      const to = resolveImport(root, from, ref.specifier);
      if (to === undefined) continue;
      const at = { from, line: ref.line, specifier: ref.specifier, to };
      if (to === 'test' || to.startsWith('test/')) {
        violations.push({ ...at, why: 'nothing imports tests' });
        continue;
      }
      const home = from.split('/')[0];
      if (ref.specifier.startsWith('.') && PACKAGE_FOLDERS.includes(to.split('/')[0]) && to.split('/')[0] !== home) {
        violations.push({ ...at, why: `import ${packageOf(to)}, not its files` });
        continue;
      }
      if (room === undefined) {
        violations.push({ ...at, why: `${from} stands in no room of the map` });
        continue;
      }
      const target = roomOf(rooms, to);
      if (target === undefined) {
        violations.push({ ...at, why: `${to} stands in no room of the map` });
        continue;
      }
      if (target !== room && !room.mayImport.includes(target.name)) {
        violations.push({ ...at, why: `${room.name} may not import ${target.name}` });
      }
    }
  }
  return violations;
}
