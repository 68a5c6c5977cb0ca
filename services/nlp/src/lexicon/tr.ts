import type { LanguageLexicon } from './types';

/**
 * Turkish negates and conjugates inside the word ("açılmıyor": it does not open; "giremiyorum":
 * I cannot get in; "çökerse": if it crashes), so stems and word patterns carry most cues.
 * Folding turns ı/ş/ğ/ç/ö/ü into i/s/g/c/o/u, in posts and here alike.
 */
export const tr: LanguageLexicon = {
  language: 'tr',
  countries: ['TR', 'CY'],
  outage: [
    'kabul etmiyor', 'kabul etmedi', 'kabul edilmiyor', 'kesiliyor', 'kesildi', 'kopuyor', 'koptu',
    'baglanti yok', 'internet yok', 'erisim yok', 'hizmet vermiyor', 'gitmiyor', 'gelmiyor', 'acilmiyor', 'calismiyor artik', 'yavasladi', 'durdu', 'coktu galiba',
    'coktu', 'coktu mu', 'cokmus', 'cokuyor', 'cokme', 'gitti mi', 'gitti', 'calismiyor', 'acilmiyor', 'yuklenmiyor',
    'baglanmiyor', 'baglanamiyor', 'donuyor', 'dondu', 'kasiyor', 'takildi', 'takili', 'takili kaldi', 'erisim sorunu',
    'erisilemiyor', 'baglanilamiyor', 'girilmiyor', 'giris yapilamiyor', 'hata veriyor', 'hata aliyorum', 'sorun var',
    'sorun mu var', 'cevap vermiyor', 'yanit vermiyor', 'beyaz ekran', 'siyah ekran', 'kapaniyor', 'kendi kendine kapaniyor',
    'hemen kapaniyor', 'sunucular coktu', 'tek tik', 'tek tikte',
  ],
  weak: ['sorun', 'sorunu', 'hata', 'hatasi', 'yavas', 'problem'],
  errorMessages: [
    'daha sonra tekrar deneyin', 'daha sonra tekrar dene', 'tekrar deneyin', 'bir seyler ters gitti', 'bir hata olustu',
    'teknik bir hata', 'isleminiz gerceklestirilemiyor', 'isteginiz islenemedi', 'hizmet gecici olarak kullanilamiyor',
    'gecici olarak kullanilamiyor', 'kullanilamiyor', 'ag hatasi', 'baglanti hatasi', 'bilinmeyen hata', 'oynatilamiyor',
  ],
  working: [
    'sorunsuz calisiyor', 'calisiyor', 'gayet iyi calisiyor', 'gayet normal', 'normal calisiyor', 'sorun yok', 'bir sorun yok',
    'sorunsuz', 'gayet iyi', 'site calisiyor', 'bende calisiyor',
  ],
  recovery: ['duzeldi', 'geri geldi', 'geri dondu', 'normale dondu', 'acildi', 'cozuldu'],
  negators: ['degil', 'yok'],
  functionPatterns: [
    // <function stem><negative suffix>: çalışmıyor, açılmıyor, gitmiyor, gelmiyor, bağlanamıyor, giremiyorum, yüklenmedi.
    /^(calis|acil|ac|yuklen|yukle|git|gid|gel|baglan|gir|gonder|oyna|yenilen|indir|ulas|eris|izlen|gorun|cek|at|yolla|kaydet|oynat|cal|aliyor|al|yukleye|gore)[a-z]*?(m[iu]yor|[ae]m[iu]yor|m[ae]d[iu]|[ae]m[ae]d[iu]|m[ae]z)/,
  ],
  errorWords: ['hata', 'hatasi', 'hata kodu', 'kodu', 'kod', 'error'],
  clauseSplitters: ['ama', 'fakat', 'ancak', 'cunku', 'yoksa'],
  past: ['dun', 'gecen hafta', 'gecen ay', 'gecen yil', 'once', 'dun aksam', 'evvelsi gun'],
  since: ['beri', 'den beri', 'dan beri'],
  conditionals: [],
  // Outage verbs in the conditional mood (-sa/-se): "teams donarsa", "zoom çökerse".
  supposed: [
    'donarsa', 'cokerse', 'kapanirsa', 'takilirsa', 'giderse', 'calismazsa', 'acilmazsa', 'baglanmazsa', 'coktugu zaman',
    'cokecek olursa', 'sorun cikarsa', 'hata verirse',
  ],
  hypothetical: ['eger', 'sayet', 'diye', 'olursa', 'durumunda'],
  hypotheticalEndings: ['rse', 'rsa', 'erse', 'arsa', 'mazsa', 'mezse'],
  finance: ['hisse', 'hisseleri', 'hisseler', 'borsa', 'fiyat', 'fiyatlari', 'zam', 'bilanco', 'yatirimci', 'yuzde', 'dustu', 'yukseldi'],
  postmortem: ['nedenini', 'rapor', 'raporu', 'sebebi'],
  news: ['gore', 'habere gore', 'anadolu ajansi', 'son dakika'],
  delivery: ['kargo', 'kargom', 'kargosu', 'siparis', 'siparisim', 'teslimat', 'paket', 'paketim', 'depo', 'depoda', 'gumruk', 'gumrukte', 'takibi', 'kurye'],
  surface: ['uygulama', 'site', 'sayfa', 'app'],
  stopwords: [
    've', 'bir', 'bu', 'mi', 'mu', 'mı', 'mü', 'de', 'da', 'ne', 'ben', 'bende', 'sen', 'icin', 'çok', 'cok', 'yine', 'hala',
    'gibi', 'var', 'yok', 'ama', 'daha', 'her', 'hic', 'hiç', 'sadece', 'simdi', 'şimdi', 'bugun', 'bugün', 'neden', 'niye',
    'galiba', 'herkes', 'kimse', 'sürekli', 'surekli', 'ile',
  ],
};
