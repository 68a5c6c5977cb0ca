import type { LanguageLexicon } from './types';

/**
 * Hindi in both scripts people post in: Devanagari ("नहीं चल रहा") and romanised Hinglish
 * ("nahi chal raha"), often mixed with English words ("load nahi ho rahi"). The verb comes
 * last and the negator sits before it, after the thing that fails: negation scope in either
 * order covers "login nahi ho raha" and "nahi khul raha" alike.
 */
export const hi: LanguageLexicon = {
  language: 'hi',
  countries: ['IN'],
  outage: [
    'buffer kar raha', 'buffer ho raha', 'band pada', 'band padi', 'बंद पड़ा', 'chala gaya', 'chali gayi', 'चला गया', 'चली गई', 'band ho jata', 'band ho jaata', 'बंद हो जाता', 'disconnect ho raha', 'disconnect ho rahi', 'disconnect ho rahe', 'baar baar disconnect',
    'नहीं चल रहा है', 'नहीं हो रहा', 'नहीं हो रही', 'एरर आ रहा', 'नेटवर्क गायब', 'सिग्नल नहीं', 'काम नहीं कर रहे', 'chal nahi raha', 'nahi ho raha', 'nahi ho rahi', 'error aa raha', 'signal nahi aa raha', 'network gayab', 'kaam nahi kar rahe', 'bandh hai',
    // Devanagari
    'नहीं चल रहा', 'नहीं चल रही', 'नहीं चल रहे', 'बंद है', 'बंद हो गया', 'डाउन', 'डाउन है', 'काम नहीं कर रहा', 'काम नहीं कर रही',
    'खराब', 'खराब है', 'अटका', 'अटकी', 'अटके', 'अटका है', 'गायब', 'नेटवर्क नहीं', 'इंटरनेट नहीं', 'स्लो', 'हैंग', 'क्रैश',
    'नहीं खुल रहा', 'नहीं खुल रही', 'खुल ही नहीं रहा', 'लोड नहीं', 'कनेक्ट नहीं', 'जवाब नहीं दे रहा', 'सफेद स्क्रीन', 'एक टिक',
    'बार बार बंद',
    // romanised
    'nahi chal raha', 'nahi chal rahi', 'nahi chal rahe', 'nhi chal raha', 'band hai', 'band ho gaya', 'down hai',
    'kaam nahi kar raha', 'kaam nahi kar rahi', 'kharab', 'kharab hai', 'atka', 'atki', 'atke', 'atka hai', 'gayab',
    'network nahi', 'net nahi', 'signal nahi', 'nahi khul raha', 'khul hi nahi raha', 'load nahi', 'connect nahi',
    'ghoom raha', 'ghum raha', 'hang ho raha', 'white screen', 'ek tick', 'baar baar band',
  ],
  weak: ['दिक्कत', 'समस्या', 'प्रॉब्लम', 'एरर', 'त्रुटि', 'dikkat', 'problem', 'slow', 'issue'],
  errorMessages: [
    'कृपया बाद में पुनः प्रयास करें', 'बाद में प्रयास करें', 'बाद में कोशिश करें', 'कुछ गलत हो गया', 'अज्ञात त्रुटि',
    'सेवा अस्थायी रूप से उपलब्ध नहीं', 'उपलब्ध नहीं है', 'नेटवर्क एरर', 'नेटवर्क त्रुटि', 'नहीं चल सकता',
    'kuch galat ho gaya', 'baad me try karo', 'play nahi ho sakta', 'unknown error', 'network error',
  ],
  working: [
    'ठीक चल रहा', 'ठीक चल रही', 'बढ़िया चल रहा', 'बिल्कुल ठीक', 'नॉर्मल है', 'कोई दिक्कत नहीं', 'कोई समस्या नहीं', 'चल रहा है',
    'theek chal raha', 'thik chal raha', 'badhiya chal raha', 'sahi chal raha', 'bilkul theek', 'normal hai', 'koi dikkat nahi',
    'koi problem nahi', 'chal raha hai', 'sab theek',
  ],
  recovery: ['वापस आ गया', 'ठीक हो गया', 'अब ठीक', 'wapas aa gaya', 'theek ho gaya', 'ab theek', 'sahi ho gaya', 'chalne laga'],
  negators: ['नहीं', 'नही', 'ना', 'न', 'nahi', 'nahin', 'nhi', 'nai', 'na', 'mat'],
  functionWords: [
    'चल', 'हो', 'खुल', 'जा', 'आ', 'लग', 'भेज', 'दे', 'जुड़', 'जुड', 'लोड', 'कनेक्ट', 'लॉगिन', 'दिख', 'पा', 'डाउनलोड', 'अपलोड',
    'chal', 'ho', 'khul', 'ja', 'aa', 'lag', 'bhej', 'de', 'jud', 'load', 'connect', 'login', 'dikh', 'send', 'join', 'open',
    'play', 'reply', 'pa', 'download', 'upload', 'kar',
  ],
  errorWords: ['एरर', 'त्रुटि', 'कोड', 'error', 'code'],
  clauseSplitters: ['लेकिन', 'मगर', 'lekin', 'magar', 'kyunki', 'क्योंकि'],
  past: ['पिछले हफ्ते', 'पिछले महीने', 'पिछले साल', 'pichle hafte', 'pichle mahine', 'pichle saal', 'था', 'थी', 'थे', 'tha', 'thi'],
  since: ['से', 'se'],
  conditionals: [],
  hypothetical: ['अगर', 'यदि', 'agar', 'yadi'],
  finance: ['शेयर', 'शेयरों', 'कीमत', 'कीमतें', 'shares', 'share', 'price', 'kimat', 'sasta', 'sensex'],
  postmortem: ['वजह', 'कारण', 'रिपोर्ट', 'reason', 'wajah'],
  news: ['के अनुसार', 'ke anusar', 'breaking'],
  delivery: [
    'पार्सल', 'ऑर्डर', 'डिलीवरी', 'ट्रैकिंग', 'गोदाम', 'कस्टम', 'कूरियर', 'parcel', 'order', 'delivery', 'tracking', 'warehouse',
    'customs', 'courier',
  ],
  surface: ['ऐप', 'साइट', 'वेबसाइट', 'app', 'site', 'website'],
  stopwords: [
    'है', 'हैं', 'का', 'की', 'के', 'में', 'पर', 'से', 'को', 'और', 'नहीं', 'क्या', 'भी', 'तो', 'ही', 'रहा', 'रही', 'रहे',
    'hai', 'ka', 'ki', 'ke', 'me', 'pe', 'se', 'ko', 'aur', 'nahi', 'kya', 'bhi', 'to', 'hi', 'raha', 'rahi', 'rahe', 'yaar',
    'bhai', 'kar', 'ho', 'mera', 'meri', 'tera', 'koi', 'kuch', 'aaj', 'kal', 'abhi', 'bahut',
  ],
};
