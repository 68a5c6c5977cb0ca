/**
 * The world map of where reports come from, as Downdetector draws it: every country shaded by
 * its share of the reports. Every decision is made here (projection, paths, shade classes,
 * labels, what cannot be drawn); the component only renders.
 *
 * Shapes: Natural Earth 1:110m countries from the world-atlas package, bundled into the
 * dashboard (about 100 kB; no request at run time). They are keyed by ISO 3166-1 numeric codes;
 * reports carry alpha-2 codes, translated by iso-countries.ts.
 */
import { geoNaturalEarth1, geoPath } from 'd3-geo';
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import countries110m from 'world-atlas/countries-110m.json';
import { formatCount } from './scale';
import { ISO_NUMERIC_BY_ALPHA2 } from './iso-countries';

export interface CountryShare {
  /** ISO 3166-1 alpha-2 ("US"), or "unknown" */
  key: string;
  count: number;
  /** share of all reports in % (0..100) */
  pct: number;
}

export interface MapCountry {
  /** alpha-2 when reports came from it, else the shape's numeric id */
  key: string;
  name: string;
  /** SVG path in the map's viewBox */
  d: string;
  count: number;
  pct: number;
  /** 0 = no reports; 1..SHADES, darker = larger share */
  shade: number;
  /** "United States: 1,234 reports (34%)" */
  label: string;
}

export interface PreparedWorldMap {
  width: number;
  height: number;
  /** countries without reports first, so that the shaded ones' outlines are drawn on top */
  countries: MapCountry[];
  /** one entry per shade class, lightest first: the share range it stands for */
  legend: { shade: number; label: string }[];
  /** shares that have no shape: reports without a country, codes not on the map */
  unmapped: CountryShare[];
  /** reports on the map / all reports */
  mappedCount: number;
  totalCount: number;
}

export const SHADES = 5;

interface Shape {
  id: string | null;
  name: string;
  d: string;
}

/** Natural Earth has no code for Kosovo (reports say XK). */
const UNCODED: Record<string, string> = { Kosovo: 'XK' };
const UNCODED_CODES = new Set(Object.values(UNCODED));

const shapeCache = new Map<string, Shape[]>();

/** The countries' paths for a viewBox, computed once per size. Antarctica is left out: nobody reports from it, and it takes a fifth of the height. */
export function countryShapes(width: number, height: number): Shape[] {
  const key = `${width}x${height}`;
  const cached = shapeCache.get(key);
  if (cached) return cached;
  const topology = countries110m as unknown as Topology<{ countries: GeometryCollection<{ name: string }> }>;
  const collection = feature(topology, topology.objects.countries) as FeatureCollection<Geometry, { name: string }>;
  const land = collection.features.filter((f) => f.id !== '010');
  const projection = geoNaturalEarth1().fitExtent(
    [
      [1, 1],
      [width - 1, height - 1],
    ],
    { type: 'FeatureCollection', features: land },
  );
  const path = geoPath(projection);
  const shapes = land.map((f: Feature<Geometry, { name: string }>) => ({
    id: f.id === undefined ? null : String(f.id),
    name: f.properties.name,
    d: path(f) ?? '',
  }));
  shapeCache.set(key, shapes);
  return shapes;
}

/**
 * Shade class of a share: the square root of the share against the largest one, in SHADES equal
 * steps, so that a country with a tenth of the top share is still visibly coloured (a linear
 * scale would leave everything but the top country pale).
 */
export function shadeOf(pct: number, maxPct: number): number {
  if (!(pct > 0) || !(maxPct > 0)) return 0;
  return Math.min(SHADES, Math.max(1, Math.ceil(Math.sqrt(pct / maxPct) * SHADES)));
}

function pctText(p: number): string {
  if (p === 0) return '0%';
  if (p < 1) return `${Math.round(p * 10) / 10}%`;
  return `${Math.round(p)}%`;
}

export function prepareWorldMap(
  shares: readonly CountryShare[],
  options: { width?: number; height?: number; regionName?: (code: string) => string } = {},
): PreparedWorldMap {
  const width = options.width ?? 800;
  const height = options.height ?? 390;
  const regionName = options.regionName ?? ((c: string) => c);
  const byNumeric = new Map<string, CountryShare>();
  const byAlpha = new Map<string, CountryShare>();
  for (const s of shares) {
    const code = s.key.toUpperCase();
    const numeric = ISO_NUMERIC_BY_ALPHA2[code];
    if (numeric) byNumeric.set(numeric, s);
    byAlpha.set(code, s);
  }
  const totalCount = shares.reduce((a, s) => a + s.count, 0);
  // Shades are relative to the largest share that is on the map ("unknown" is not).
  const onMap = (s: CountryShare) => ISO_NUMERIC_BY_ALPHA2[s.key.toUpperCase()] !== undefined || UNCODED_CODES.has(s.key.toUpperCase());
  const maxPct = shares.filter(onMap).reduce((m, s) => Math.max(m, s.pct), 0);

  const drawn = new Set<CountryShare>();
  const countries: MapCountry[] = countryShapes(width, height).map((shape) => {
    const uncoded = shape.id === null ? UNCODED[shape.name] : undefined;
    const share = shape.id !== null ? byNumeric.get(shape.id) : uncoded ? byAlpha.get(uncoded) : undefined;
    if (share) drawn.add(share);
    const name = share ? regionName(share.key.toUpperCase()) : shape.name;
    const count = share?.count ?? 0;
    const pct = share?.pct ?? 0;
    return {
      key: share ? share.key.toUpperCase() : (shape.id ?? shape.name),
      name,
      d: shape.d,
      count,
      pct,
      shade: shadeOf(pct, maxPct),
      label: count > 0 ? `${name}: ${formatCount(count)} ${count === 1 ? 'report' : 'reports'} (${pctText(pct)})` : `${name}: no reports`,
    };
  });
  countries.sort((a, b) => a.shade - b.shade);

  const legend = Array.from({ length: SHADES }, (_, i) => {
    const lo = maxPct * (i / SHADES) ** 2;
    const hi = maxPct * ((i + 1) / SHADES) ** 2;
    return { shade: i + 1, label: `${pctText(lo)}–${pctText(hi)}` };
  });
  const unmapped = shares.filter((s) => !drawn.has(s));
  const mappedCount = [...drawn].reduce((a, s) => a + s.count, 0);
  return { width, height, countries, legend: maxPct > 0 ? legend : [], unmapped, mappedCount, totalCount };
}
