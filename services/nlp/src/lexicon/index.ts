/** Every language the cue reader knows, in one list: adding a language is adding a file here. */
import { ar } from './ar';
import { de } from './de';
import { en } from './en';
import { es } from './es';
import { fr } from './fr';
import { hi } from './hi';
import { id } from './id';
import { it } from './it';
import { ja } from './ja';
import { pt } from './pt';
import { ru } from './ru';
import { tr } from './tr';
import type { LanguageCode, LanguageLexicon } from './types';
import { withVariants } from './variants';

export type { LanguageCode, LanguageLexicon } from './types';

/** Each lexicon with its phrases expanded to every spelling its `variants` allow (romanised Hindi). */
export const LEXICONS: readonly LanguageLexicon[] = [en, es, pt, fr, de, it, tr, id, ja, ar, hi, ru].map(withVariants);
export const LANGUAGE_CODES: readonly LanguageCode[] = LEXICONS.map((l) => l.language);
