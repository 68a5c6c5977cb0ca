/**
 * Child process of bench/sources.bench.ts: a local DNS server and HTTPS endpoint for `count`
 * services with two domains each (svc<i>-a.test, svc<i>-b.test -> 127.0.0.1), in their own process
 * so that their CPU is not counted as the prober's. Prints {"dns", "httpsPort", "ca"}.
 */
import { TestDnsServer, TestHttpsEndpoints } from '../../services/sources/src/testing/probe-servers';

const count = Number(process.argv[2] ?? 100);
const domains = Array.from({ length: count }, (_, i) => [`svc${i}-a.test`, `svc${i}-b.test`]).flat();
const dns = new TestDnsServer();
await dns.start();
for (const d of domains) dns.names.set(d, { address: TestHttpsEndpoints.ADDRESSES.ok });
const https = new TestHttpsEndpoints();
await https.start(domains);
console.log(JSON.stringify({ dns: dns.address, httpsPort: https.port, ca: https.ca }));
process.on('SIGTERM', () => process.exit(0));
