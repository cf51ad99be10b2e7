import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';

/**
 * The project's folders as layers, bottom to top (docs/design.md §8). A production file imports
 * only files of its own folder or of folders below it. `testkit/` (tests and benchmarks only)
 * may import any production folder; `bench/` sits on top and may import the test kit too.
 */
export const LAYERS = [
  'platform',
  'ring',
  'engine',
  'journal',
  'replay',
  'runtime',
  'protocol',
  'gateway',
  'cluster',
  'client',
  'loadgen',
  'bin',
  'web',
  'testkit',
  'bench',
] as const;

/** Folders whose code may not import anything from `node:*` (the deterministic core). */
export const PURE_FOLDERS: readonly string[] = ['engine'];

/**
 * Folders of code that runs in a browser (built by Vite, never by tsc into dist/): no `node:*`,
 * no package but BROWSER_PACKAGES, and a value import outside the folder only of a browser-safe
 * file (one whose own value imports, all the way down, are browser-safe). `import type` is erased
 * by the build and may name anything below. Sitting above bin/, they are imported by no shipped
 * Node code.
 */
export const BROWSER_FOLDERS: readonly string[] = ['web'];
export const BROWSER_PACKAGES: ReadonlySet<string> = new Set(['lightweight-charts']);

/** Package imports allowed only in one folder's named files, so that a store can be swapped. */
export const PACKAGE_OWNERS: Readonly<Record<string, RegExp>> = {
  lmdb: /^journal\/lmdb-[a-z-]+\.ts$/,
  // NATS is cluster mode's alone (and the test kit's, which starts and inspects the cluster).
  '@nats-io/transport-node': /^(cluster|testkit|bench)\//,
  '@nats-io/jetstream': /^(cluster|testkit|bench)\//,
  '@nats-io/kv': /^(cluster|testkit|bench)\//,
};

/** The most lines a production file may have: what one person can hold. */
export const PRODUCTION_FILE_LINES_MAX = 600;

/** One import of a file: the specifier as written and, for a relative one, the target file. */
export interface ImportEdge {
  readonly from: string;
  readonly specifier: string;
  readonly target: string | null;
  /** `import type` / `export type`: gone from the built code. */
  readonly typeOnly: boolean;
}

const SKIP_DIRS = new Set(['node_modules', 'dist', 'dist-bench', '.git', 'results']);

export function isTestFile(path: string): boolean {
  return /\.test\.ts$/.test(path);
}

/** Every `.ts` file under the layer folders of `root`, as a relative posix path. */
export function projectFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (depth > 8) throw new Error(`folders nested deeper than 8 under ${dir}`);
    for (const name of readdirSync(dir).sort()) {
      if (SKIP_DIRS.has(name)) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path, depth + 1);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) files.push(relative(root, path).split('\\').join('/'));
    }
  };
  for (const layer of LAYERS) {
    try {
      if (statSync(join(root, layer)).isDirectory()) walk(join(root, layer), 0);
    } catch {
      // a layer with no folder yet has no files
    }
  }
  return files;
}

