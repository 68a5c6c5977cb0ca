/**
 * Two ways into kafkajs' CommonJS modules, for the files that replace a few of its functions
 * (kafkajs-speedups.ts, kafkajs-consumer-speedups.ts) and for the benches that compare them with
 * kafkajs' own.
 */
import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Puts `exports` into the module cache as the module at `path`, so that kafkajs' own require of it
 * gets ours. False when it is too late: `tooLateIfLoaded`, the module that requires it, is already
 * loaded and holds kafkajs' own function. True when ours is there already.
 */
export function installModule(path: string, exports: unknown, tooLateIfLoaded: string): boolean {
  const cache = require.cache;
  if (cache[path]?.exports === exports) return true;
  if (cache[tooLateIfLoaded]) return false;
  const m = new Module(path);
  m.filename = path;
  m.loaded = true;
  m.exports = exports;
  cache[path] = m;
  return true;
}

/**
 * kafkajs' own module at `path` (a file name, or an id such as 'kafkajs/src/...'), compiled from its
 * file under its own name and kept out of the module cache, which may hold our replacement.
 */
export function kafkajsOwn<T>(pathOrId: string): T {
  const path = require.resolve(pathOrId);
  const m = new Module(path) as Module & { _compile(code: string, file: string): void; paths: string[] };
  m.filename = path;
  m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.replace(/\/[^/]*$/, ''));
  m._compile(readFileSync(path, 'utf8'), path);
  return m.exports as T;
}
