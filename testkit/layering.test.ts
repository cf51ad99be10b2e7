import { describe, expect, it } from 'vitest';
import { importCycles, layeringProblems, readProject, repositoryRoot } from './import-graph.js';

const root = repositoryRoot(import.meta.url);

describe('the repository keeps its layering (docs/design.md §8)', () => {
  const sources = readProject(root);

  it('reads the whole tree', () => {
    expect(sources.size).toBeGreaterThan(200);
    expect([...sources.keys()].some((path) => path.startsWith('engine/'))).toBe(true);
  });

  it('every production import goes down a layer, the core stays pure, files stay small', () => {
    expect(layeringProblems(sources)).toEqual([]);
  });

  it('no production files import each other in a circle', () => {
    expect(importCycles(sources)).toEqual([]);
  });
});

describe('the layering check itself', () => {
  it('catches an import upwards, a node: import in the core, production importing tests, lmdb outside its adapter', () => {
    const sources = new Map([
      ['engine/a.ts', "import { x } from '../gateway/b.js';\nimport { readFileSync } from 'node:fs';\n"],
      ['gateway/b.ts', "export const x = 1;\nimport { y } from '../testkit/c.js';\n"],
      ['testkit/c.ts', 'export const y = 2;\n'],
      ['replay/d.ts', "import { open } from 'lmdb';\nimport t from './d.test.js';\n"],
      ['journal/lmdb-store.ts', "import { open } from 'lmdb';\n"],
      ['runtime/e.ts', `${'\n'.repeat(700)}`],
      ['runtime/f.ts', "const w = spawnWorker(siblingModuleUrl(import.meta.url, '../bench/worker'));\n"],
    ]);
    const problems = layeringProblems(sources);
    expect(problems).toEqual([
      'engine/a.ts: engine imports gateway/b.ts of the layer above, gateway',
      'engine/a.ts: the pure core imports node:fs',
      'gateway/b.ts: gateway imports testkit/c.ts of the layer above, testkit',
      'replay/d.ts: imports lmdb, owned by /^journal\\/lmdb-[a-z-]+\\.ts$/',
      'replay/d.ts: production code imports the test replay/d.test.ts',
      'runtime/e.ts: 701 lines, over 600',
      'runtime/f.ts: runtime imports bench/worker.ts of the layer above, bench',
    ]);
  });

  it('keeps browser code to browser-safe imports and shipped Node code away from it', () => {
    const sources = new Map([
      ['protocol/pure.ts', "export const p = 1;\n"],
      ['protocol/uses-fs.ts', "import { readFileSync } from 'node:fs';\nexport const q = 1;\n"],
      ['protocol/indirect.ts', "import { q } from './uses-fs.js';\n"],
      ['gateway/server.ts', "import { w } from '../web/main.js';\n"],
      ['web/main.ts', "import { p } from '../protocol/pure.js';\nimport type { Q } from '../protocol/uses-fs.js';\nimport { createChart } from 'lightweight-charts';\nimport { v } from './view.js';\nexport const w = 1;\n"],
      ['web/view.ts', "import { i } from '../protocol/indirect.js';\nimport { WebSocket } from 'ws';\nimport { join } from 'node:path';\nexport const v = 1;\n"],
    ]);
    expect(layeringProblems(sources)).toEqual([
      'gateway/server.ts: gateway imports web/main.ts of the layer above, web',
      'web/view.ts: browser code imports protocol/indirect.ts, which imports protocol/uses-fs.ts, which imports node:fs',
      'web/view.ts: browser code imports ws',
      'web/view.ts: browser code imports node:path',
    ]);
  });

  it('finds a circle of files and leaves a chain alone', () => {
    const sources = new Map([
      ['runtime/a.ts', "import { b } from './b.js';"],
      ['runtime/b.ts', "import { c } from './c.js';"],
      ['runtime/c.ts', "import { a } from './a.js';"],
      ['runtime/d.ts', "import { a } from './a.js';"],
    ]);
    expect(importCycles(sources)).toEqual([['runtime/a.ts', 'runtime/b.ts', 'runtime/c.ts']]);
  });
});
