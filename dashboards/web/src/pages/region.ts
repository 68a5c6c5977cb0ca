/** Country names from the browser's own data (Intl.DisplayNames), falling back to the code. */
let names: Intl.DisplayNames | null | undefined;

export function regionName(code: string): string {
  if (names === undefined) {
    try {
      names = new Intl.DisplayNames(['en'], { type: 'region' });
    } catch {
      names = null;
    }
  }
  try {
    return names?.of(code) ?? code;
  } catch {
    return code;
  }
}
