/** The questions of docs/sql-cookbook.md: each numbered heading and the one ```sql block under it. */
export interface Recipe {
  number: number;
  title: string;
  sql: string;
}

export function extractRecipes(markdown: string): Recipe[] {
  const recipes: Recipe[] = [];
  const re = /^###\s+(\d+)\.\s+(.+?)\s*$|^```sql\s*\n([\s\S]*?)^```/gm;
  let heading: { number: number; title: string } | null = null;
  for (let m = re.exec(markdown); m; m = re.exec(markdown)) {
    if (m[1]) heading = { number: Number(m[1]), title: m[2]! };
    else if (m[3] !== undefined) {
      if (!heading) throw new Error('a ```sql block before any numbered question');
      recipes.push({ ...heading, sql: m[3].trim().replace(/;\s*$/, '') });
      heading = null;
    }
  }
  return recipes;
}
