/**
 * Presets (6 h, 24 h, 7 d, the 4 Oct 2021 outage) and an absolute range typed in the zone the
 * dashboard shows (UTC or local), plus the bucket size.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { parseDateTimeInput, toDateTimeInput, zoneName } from '../charts/time';
import { MAX_SPAN_MS, OUTAGE_2021_10_04, PRESETS, PRESET_LABELS, allowedSteps, sameSpec, type Preset, type RangeSpec, type Step } from '../app/range';

export interface RangePickerProps {
  spec: RangeSpec;
  step: Step;
  /** the range the spec resolves to now (for the inputs' initial values) */
  from: number;
  to: number;
  timeZone: string;
  onChange: (spec: RangeSpec, step: Step) => void;
  /** show the bucket size selector */
  withStep?: boolean;
  /** show the "4 Oct 2021 outage" preset */
  withOutagePreset?: boolean;
}

export function RangePicker({ spec, step, from, to, timeZone, onChange, withStep = true, withOutagePreset = true }: RangePickerProps) {
  const [fromText, setFromText] = useState(() => toDateTimeInput(from, timeZone));
  const [toText, setToText] = useState(() => toDateTimeInput(to, timeZone));
  const [problem, setProblem] = useState<string | null>(null);

  // Follow a newly chosen range or zone; a preset's moving "now" does not overwrite what is typed.
  const specKey = spec.kind === 'preset' ? spec.preset : `${spec.from}-${spec.to}`;
  useEffect(() => {
    setFromText(toDateTimeInput(from, timeZone));
    setToText(toDateTimeInput(to, timeZone));
    setProblem(null);
  }, [specKey, timeZone]);

  const span = spec.kind === 'preset' ? PRESETS[spec.preset] : spec.to - spec.from;
  const steps = allowedSteps(span);
  const zone = zoneName(from, timeZone);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    const f = parseDateTimeInput(fromText, timeZone);
    const t = parseDateTimeInput(toText, timeZone);
    if (f === null || t === null) return setProblem('Enter both times as YYYY-MM-DD HH:MM (24-hour).');
    if (!(t > f)) return setProblem('The end must be after the start.');
    if (t - f > MAX_SPAN_MS) return setProblem('At most 31 days.');
    setProblem(null);
    const next: RangeSpec = { kind: 'absolute', from: f, to: t };
    const nextSteps = allowedSteps(t - f);
    onChange(next, nextSteps.includes(step) ? step : 15);
  };

  const choosePreset = (p: Preset) => onChange({ kind: 'preset', preset: p }, allowedSteps(PRESETS[p]).includes(step) ? step : 15);

  return (
    <div className="range-picker">
      <div className="segmented" role="group" aria-label="Time range">
        {(Object.keys(PRESETS) as Preset[]).map((p) => {
          const active = spec.kind === 'preset' && spec.preset === p;
          return (
            <button key={p} type="button" className="segment" aria-pressed={active} onClick={() => choosePreset(p)}>
              {PRESET_LABELS[p]}
            </button>
          );
        })}
        {withOutagePreset && (
          <button type="button" className="segment" aria-pressed={sameSpec(spec, OUTAGE_2021_10_04)} onClick={() => onChange(OUTAGE_2021_10_04, step)} data-testid="preset-outage-2021">
            4 Oct 2021 outage
          </button>
        )}
      </div>
      <form className="range-form" onSubmit={apply} aria-label="Custom time range">
        <label>
          <span className="field-label">From</span>
          <DateTimeField value={fromText} onChange={setFromText} testId="range-from" zone={zone} />
        </label>
        <label>
          <span className="field-label">To</span>
          <DateTimeField value={toText} onChange={setToText} testId="range-to" zone={zone} />
        </label>
        <span className="zone-tag" title={timeZone}>
          {zone}
        </span>
        <button type="submit" className="button">
          Apply
        </button>
        {problem && (
          <span className="form-problem" role="alert">
            {problem}
          </span>
        )}
      </form>
      {withStep && (
        <label className="step-select">
          <span className="field-label">Bucket</span>
          <select value={step} onChange={(e) => onChange(spec, Number(e.target.value) as Step)} aria-label="Bucket size">
            {steps.map((s) => (
              <option key={s} value={s}>
                {s} min
              </option>
            ))}
          </select>
        </label>
      )}
    </div>
  );
}

/**
 * A date and time typed as "2021-10-04 15:00": year first, 24-hour, in the zone shown beside it.
 * A text field rather than datetime-local, whose display follows the browser's locale
 * ("10/04/2021, 03:00 PM") and reads ambiguously next to a zone label.
 */
export function DateTimeField({ value, onChange, testId, zone }: { value: string; onChange: (v: string) => void; testId: string; zone: string }) {
  return (
    <input
      type="text"
      className="datetime-field"
      value={value}
      onChange={(e) => onChange(e.target.value)}
      required
      inputMode="numeric"
      autoComplete="off"
      spellCheck={false}
      placeholder="YYYY-MM-DD HH:MM"
      pattern="\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}"
      title={`Date and 24-hour time in ${zone}, e.g. 2021-10-04 15:00`}
      size={16}
      data-testid={testId}
    />
  );
}
