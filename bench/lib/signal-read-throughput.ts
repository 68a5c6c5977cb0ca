/**
 * The detector's read path alone: binary signals messages (as the producers write them) read by
 * readSignalMessage, which decodes and checks each signal in one pass (services/common
 * signal-codec.ts), against its natural peer, the path it replaced: decode every signal to an
 * object, then the schema's validator (ajv) on each. CPU µs a signal, same messages, same process,
 * the two interleaved. bench/detector.bench.ts calls it.
 */
import { compileValidator, readSignalMessage, SignalSlicer, type OutMessage } from '@downradar/common';
import { SignalEvent } from '../../schemas/events/index';
import { decodeSignalBatch } from '../../services/common/src/kafka/signal-codec';

export interface ReadPass {
  /** readSignalMessage: decode + check in one pass. */
  oneFastUs: number;
  /** decodeSignalBatch, then the schema validator on every signal (the path before). */
  decodeThenSchemaUs: number;
}

const checkSignal = compileValidator(SignalEvent);

function cpuUs(f: () => void): number {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return c.user + c.system;
}

/** One pass of each over the same binary messages (several reads of all of them), µs of CPU a signal. */
export function measureRead(signals: readonly SignalEvent[], repeats = 5): ReadPass {
  const out: OutMessage[] = [];
  const slicer = new SignalSlicer('bench.signals');
  for (const s of signals) slicer.add({ serviceId: s.serviceId, signal: s }, s.at, out);
  slicer.flush(out);
  const values = out.map((m) => m.value as Buffer);
  let fast = 0;
  let reference = 0;
  const oneFast = () => {
    for (let r = 0; r < repeats; r++)
      for (const v of values) {
        const m = readSignalMessage(v);
        if (m.ok) for (const item of m.items) if (item.ok) fast++;
      }
  };
  const decodeThenSchema = () => {
    for (let r = 0; r < repeats; r++)
      for (const v of values) {
        const d = decodeSignalBatch(v);
        if (d.ok) for (const s of d.signals) if (checkSignal(s).ok) reference++;
      }
  };
  // Warm both up, then measure each once, interleaved.
  oneFast();
  decodeThenSchema();
  const a = cpuUs(oneFast);
  const b = cpuUs(decodeThenSchema);
  // Both accept the same signals (they are meant to be equivalent: signal-codec.test.ts).
  if (fast !== reference) throw new Error(`read bench: the one-pass read accepted ${fast} signals, decode + schema ${reference}`);
  const n = repeats * signals.length;
  return { oneFastUs: Number((a / n).toFixed(3)), decodeThenSchemaUs: Number((b / n).toFixed(3)) };
}
