/**
 * The contract's problem categories, restated so that this library does not load TypeBox at run
 * time: importing schemas/events builds every event schema, which costs 1-2 s of module loading
 * under tsx, more than the whole library is allowed. The contract stays the one source of truth:
 * the compiler refuses this list if it misses or adds a category, and a unit test compares it
 * with PROBLEM_CATEGORIES, order included.
 */
import type { ProblemCategory } from '../../../schemas/events/index';

export const PROBLEM_CATEGORY_LIST = ['login', 'app', 'server_connection', 'messaging', 'website', 'other'] as const satisfies readonly ProblemCategory[];

type Unlisted = Exclude<ProblemCategory, (typeof PROBLEM_CATEGORY_LIST)[number]>;
/** Fails to compile, naming the category, when the contract gains one this list lacks. */
export const EVERY_CATEGORY_LISTED: [Unlisted] extends [never] ? true : Unlisted = true;