const IMPORT_PATTERNS = [
  /(?:^|[\s;])(?:import|export)\s[^'"]*?\sfrom\s*['"]([^'"]+)['"]/g,
  /(?:^|[\s;])import\s*['"]([^'"]+)['"]/g,
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  // A worker started from a sibling module is an import in all but name.
  /siblingModuleUrl\(\s*import\.meta\.url,\s*['"]([^'"]+)['"]/g,
];

/** The imports of one file, relative specifiers resolved to the `.ts` file they name. */
export function importsOf(path: string, source: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  const code = withoutComments(source);
  for (const pattern of IMPORT_PATTERNS) {
    for (const match of code.matchAll(pattern)) {
      const specifier = match[1];
      if (specifier === undefined) continue;
      let target: string | null = null;
      if (specifier.startsWith('.')) {
        target = posix.normalize(posix.join(posix.dirname(path), specifier)).replace(/\.js$/, '');
        if (!target.endsWith('.ts')) target += '.ts';
      }
      edges.push({ from: path, specifier, target, typeOnly: /^[\s;]*(?:import|export)\s+type\s/.test(match[0]) });
    }
  }
  return edges;
}

/** The source with block comments and whole-line `//` comments blanked (examples in docs are not imports). */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

export function layerOf(path: string): string {
  return path.split('/')[0] ?? '';
}

/** Every rule the layering breaks in the given sources, one sentence each. */
export function layeringProblems(sources: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  const rank = new Map<string, number>(LAYERS.map((name, i) => [name, i]));
  for (const [path, source] of sources) {
    if (isTestFile(path)) continue;
    const layer = layerOf(path);
    const own = rank.get(layer);
    if (own === undefined) {
      problems.push(`${path}: not in a layer folder`);
      continue;
    }
    const lines = source.split('\n').length;
    if (layer !== 'testkit' && layer !== 'bench' && lines > PRODUCTION_FILE_LINES_MAX) {
      problems.push(`${path}: ${lines} lines, over ${PRODUCTION_FILE_LINES_MAX}`);
    }
    for (const edge of importsOf(path, source)) {
      if (edge.target === null) {
        if (edge.specifier.startsWith('node:') && PURE_FOLDERS.includes(layer)) {
          problems.push(`${path}: the pure core imports ${edge.specifier}`);
        }
        const owner = PACKAGE_OWNERS[edge.specifier];
        if (owner !== undefined && !owner.test(path)) problems.push(`${path}: imports ${edge.specifier}, owned by ${owner}`);
        continue;
      }
      if (isTestFile(edge.target)) {
        problems.push(`${path}: production code imports the test ${edge.target}`);
        continue;
      }
      const targetRank = rank.get(layerOf(edge.target));
      if (targetRank === undefined) problems.push(`${path}: imports ${edge.target}, outside every layer`);
      else if (targetRank > own) problems.push(`${path}: ${layer} imports ${edge.target} of the layer above, ${layerOf(edge.target)}`);
    }
    if (BROWSER_FOLDERS.includes(layer)) problems.push(...browserProblems(path, source, sources));
  }
  return problems;
}

/** What keeps a browser file's value imports from running in a browser. */
function browserProblems(path: string, source: string, sources: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  const safe = new Map<string, string | null>();
  for (const edge of importsOf(path, source)) {
    if (edge.typeOnly) continue;
    if (edge.target === null) {
      if (!BROWSER_PACKAGES.has(edge.specifier)) problems.push(`${path}: browser code imports ${edge.specifier}`);
      continue;
    }
    if (BROWSER_FOLDERS.includes(layerOf(edge.target)) || isTestFile(edge.target)) continue;
    const why = notBrowserSafe(edge.target, sources, safe);
    if (why !== null) problems.push(`${path}: browser code imports ${edge.target}, which ${why}`);
  }
  return problems;
}

/** Why a file cannot run in a browser (its first value import that cannot), or null. */
function notBrowserSafe(path: string, sources: ReadonlyMap<string, string>, memo: Map<string, string | null>): string | null {
  const known = memo.get(path);
  if (known !== undefined) return known;
  memo.set(path, null); // a circle of files is as safe as the rest of it
  const source = sources.get(path);
  let why: string | null = source === undefined ? 'is not in the project' : null;
  for (const edge of source === undefined ? [] : importsOf(path, source)) {
    if (edge.typeOnly) continue;
    if (edge.target === null) {
      if (!BROWSER_PACKAGES.has(edge.specifier)) why = `imports ${edge.specifier}`;
    } else if (notBrowserSafe(edge.target, sources, memo) !== null) {
      why = `imports ${edge.target}, which ${notBrowserSafe(edge.target, sources, memo) as string}`;
    }
    if (why !== null) break;
  }
  memo.set(path, why);
  return why;
}

/** File-level import cycles among production files (each reported once, by its first file). */
export function importCycles(sources: ReadonlyMap<string, string>): string[][] {
  const graph = new Map<string, string[]>();
  for (const [path, source] of sources) {
    if (isTestFile(path)) continue;
    const targets = importsOf(path, source)
      .map((edge) => edge.target)
      .filter((target): target is string => target !== null && sources.has(target) && !isTestFile(target));
    graph.set(path, [...new Set(targets)].sort());
  }
  // Tarjan's strongly connected components, iterative-free for clarity: the graph is small.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next++;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      for (;;) {
        const member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
        if (member === node) break;
      }
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return cycles;
}

/** The sources of every project file under `root`. */
export function readProject(root: string): Map<string, string> {
  return new Map(projectFiles(root).map((path) => [path, readFileSync(join(root, path), 'utf8')]));
}

export function repositoryRoot(moduleUrl: string): string {
  return dirname(dirname(new URL(moduleUrl).pathname));
}
