import { describe, expect, it } from 'vitest';
import { blankCommentsAndStrings, unaliasedJoinedSubqueries } from './sql-lint';

const lines = (sql: string) => unaliasedJoinedSubqueries(sql).map((f) => f.line);

describe('unaliasedJoinedSubqueries', () => {
  it('finds both operands of a join without aliases (Code 206 on ClickHouse >= 20.3)', () => {
    const sql = `SELECT t, n
FROM
(
    SELECT number AS t FROM numbers(3)
)
ANY LEFT JOIN
(
    SELECT number AS t, 1 AS n FROM numbers(2)
) USING t`;
    expect(lines(sql)).toEqual([3, 7]);
  });

  it('accepts aliases with and without AS', () => {
    expect(unaliasedJoinedSubqueries('SELECT * FROM (SELECT 1 AS t) AS a ANY LEFT JOIN (SELECT 1 AS t) AS b USING t')).toEqual([]);
    expect(unaliasedJoinedSubqueries('SELECT * FROM (SELECT 1 AS t) a ALL INNER JOIN (SELECT 1 AS t) b ON a.t = b.t')).toEqual([]);
    expect(unaliasedJoinedSubqueries('SELECT * FROM (SELECT 1 AS t) AS `a` GLOBAL ANY LEFT OUTER JOIN (SELECT 1 AS t) AS "b" USING t')).toEqual([]);
  });

  it('finds one missing alias among two', () => {
    expect(unaliasedJoinedSubqueries('SELECT * FROM (SELECT 1 AS t) AS a ANY LEFT JOIN (SELECT 1 AS t) USING t')).toHaveLength(1);
    expect(unaliasedJoinedSubqueries('SELECT * FROM (SELECT 1 AS t) ANY INNER JOIN (SELECT 1 AS t) AS b USING t')).toHaveLength(1);
    expect(unaliasedJoinedSubqueries('SELECT * FROM t1 JOIN (SELECT 1 AS t) USING t')).toHaveLength(1);
    expect(unaliasedJoinedSubqueries('SELECT * FROM (WITH 1 AS x SELECT x AS t) CROSS JOIN t2')).toHaveLength(1);
  });

  it('leaves subqueries that are not joined alone', () => {
    expect(unaliasedJoinedSubqueries('SELECT * FROM (SELECT 1 AS t) WHERE t IN (SELECT 1) ORDER BY t')).toEqual([]);
    expect(unaliasedJoinedSubqueries('SELECT x FROM (SELECT groupArray(n) AS ps FROM (SELECT 1 AS n)) ARRAY JOIN ps AS x')).toEqual([]);
    expect(unaliasedJoinedSubqueries('SELECT (SELECT max(a) FROM t) + 1 AS m')).toEqual([]);
    expect(unaliasedJoinedSubqueries('SELECT a FROM t1 ANY LEFT JOIN t2 USING a')).toEqual([]);
  });

  it('is not fooled by JOIN in comments or strings', () => {
    expect(unaliasedJoinedSubqueries("SELECT 'x) ANY LEFT JOIN (SELECT' AS s -- (SELECT 1) JOIN (SELECT 2)\nFROM t")).toEqual([]);
    expect(unaliasedJoinedSubqueries('/* (SELECT 1) JOIN (SELECT 2) USING t */ SELECT 1')).toEqual([]);
  });

  it('blanks comments and string contents without moving offsets', () => {
    const sql = "SELECT 'a--b' -- c\n/* d */ 1";
    const clean = blankCommentsAndStrings(sql);
    expect(clean).toHaveLength(sql.length);
    expect(clean).toBe("SELECT '    '     \n        1");
  });
});

describe('ClickHouse endpoints', () => {
  it('splits a comma-separated DOWNRADAR_CLICKHOUSE_URL and tells which errors another endpoint may not repeat', async () => {
    const { endpoints, tryAnotherEndpoint } = await import('./client');
    expect(endpoints('http://a:8123, http://b:8123,')).toEqual(['http://a:8123', 'http://b:8123']);
    expect(() => endpoints(' , ')).toThrow(/no ClickHouse endpoint/);
    expect(tryAnotherEndpoint(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(tryAnotherEndpoint(new Error('Code: 242, e.displayText() = DB::Exception: Table is in readonly mode'))).toBe(true);
    expect(tryAnotherEndpoint(Object.assign(new Error('Table x.y does not exist'), { code: '60' }))).toBe(false);
    expect(tryAnotherEndpoint(new Error('Code: 62, e.displayText() = DB::Exception: Syntax error'))).toBe(false);
  });
});
