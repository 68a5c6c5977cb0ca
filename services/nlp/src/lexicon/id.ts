import type { LanguageLexicon } from './types';

export const id: LanguageLexicon = {
  language: 'id',
  countries: ['ID'],
  outage: [
    'gabisa dibuka', 'koneksi terputus', 'tidak ada sinyal', 'sinyal hilang', 'ilang sinyal', 'gak ada sinyal', 'gak konek', 'ga konek', 'down lagi', 'lagi down', 'error mulu', 'eror mulu', 'loading mulu',
    'gangguan', 'lagi gangguan', 'error terus', 'eror', 'lemot', 'lemot banget', 'ngelag', 'nge-lag', 'macet', 'nyangkut',
    'muter terus', 'muter-muter', 'loading terus', 'force close', 'fc terus', 'layar putih', 'layar hitam', 'blank', 'gagal',
    'gagal terus', 'bermasalah', 'ngadat', 'tumbang', 'mati', 'gabisa', 'gbs', 'tidak bisa', 'gak bisa', 'ga bisa',
    'nggak bisa', 'ngga bisa', 'gk bisa', 'tdk bisa', 'gak jalan', 'ga jalan', 'gak kekirim', 'ga kekirim', 'gak terkirim',
    'centang satu', 'connecting terus', 'stuck',
  ],
  weak: ['error', 'masalah', 'lambat', 'trouble'],
  errorMessages: [
    'coba lagi nanti', 'silakan coba lagi', 'coba beberapa saat lagi', 'terjadi kesalahan', 'ada yang salah', 'kesalahan teknis',
    'tidak dapat diproses', 'gagal memproses', 'layanan sementara tidak tersedia', 'sementara tidak tersedia', 'tidak tersedia',
    'kesalahan jaringan', 'kesalahan tidak diketahui', 'tidak dapat diputar', 'tidak ada koneksi',
  ],
  working: [
    'lancar', 'lancar kok', 'aman', 'aman aja', 'aman kok', 'normal kok', 'jalan kok', 'gak ada masalah', 'ga ada masalah',
    'tidak ada masalah', 'baik-baik aja', 'baik baik saja', 'lancar-lancar aja', 'aplikasinya jalan',
  ],
  recovery: ['udah normal', 'sudah normal', 'normal lagi', 'udah balik', 'balik lagi', 'sudah pulih', 'pulih', 'udah bisa', 'sudah bisa'],
  negators: ['gak', 'ga', 'nggak', 'ngga', 'gk', 'tidak', 'tdk', 'enggak', 'engga', 'g', 'belum', 'blm', 'gaada'],
  functionWords: [
    'bisa', 'jalan', 'masuk', 'kebuka', 'dibuka', 'buka', 'kirim', 'kekirim', 'terkirim', 'nyambung', 'konek', 'connect',
    'muncul', 'muat', 'load', 'diputar', 'putar', 'respon', 'merespon', 'upload', 'login', 'play', 'refresh', 'gabung',
    'nongol', 'update', 'sampai', 'nyala',
  ],
  errorWords: ['error', 'eror', 'kode', 'kode error'],
  clauseSplitters: ['tapi', 'tetapi', 'namun', 'padahal', 'soalnya', 'karena'],
  past: ['kemarin', 'minggu lalu', 'bulan lalu', 'tahun lalu', 'tadi', 'sempat', 'kemaren', 'semalam'],
  since: ['dari', 'sejak'],
  conditionals: ['kalau', 'kalo', 'klo', 'jika'],
  hypothetical: ['jaga-jaga', 'seandainya', 'misal', 'misalnya', 'andai'],
  finance: ['saham', 'harga', 'naikkan', 'investor', 'laporan keuangan', 'bursa', 'anjlok', 'naik'],
  postmortem: ['penyebab', 'laporan', 'rilis laporan'],
  news: ['menurut', 'kompas', 'detik', 'dilaporkan'],
  delivery: ['paket', 'pesanan', 'pengiriman', 'kurir', 'resi', 'gudang', 'bea cukai', 'ekspedisi', 'kiriman'],
  surface: ['aplikasi', 'aplikasinya', 'app', 'situs', 'web', 'website'],
  stopwords: [
    'yang', 'dan', 'di', 'ke', 'ini', 'itu', 'aku', 'gue', 'gw', 'saya', 'kamu', 'lagi', 'udah', 'sudah', 'ya', 'sih', 'kok',
    'aja', 'banget', 'dari', 'tadi', 'terus', 'mulu', 'gak', 'ga', 'nggak', 'tidak', 'bisa', 'ada', 'apa', 'kenapa', 'juga',
    'dong', 'deh', 'nih', 'malam', 'pagi', 'katanya', 'padahal', 'kita', 'ke', 'sekarang', 'tapi', 'pas', 'mau', 'pindah',
  ],
};
