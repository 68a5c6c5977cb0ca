/**
 * An experiment (DOWNRADAR_BENCH_SERVICE_IMPORT=./bench/lib/no-keep-names.mjs): the services run
 * as with `--import tsx`, except that the project's own .ts files are compiled by esbuild without
 * `keepNames`. tsx always sets it, and it wraps every named closure in `__name(fn, "name")`, an
 * Object.defineProperty each time the closure is created: in text understanding (services/nlp),
 * which makes many small named closures per post, that was about a quarter of a post's CPU.
 * Without minified identifiers the names are the same anyway: JavaScript infers them.
 * tsx still resolves modules and loads everything else (node_modules, CommonJS); this hook is
 * registered after it, so it runs first.
 */
import 'tsx';
import { register } from 'node:module';

register('./no-keep-names-hooks.mjs', import.meta.url);
