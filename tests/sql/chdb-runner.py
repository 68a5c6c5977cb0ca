#!/usr/bin/env python3
"""Runs SQL on a current ClickHouse engine in process (chDB), for the SQL compatibility test.

Reads one JSON document on stdin: {"steps": [...]}, each step one of
  {"kind": "command", "sql": "..."}                     must succeed, else the run stops (exit 1)
  {"kind": "insert", "table": "db.t", "rows": [{...}]}  INSERT INTO db.t FORMAT JSONEachRow
  {"kind": "query", "name": "...", "sql": "..."}        rows as JSONEachRow, or the error
and writes {"version": "...", "results": {name: {"rows": [...]} | {"error": "..."}}} on stdout.
Every step runs in one chDB session (one temporary data directory), in order, in UTC.
Started by tests/sql/chdb.ts with the interpreter of the virtual environment infra/setup.sh made.
"""
import json
import os
import sys
import tempfile

os.environ['TZ'] = 'UTC'

from chdb import session  # noqa: E402  (after TZ)


def main() -> int:
    job = json.load(sys.stdin)
    with tempfile.TemporaryDirectory(prefix='downradar-chdb-') as path:
        sess = session.Session(path)
        try:
            sess.query("SET session_timezone = 'UTC'")
            version = str(sess.query('SELECT version()', 'TSV')).strip()
            results = {}
            for i, step in enumerate(job['steps']):
                kind = step['kind']
                if kind == 'command':
                    try:
                        sess.query(step['sql'])
                    except Exception as e:  # the engine's own message, with the statement
                        sys.stderr.write(f"step {i}: {e}\n--- statement ---\n{step['sql']}\n")
                        return 1
                elif kind == 'insert':
                    body = '\n'.join(json.dumps(r) for r in step['rows'])
                    try:
                        sess.query(f"INSERT INTO {step['table']} FORMAT JSONEachRow\n{body}")
                    except Exception as e:
                        sys.stderr.write(f"step {i}: insert into {step['table']}: {e}\n")
                        return 1
                elif kind == 'query':
                    try:
                        out = sess.query(step['sql'], 'JSONEachRow').bytes().decode('utf-8')
                        results[step['name']] = {'rows': [json.loads(l) for l in out.splitlines() if l.strip()]}
                    except Exception as e:
                        results[step['name']] = {'error': str(e)}
                else:
                    sys.stderr.write(f'step {i}: unknown kind {kind}\n')
                    return 2
            json.dump({'version': version, 'results': results}, sys.stdout)
        finally:
            sess.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
