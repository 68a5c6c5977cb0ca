/**
 * Language names for the posts list, from the browser's own data (Intl.DisplayNames), falling
 * back to the tag. "hi-Latn" reads "Hindi (Latin)": romanised Hindi is its own way of writing.
 */
let names: Intl.DisplayNames | null | undefined;

export function languageName(tag: string): string {
  if (names === undefined) {
    try {
      names = new Intl.DisplayNames(['en'], { type: 'language' });
    } catch {
      names = null;
    }
  }
  try {
    return names?.of(tag) ?? tag;
  } catch {
    return tag;
  }
}

/** The tooltip of a post's language tag: what was detected, and what the source declared when it differs. */
export function languageTitle(detected: string, declared: string | null): string {
  const detectedText = `written in ${languageName(detected)} (detected)`;
  if (!declared || declared === detected || declared.split('-')[0] === detected) return detectedText;
  return `${detectedText}; the source declared ${languageName(declared)}`;
}
