import type { LanguageLexicon } from './types';

/**
 * Hindi in both scripts people post in: Devanagari ("नहीं चल रहा") and romanised Hinglish
 * ("nahi chal raha"), often mixed with English words ("load nahi ho rahi"). The verb comes
 * last and the negator sits before it, after the thing that fails: negation scope in either
 * order covers "login nahi ho raha" and "nahi khul raha" alike.
 *
 * Romanised Hindi has no standard spelling and its verbs agree with their subject's gender:
 * phrases are written once in their usual spelling and `variants` reads them in every spelling
 * and gender ("nahi chal raha" is also "nhi chl rha", "nahin chal rahi", "nai chal rahe").
 * English verbs become Hindi verbs with "ho" / "kar" ("load ho", "refresh kar"), so the function
 * words hold both the Hindi verbs in their forms and the English verbs people use this way.
 */

/** The forms of a Hindi verb stem that ends in a consonant: chal, chala, chali, chale, chalta, chalti, chalte, chalega... */
const consonantStem = (stem: string) =>
  ['', 'a', 'i', 'e', 'ta', 'ti', 'te', 'ega', 'egi', 'enge', 'na', 'ne'].map((ending) => stem + ending);

/** The progressive joined into one word in chat ("chal raha" > "chalra", "khul rahi" > "khulri", like "ho raha" > "hora"). */
const joinedProgressive = (stem: string) => ['ra', 'ri', 're'].map((ending) => stem + ending);

/** Latin-script verbs of the negation rule. */
const ROMANISED_VERBS = [
  ...['chal', 'khul', 'dikh', 'bhej', 'jud', 'mil', 'ruk', 'pahunch'].flatMap(consonantStem), 'chl', 'sun', 'sunai', 'dikhai',
  ...['chal', 'khul', 'dikh', 'bhej', 'mil', 'aa', 'kar', 'de'].flatMap(joinedProgressive),
  // "ja raha" joined, but not "jara" (also "zara", "a little").
  'jari', 'jare',
  // "call nahi lag rahi" (does not connect); not "lagta": "nahi lagta" is "I don't think so".
  'lag', 'laga', 'lagi', 'lage',
  // ho (be, become), ja (go), aa (come), de (give), pa (manage to), kar (do): irregular, and the light verbs of English loans.
  'ho', 'hota', 'hoti', 'hote', 'hua', 'hui', 'hue', 'hoga', 'hogi', 'hona', 'hone', 'hora', 'hori', 'hore',
  'ja', 'jaa', 'jata', 'jaata', 'jati', 'jaati', 'jate', 'jaate', 'gaya', 'gayi', 'gaye', 'gya', 'gyi', 'jayega', 'jaega', 'jana', 'jane',
  'aa', 'aata', 'aati', 'aate', 'aaya', 'aayi', 'aaye', 'aya', 'aayega', 'aana', 'aane',
  'de', 'deta', 'deti', 'dete', 'diya', 'diye', 'dega', 'dena', 'dene',
  'pa', 'paa', 'paya', 'payi', 'paye', 'paata', 'paati',
  'kar', 'kr', 'karta', 'karti', 'karte', 'kiya', 'kiye', 'karega', 'karna', 'karne',
  // English verbs people conjugate with ho / kar: "refresh nahi ho raha", "scan hi nahi hora".
  'load', 'connect', 'login', 'send', 'join', 'open', 'play', 'reply', 'download', 'upload', 'refresh', 'scan', 'deliver',
  'sync', 'start', 'submit', 'verify', 'stream', 'post', 'search', 'update', 'install', 'receive', 'delete',
];

/**
 * English failure verbs made Hindi with the light verbs "ho" (become) and "kar" (do): "crash ho
 * raha", "logout kar diya", "call drop ho rahi". Each verb with each light verb, in the present
 * progressive, the perfective and the habitual; `variants` add the genders and spellings.
 */
