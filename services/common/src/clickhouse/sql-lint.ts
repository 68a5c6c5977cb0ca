/**
 * Checks for SQL that runs on ClickHouse 18.16 but not on current releases.
 *
 * Since 20.3 a subquery on either side of a JOIN needs an alias (`joined_subquery_requires_alias`
 * is on by default): `(SELECT ...) ANY LEFT JOIN (SELECT ...) USING t` fails with Code 206
 * ALIAS_REQUIRED, `(SELECT ...) AS a ANY LEFT JOIN (SELECT ...) AS b USING t` runs on both.
 * 18.16 accepts the aliases, so every joined subquery the project ships carries one.
 *
 * A scanner, not a parser: it strips comments and string literals, matches parentheses, and
 * looks at the words around each parenthesised SELECT. That is enough for the SQL the project
 * writes (and errs towards reporting: a subquery it cannot classify is not assumed aliased).
 */

/** Words that may follow a subquery without being its alias. */
const NOT_AN_ALIAS = new Set([
  'ANY', 'ALL', 'ASOF', 'SEMI', 'ANTI', 'LEFT', 'RIGHT', 'INNER', 'FULL', 'CROSS', 'OUTER', 'GLOBAL', 'JOIN', 'PASTE',
  'USING', 'ON', 'WHERE', 'PREWHERE', 'ORDER', 'GROUP', 'HAVING', 'LIMIT', 'SETTINGS', 'FORMAT', 'UNION', 'EXCEPT',
  'INTERSECT', 'ARRAY', 'FINAL', 'SAMPLE', 'INTO', 'AND', 'OR', 'NOT', 'IN', 'IS', 'BETWEEN', 'LIKE', 'THEN', 'ELSE',
  'END', 'WHEN', 'WINDOW', 'QUALIFY', 'OFFSET', 'WITH', 'FROM', 'SELECT',
]);
const JOIN_PREFIX = new Set(['GLOBAL', 'ANY', 'ALL', 'ASOF', 'SEMI', 'ANTI', 'LEFT', 'RIGHT', 'INNER', 'FULL', 'CROSS', 'OUTER', 'PASTE']);

/** The SQL with comments and the contents of string literals blanked out (same length, same offsets). */
export function blankCommentsAndStrings(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end < 0 ? sql.length : end;
      out += ' '.repeat(stop - i);
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end < 0 ? sql.length : end + 2;
      out += sql.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < sql.length && sql[j] !== c) j += sql[j] === '\\' ? 2 : 1;
      out += c + ' '.repeat(Math.max(0, Math.min(j, sql.length) - i - 1)) + (j < sql.length ? c : '');
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

interface Token {
  text: string;
  upper: string;
  start: number;
  end: number;
}

function tokens(clean: string): Token[] {
  const out: Token[] = [];
  const re = /[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|'[^']*'|"[^"]*"|`[^`]*`|[(),;.]|[^\sA-Za-z0-9_(),;.'"`]+/g;
  for (let m = re.exec(clean); m; m = re.exec(clean)) out.push({ text: m[0], upper: m[0].toUpperCase(), start: m.index, end: m.index + m[0].length });
  return out;
}

export interface JoinedSubquery {
  /** Offset of the subquery's opening parenthesis in the SQL. */
  offset: number;
  /** 1-based line of that parenthesis. */
  line: number;
  /** The start of the subquery, for messages. */
  excerpt: string;
}

/**
 * Every subquery that is an operand of a JOIN (either side) and has no alias. An empty list
 * means the SQL is fine on current ClickHouse in this respect.
 */
export function unaliasedJoinedSubqueries(sql: string): JoinedSubquery[] {
  const clean = blankCommentsAndStrings(sql);
  const toks = tokens(clean);
  // Matching parentheses, by token index.
  const close = new Map<number, number>();
  const stack: number[] = [];
  toks.forEach((t, i) => {
    if (t.text === '(') stack.push(i);
    else if (t.text === ')' && stack.length > 0) close.set(stack.pop()!, i);
  });
  const found: JoinedSubquery[] = [];
  for (const [open, shut] of close) {
    const first = toks[open + 1]?.upper;
    if (first !== 'SELECT' && first !== 'WITH') continue;
    // Preceded by JOIN (possibly `JOIN (`) -> right operand.
    const before = toks[open - 1]?.upper;
    let k = shut + 1;
    const after = toks[k];
    let aliased = false;
    if (after?.upper === 'AS') {
      aliased = true;
      k += 2;
    } else if (after && /^[A-Za-z_`"]/.test(after.text) && !NOT_AN_ALIAS.has(after.upper)) {
      aliased = true;
      k += 1;
    }
    // Followed by [GLOBAL] [ANY|ALL|...] [LEFT|...] [OUTER] JOIN -> left operand.
    while (toks[k] && JOIN_PREFIX.has(toks[k]!.upper)) k++;
    const leftOperand = toks[k]?.upper === 'JOIN';
    const rightOperand = before === 'JOIN';
    if ((leftOperand || rightOperand) && !aliased) {
      const offset = toks[open]!.start;
      found.push({
        offset,
        line: sql.slice(0, offset).split('\n').length,
        excerpt: sql.slice(offset, offset + 60).replace(/\s+/g, ' '),
      });
    }
  }
  return found.sort((a, b) => a.offset - b.offset);
}
