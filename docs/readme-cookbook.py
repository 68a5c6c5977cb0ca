#!/usr/bin/env python3
"""Copies the first questions of docs/sql-cookbook.md into README.md's SQL cookbook section.
Run after editing the cookbook; a unit test (schemas/readme.test.ts) checks the copy is verbatim."""
import re, pathlib
root = pathlib.Path(__file__).resolve().parent.parent
doc = (root / 'docs/sql-cookbook.md').read_text()
readme = (root / 'README.md').read_text()
items = []
for part in re.split(r'\n### ', doc)[1:]:
    title = part.split('\n', 1)[0]
    m = re.search(r'```sql\n(.*?)```', part, re.S)
    if m:
        items.append(f"**{title}**\n\n```sql\n{m.group(1)}```\n")
block = '<!-- cookbook:start -->\n' + '\n'.join(items[:12]) + '<!-- cookbook:end -->'
if 'COOKBOOK_PLACEHOLDER' in readme:
    readme = readme.replace('COOKBOOK_PLACEHOLDER', block)
else:
    readme = re.sub(r'<!-- cookbook:start -->.*?<!-- cookbook:end -->', lambda _: block, readme, flags=re.S)
(root / 'README.md').write_text(readme)
print(f'README: {min(12, len(items))} cookbook questions copied')
