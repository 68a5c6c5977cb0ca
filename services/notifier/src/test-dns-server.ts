import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { parseIPv4, parseIPv6 } from './destination';

/**
 * A DNS server for tests (RFC 1035 over UDP, A and AAAA only) on a loopback port: the notifier
 * asks it through DOWNRADAR_WEBHOOK_DNS_SERVERS exactly as it would ask a real one. Answers come
 * from a function of the name and how many A queries for it came before, so a test can make a
 * name change its answer between two lookups (DNS rebinding). Unknown names get NXDOMAIN, a known
 * name without records of the asked type an empty NOERROR answer.
 */
export type Answer = (name: string, aQueriesBefore: number) => string[] | undefined;

export class TestDnsServer {
  /** Every question asked, in order: `A rebind.test`, `AAAA rebind.test`. */
  readonly questions: string[] = [];
  private socket: Socket | undefined;
  port = 0;

  constructor(public answer: Answer) {}

  get server(): string {
    return `127.0.0.1:${this.port}`;
  }

  aQueries(name: string): number {
    return this.questions.filter((q) => q === `A ${name}`).length;
  }

  async start(): Promise<this> {
    const socket = createSocket('udp4');
    socket.on('message', (msg, from) => {
      const reply = this.reply(msg);
      if (reply) socket.send(reply, from.port, from.address);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve());
    });
    this.socket = socket;
    this.port = (socket.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  private reply(msg: Buffer): Buffer | undefined {
    if (msg.length < 12 || msg.readUInt16BE(4) !== 1) return undefined;
    // The question: labels, then type and class.
    const labels: string[] = [];
    let at = 12;
    for (;;) {
      const len = msg[at];
      if (len === undefined || len > 63) return undefined;
      at++;
      if (len === 0) break;
      labels.push(msg.subarray(at, at + len).toString('ascii'));
      at += len;
    }
    if (at + 4 > msg.length) return undefined;
    const qtype = msg.readUInt16BE(at);
    const question = msg.subarray(12, at + 4);
    const name = labels.join('.').toLowerCase();
    const type = qtype === 1 ? 'A' : qtype === 28 ? 'AAAA' : String(qtype);
    const before = this.aQueries(name);
    this.questions.push(`${type} ${name}`);
    const all = this.answer(name, before);
    const records = (all ?? [])
      .map((a) => (qtype === 1 ? parseIPv4(a) : qtype === 28 && !parseIPv4(a) ? parseIPv6(a) : undefined))
      .filter((b): b is number[] => b !== undefined);
    const header = Buffer.alloc(12);
    header.writeUInt16BE(msg.readUInt16BE(0), 0); // id
    // QR, opcode 0, AA, RD copied, RA; rcode 3 (NXDOMAIN) for an unknown name.
    header.writeUInt16BE(0x8400 | (msg.readUInt16BE(2) & 0x0100) | 0x0080 | (all === undefined ? 3 : 0), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(records.length, 6);
    const answers = records.map((bytes) => {
      const rr = Buffer.alloc(12 + bytes.length);
      rr.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
      rr.writeUInt16BE(qtype, 2);
      rr.writeUInt16BE(1, 4); // IN
      rr.writeUInt32BE(0, 6); // TTL 0: nothing may be cached
      rr.writeUInt16BE(bytes.length, 10);
      Buffer.from(bytes).copy(rr, 12);
      return rr;
    });
    return Buffer.concat([header, question, ...answers]);
  }
}
