/**
 * The sink's decoding thread (decode-pool.ts): reports messages in, their RowBinary rows out, so
 * that JSON parsing, the checks and the encoding run beside the main thread (kafkajs' fetches, the
 * inserts) on the machine's other core. Only the plain messages (report-bytes.ts's read of the
 * common shape from its bytes, then plainReportRow, as mapBatch): the index of every other message
 * goes back, and the main thread maps it the general way (its row, or its dead letter with the
 * field named).
 */
import { parentPort } from 'node:worker_threads';
import { BinaryWriter, rowBinaryEncoder } from '@downradar/common/clickhouse/row-binary';
import { REPORT_LAYOUT, plainReportRow, type ReportRow } from './report-row';
import { encodePlainReport } from './report-bytes';
import type { DecodeRequest, DecodeResponse } from './decode-pool';

const encode = rowBinaryEncoder<ReportRow>(REPORT_LAYOUT);

parentPort!.on('message', (m: DecodeRequest) => {
  const data = Buffer.from(m.data);
  const w = new BinaryWriter(Math.max(8192, m.lengths.length * 160));
  const fallback: number[] = [];
  let pos = 0;
  let rows = 0;
  for (let i = 0; i < m.lengths.length; i++) {
    const len = m.lengths[i]!;
    if (len < 0) {
      fallback.push(i);
      continue;
    }
    // The common shape straight from its bytes (report-bytes.ts); else parsed, as on the main thread.
    if (encodePlainReport(w, data, pos, pos + len)) {
      pos += len;
      rows++;
      continue;
    }
    let row: ReportRow | undefined;
    try {
      row = plainReportRow(JSON.parse(data.toString('utf8', pos, pos + len)));
    } catch {
      row = undefined;
    }
    pos += len;
    if (row) {
      encode(w, row);
      rows++;
    } else fallback.push(i);
  }
  const body = w.view();
  const res: DecodeResponse = { id: m.id, body: body.buffer as ArrayBuffer, offset: body.byteOffset, length: body.byteLength, rows, fallback: Int32Array.from(fallback) };
  parentPort!.postMessage(res, [res.body, res.fallback.buffer as ArrayBuffer]);
});

// Loaded: the pool's ready() resolves once every thread said so.
parentPort!.postMessage({ ready: true });