const FAILURE_LOANS = ['crash', 'hang', 'logout', 'log out', 'drop', 'disconnect', 'buffer', 'freeze', 'stuck', 'lag', 'timeout', 'time out', 'fail', 'cut', 'reconnect', 'jam', 'bounce'];
const LIGHT_VERB_FORMS = ['ho raha', 'ho gaya', 'ho jata', 'ho ja raha', 'kar raha', 'kar deta', 'kar diya', 'kar de raha'];
const FAILURE_LOAN_PHRASES = FAILURE_LOANS.flatMap((verb) => LIGHT_VERB_FORMS.map((form) => `${verb} ${form}`));

export const hi: LanguageLexicon = {
  language: 'hi',
  countries: ['IN'],
  outage: [
    // Devanagari
    'नहीं चल रहा है', 'नहीं हो रहा', 'नहीं हो रही', 'एरर आ रहा', 'नेटवर्क गायब', 'सिग्नल नहीं', 'काम नहीं कर रहे', 'बंद पड़ा', 'चला गया', 'चली गई',
    'बंद हो जाता', 'नहीं चल रहा', 'नहीं चल रही', 'नहीं चल रहे', 'बंद है', 'बंद हो गया', 'डाउन', 'डाउन है', 'काम नहीं कर रहा', 'काम नहीं कर रही',
    'खराब', 'खराब है', 'अटका', 'अटकी', 'अटके', 'अटका है', 'गायब', 'नेटवर्क नहीं', 'इंटरनेट नहीं', 'स्लो', 'हैंग', 'क्रैश',
    'नहीं खुल रहा', 'नहीं खुल रही', 'खुल ही नहीं रहा', 'लोड नहीं', 'कनेक्ट नहीं', 'जवाब नहीं दे रहा', 'सफेद स्क्रीन', 'एक टिक',
    'बार बार बंद',
    // romanised, in one spelling and gender each (variants below read the others)
    'nahi chal raha', 'chal nahi raha', 'band hai', 'band ho gaya', 'band pada', 'band ho jata', 'down hai', 'kaam nahi kar raha',
    'kharab', 'kharab hai', 'atka', 'atka hai', 'atak gaya', 'atak raha', 'phas gaya', 'phasa', 'phasa hua', 'gayab',
    'network nahi', 'net nahi', 'signal nahi', 'signal nahi aa raha', 'net hai hi nahi', 'network hai hi nahi',
    'nahi khul raha', 'khul nahi raha', 'load nahi', 'connect nahi', 'nahi ho raha', 'ghoom raha', 'ghum raha',
    'hang ho raha', 'hang ho gaya', 'hang ho jata',
    // "Something is off" ("kuch gadbad hai", "gadbad chal rahi"): the everyday word for a fault.
    'gadbad', 'garbar', 'gadbadi', 'garbari',
    // Working, but badly: a manner word before "chal raha" (which alone says it works).
    'dheema chal raha', 'dheemi chal', 'dheere dheere chal raha', 'ajeeb chal raha', 'ulta pulta chal raha',
    'ruk ruk ke', 'ruk ruk kar', 'atak atak kar', 'kat kat ke', 'beech beech me ruk',
    // Cut off: calls, voice, the connection ("call connect hote hi kat jaati hai", "awaaz kat rahi").
    'kat jata', 'kat raha', 'kat ja raha',
    // What the screen shows instead of the app.
    'loading hi loading', 'buffering hi buffering', 'kaala screen', 'kaali screen',
    'network zero', 'signal zero',
    // "Even after refreshing", said only of what still fails; mail that stays in the outbox.
    'refresh karne pe bhi', 'refresh karne ke baad bhi', 'outbox me pada', 'outbox me atka',
    // Messages that arrive late, and the "retry" a failed send shows.
    // The network or the server "died", "flew off", "stalled" (thap): said of what carries the service.
    'thap', 'thap pada', 'thap ho gaya', 'dead pada', 'dead ho gaya',
    ...['net', 'network', 'server', 'signal', 'internet'].flatMap((what) => [`${what} mar gaya`, `${what} ud gaya`, `${what} uda hua`]),
    // "Something has happened to it" (like "ko kya ho gaya").
    'ka kuch to ho gaya', 'ko kuch ho gaya', 'kuch to ho gaya', 'kuch to hua',
    'pending me', 'pending dikha raha', 'pending pe atka',
    'latka hua', 'latak gaya', 'latak raha', 'ruka hua', 'ruka pada', 'ruk gaya', 'net off', 'network off', 'internet off',
    'sirf emergency',
    // "Anyone else too?", "only me?": asked when it fails.
    // "Stopped working / running / opening": the verbal noun before "band" ("kaam karna band kar diya").
    'kaam karna band', 'chalna band', 'khulna band', 'aana band', 'jaana band', 'load hona band',
    // "Gone?" of a service; "not on mine" after someone asks whether it works.
    // "band" alone is also a music band and "band karo" an order: with a word of degree or repetition it is the state.
    'bhi band', 'phir se band', 'sab band', 'dono band', 'poora band', 'ekdum band', 'bilkul band', 'abhi bhi band',
    'me kya ho gaya', 'me kya hua', 'ko aaj kya hua', 'ko aaj kya ho gaya', 'bounce back aa',
    'overload bata raha', 'wapas loading',
    // Comes and goes; stops by itself; sends you back to the login page; sound without picture.
    'kabhi aata kabhi jaata', 'kabhi aata hai kabhi jaata', 'aa ja raha', 'khud band ho', 'khud hi band', 'khud pause ho', 'apne aap band',
    'apne aap pause', 'khud logout', 'wapas login page', 'login page pe wapas', 'sirf audio aa', 'sirf awaaz aa', 'picture kaali', 'video kaala', 'loading pe chala',
    'gaya kya', 'mere me nahi', 'mere pe nahi', 'mere yaha nahi', 'mere yahan nahi',
    'kisi aur ka bhi', 'kisi aur ke saath bhi', 'sirf mere saath', 'sirf mera hi',
    // "Fix it quickly", "when will you fix it": said to whoever runs what is broken.
    'jaldi theek karo', 'jaldi fix karo', 'jaldi sahi karo', 'kab theek karoge', 'kab fix karoge', 'kab sahi karoge',
    'khali dikha raha', 'khali aa raha', 'khali screen', 'khali page', 'blank dikha raha', 'blank aa raha',
    // "Keeps spinning": the habitual of a lingering verb says it never stops.
    'ghoomta rehta', 'loading rehta', 'atka rehta', 'ruka rehta', 'loading hi hota rehta',
    'late aa raha', 'der se aa raha', 'late ja raha', 'der se ja raha', 'retry retry', 'retry aata', 'retry aa raha', 'retry dikha raha', 'crash ho raha', 'crash ho jata', 'white screen', 'ek tick',
    'baar baar band', 'buffer kar raha', 'buffer ho raha', 'chala gaya', 'disconnect ho raha', 'baar baar disconnect',
    'error aa raha', 'network gayab', 'ruk raha', 'ruk ja raha', 'ruk jata', 'baar baar ruk', 'call kat raha', 'call kat jata',
    'baar baar kat', 'logout ho jata', 'logout ho raha', 'logout kar deta', 'net gaya', 'network gaya', 'server gaya',
    'signal gaya', 'phir se gaya', 'gaya hua hai', 'atak atak ke chal raha', 'bekaar chal raha', 'bakwas chal raha',
    ...FAILURE_LOAN_PHRASES,
    // "When will it be fixed?" is asked of what is broken now.
    'kab tak theek hoga', 'kab theek hoga', 'kab tak sahi hoga', 'kab sahi hoga', 'kab tak chalu hoga', 'kab chalu hoga',
    'kab aayega', 'kab tak aayega', 'kab chalega',
    // The perfective and the subjunctive of the same states: "net band hua hai" (has stopped), and in
    // conditionals "agar teams band hua to..." / "down ho jaye to...", which the conditional then drops.
    'band hua', 'band ho jaye', 'band ho', 'down ho', 'down hua', 'down ho jaye', 'crash hua', 'crash ho jaye', 'kharab hua', 'kharab ho jaye',
    'hang hua', 'hang ho jaye',
    // "What happened to it?" (English has "what happened to"), asked of what stopped working.
    'ko kya ho gaya', 'ko kya hua',
  ],
  // A device, not the service: "itne msg aaye ki phone hang ho gaya".
  idioms: [
    'phone hang', 'mobile hang', 'phone slow',
    // "Bad" of the body and the day, not of an app: "youtube dekh dekh ke aankhe kharab ho gayi".
    'aankhe kharab', 'aankh kharab', 'mood kharab', 'din kharab', 'dimag kharab', 'dimaag kharab', 'tabiyat kharab',
    'neend kharab', 'time kharab', 'pet kharab', 'gala kharab',
    // "X nahi aa raha" of the mind, not of an app: "samajh nahi aa raha" (I don't get it), "pasand nahi aaya", "mann nahi ho raha".
    'samajh nahi', 'samjh nahi', 'pata nahi', 'pta nahi', 'pasand nahi', 'yaad nahi', 'neend nahi', 'maza nahi', 'mazaa nahi', 'mann nahi', 'man nahi', 'dil nahi',
    'bharosa nahi', 'yakeen nahi',
  ],
  weak: ['tang kar raha', 'pareshan kar raha', 'dhokha de raha', 'speed kam', 'speed bahut kam', 'bura haal', 'haal bura', 'halat kharab', 'bakwas service', 'ghatiya service', 'bekaar service', 'ghatiya network', 'bakwas network', 'दिक्कत', 'समस्या', 'प्रॉब्लम', 'एरर', 'त्रुटि', 'dikkat', 'problem', 'slow', 'issue', 'slow chal raha', 'dheere chal raha'],
  errorMessages: [
    'कृपया बाद में पुनः प्रयास करें', 'बाद में प्रयास करें', 'बाद में कोशिश करें', 'कुछ गलत हो गया', 'अज्ञात त्रुटि',
    'सेवा अस्थायी रूप से उपलब्ध नहीं', 'उपलब्ध नहीं है', 'नेटवर्क एरर', 'नेटवर्क त्रुटि', 'नहीं चल सकता',
    'kuch galat ho gaya', 'kuch galat hua', 'baad me try karo', 'session expire', 'baad mein try karein', 'play nahi ho sakta', 'unknown error', 'network error',
  ],
  working: [
    'ठीक चल रहा', 'ठीक चल रही', 'बढ़िया चल रहा', 'बिल्कुल ठीक', 'नॉर्मल है', 'कोई दिक्कत नहीं', 'कोई समस्या नहीं', 'चल रहा है',
    'theek chal raha', 'sahi chal raha', 'badhiya chal raha', 'mast chal raha', 'normal chal raha', 'bilkul theek',
    'normal hai', 'koi dikkat nahi', 'koi problem nahi', 'koi issue nahi', 'chal raha hai', 'sab theek', 'chalu hai', 'theek hai',
    'sahi hai',
    'full network', 'network full', 'full signal',
  ],
  recovery: [
    'वापस आ गया', 'ठीक हो गया', 'अब ठीक', 'wapas aa gaya', 'wapas aaya', 'theek ho gaya', 'ab theek', 'sahi ho gaya', 'chalne laga',
    'chal gaya', 'fix ho gaya', 'chalu ho gaya', 'normal ho gaya', 'net aa gaya', 'network aa gaya', 'signal aa gaya',
  ],
  negators: ['नहीं', 'नही', 'ना', 'न', 'nahi', 'nahin', 'nhi', 'nai', 'ni', 'na', 'mat'],
  tagNegators: ['na', 'naa', 'ना', 'न'],
  progressiveAuxiliaries: ['raha', 'rahi', 'rahe', 'rha', 'rhi', 'rhe', 'ra', 're', 'रहा', 'रही', 'रहे'],
  speakerAuxiliaries: ['hu', 'hoon', 'hun', 'hoo', 'ho', 'हूं', 'हूँ', 'हो'],
  postNegators: ['nahi', 'nahin', 'nhi', 'nai', 'ni', 'नहीं', 'नही'],
  particles: ['hi', 'bhi', 'ही', 'भी'],
  functionWords: [
    'चल', 'हो', 'खुल', 'जा', 'आ', 'लग', 'भेज', 'दे', 'जुड़', 'जुड', 'लोड', 'कनेक्ट', 'लॉगिन', 'दिख', 'पा', 'डाउनलोड', 'अपलोड',
    ...ROMANISED_VERBS,
  ],
  errorWords: ['एरर', 'त्रुटि', 'कोड', 'error', 'code'],
  clauseSplitters: ['लेकिन', 'मगर', 'क्योंकि', 'जबकि', 'lekin', 'magar', 'kyunki', 'kyuki', 'kyonki', 'jabki'],
  past: ['पिछले हफ्ते', 'पिछले महीने', 'पिछले साल', 'pichle hafte', 'pichle mahine', 'pichle saal', 'था', 'थी', 'थे', 'tha', 'thi', 'the'],
  since: ['से', 'se'],
  conditionals: [],
  // "load hone me 5 min lag rahe", "send hone me bahut time lag raha": what takes minutes to happen.
  lingering: [
    // "mail aane me ghanto lag rahe": what takes hours to come, to go, to open.
    'aane me', 'jaane me', 'khulne me', 'chalne me', 'bhejne me', 'pahunchne me', 'milne me', 'dikhne me',
    'baad pahunch', 'baad aa', 'baad mil', 'der se', 'rehta', 'rehti', 'rehte', 'reh jata', 'atka', 'atki', 'atke', 'ghoomta', 'ghumta', 'skip', 'ruk', 'ghadi', 'clock', 'loading', 'buffering',
    'hone me', 'hone mein', 'karne me', 'karne mein',
  ],
  endless: ['har', 'baar baar', 'hamesha', 'ghante', 'ghanto', 'ghanton', 'minute', 'minat', 'mins', 'min', 'ghanta',
    // The habitual of "stay" after a verb: it keeps showing, keeps coming ("ghadi ka nishan dikhta rehta hai").
    'dikhta rehta', 'dikhata rehta', 'aata rehta', 'hota rehta', 'karta rehta', 'chalta rehta', 'time lag', 'der lag'],
  hypothetical: ['अगर', 'यदि', 'agar', 'agr', 'yadi', 'bhagwan kare', 'bhagwan na kare', 'khuda na kare', 'भगवान करे', 'भगवान न करे'],
  conditionalThen: ['to', 'toh', 'तो'],
  conditionalVerbs: [
    'hua', 'hui', 'hue', 'gaya', 'gayi', 'gaye', 'gya', 'gyi', 'jaye', 'jaaye', 'jae', 'ho', 'hota', 'hoti', 'chala', 'chali',
    'chale', 'atka', 'atki', 'हुआ', 'हुई', 'गया', 'गई', 'जाए', 'हो',
  ],
  futureEndings: ['enge', 'unga', 'ungi', 'oge', 'ogi', 'ega', 'egi', 'ेंगे', 'ूंगा', 'ूंगी', 'ोगे', 'ेगा', 'ेगी'],
  // The infinitive as a request for later ("telegram pe aa jaana", "call kar lena") looks ahead like a future.
  futureWords: ['hoga', 'hogi', 'honge', 'होगा', 'होगी', 'होंगे', 'jaana', 'aana', 'karna', 'batana', 'dena', 'lena', 'milna'],
  questionParticles: ['kya', 'kia', 'kyaa', 'क्या'],
  shownVerbs: ['aa', 'aata', 'aati', 'aaya', 'aayi', 'bol', 'bolta', 'dikha', 'dikh', 'dikhata', 'dikhta', 'likha', 'de', 'deta', 'show'],
  finance: ['शेयर', 'शेयरों', 'कीमत', 'कीमतें', 'shares', 'share', 'price', 'kimat', 'sasta', 'sensex', 'kamai', 'munafa'],
  postmortem: ['वजह', 'कारण', 'रिपोर्ट', 'reason', 'wajah', 'karan'],
  news: ['के अनुसार', 'ke anusar', 'ke mutabik', 'khabar', 'breaking'],
  delivery: [
    'पार्सल', 'ऑर्डर', 'डिलीवरी', 'ट्रैकिंग', 'गोदाम', 'कस्टम', 'कूरियर', 'parcel', 'order', 'delivery', 'tracking', 'warehouse',
    'customs', 'courier',
  ],
  // Placing an order is done in the app: "order place nahi ho raha" is the shop failing, not a parcel.
  surface: ['ऐप', 'साइट', 'वेबसाइट', 'app', 'site', 'website', 'order place', 'place order', 'checkout'],
  stopwords: [
    'है', 'हैं', 'का', 'की', 'के', 'में', 'पर', 'से', 'को', 'और', 'नहीं', 'क्या', 'भी', 'तो', 'ही', 'रहा', 'रही', 'रहे',
    'hai', 'hain', 'h', 'ka', 'ki', 'ke', 'me', 'mein', 'pe', 'se', 'ko', 'aur', 'nahi', 'nahin', 'nhi', 'nai', 'ni', 'kya', 'kia',
    'bhi', 'to', 'hi', 'raha', 'rahi', 'rahe', 'rha', 'rhi', 'rhe', 'hora', 'yaar', 'yr', 'bhai', 'kar', 'ho', 'mera', 'meri',
    'mere', 'mujhe', 'tera', 'koi', 'kuch', 'aaj', 'kal', 'abhi', 'ab', 'bahut', 'tha', 'thi', 'kyu', 'kyun', 'kab', 'tak', 'ye',
    'yeh', 'wo', 'woh', 'sab', 'sirf', 'phir', 'fir', 'wala', 'wale', 'wali', 'gaya', 'gayi', 'hua', 'hue', 'hoga', 'karo',
    'kaise', 'aap', 'tum', 'hum', 'apna', 'ne', 'yaha', 'yahan', 'idhar', 'jab', 'saath', 'baad', 'pehle', 'baar', 'ek',
    'kisi', 'batao', 'hu', 'hoon', 'kaha', 'kahan', 'chal', 'naya', 'theek', 'thik', 'sahi', 'aa', 'jaa', 'diye', 'kiya',
    'jaye', 'agar', 'wajah', 'na',
  ],
  looseVowels: true,
  variants: [
    ['nahi', 'nahin', 'nhi', 'nai', 'ni'],
    ['ho raha', 'ho rahi', 'ho rahe', 'hora', 'hori', 'hore', 'ho rha', 'ho rhi', 'ho rhe', 'ho ra'],
    ['raha', 'rahi', 'rahe', 'rha', 'rhi', 'rhe', 'ra'],
    ['hai', 'hain', 'h'],
    ['chal', 'chl'],
    ['chala', 'chali', 'chale'],
    ['gaya', 'gayi', 'gaye', 'gya', 'gyi', 'gye'],
    ['jata', 'jati', 'jate', 'jaata', 'jaati', 'jaate'],
    ['theek', 'thik', 'thk', 'theekh'],
    ['kar', 'kr'],
    ['hoga', 'hogi', 'honge'],
    ['kharab', 'khrab', 'khraab'],
    ['band', 'bandh', 'bund'],
    ['latka', 'latki', 'latke'],
    ['ruka', 'ruki', 'ruke'],
    ['ho gaya', 'ho gayi', 'ho gaye', 'hogya', 'hogaya', 'ho gya', 'hogyi', 'hogayi'],
    ['me', 'mein'],
    ['pada', 'padi', 'pade'],
    ['kaam', 'kam'],
    ['pa', 'paa'],
    ['baar', 'bar'],
    ['wapas', 'vapas', 'wapis'],
    ['gayab', 'gaayab', 'ghayab'],
    ['atka', 'atki', 'atke', 'atak'],
    ['phas', 'fas'],
    ['thap', 'thapp', 'thup'],
    ['phasa', 'phasi', 'phase', 'fasa', 'fasi'],
    ['phir se', 'fir se', 'phirse', 'firse'],
    ['aayega', 'ayega', 'aaega'],
    ['chalega', 'chalegi'],
    ['deta', 'deti', 'dete'],
  ],
};
