import { describe, expect, it } from 'vitest';
import { classifyAddress, isAllowed, isLocalhostName, judgeAddresses, parseAllowEntry, parseAllowList, parseIPv6, urlTarget } from './destination';

describe('destination rules', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.1', 'private'],
    ['100.64.0.1', 'private'],
    ['100.127.255.255', 'private'],
    ['fec0::1', 'private'],
    ['64:ff9b:1::5', 'private'],
    ['169.254.169.254', 'link-local'],
    ['169.254.0.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['224.0.0.251', 'multicast'],
    ['239.1.1.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.51.100.7', 'reserved'],
    ['203.0.113.9', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['100::1', 'reserved'],
    ['::7f00:1', 'reserved'], // IPv4-compatible (deprecated)
    // IPv6 forms of IPv4 addresses are judged by the IPv4 address
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['::ffff:10.1.1.1', 'private'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['64:ff9b::c0a8:101', 'private'],
    ['2002:7f00:1::1', 'loopback'],
    ['2002:a00:1::', 'private'],
  ])('%s is %s', (address, rule) => {
    expect(classifyAddress(address)?.rule).toBe(rule);
  });

  it.each(['8.8.8.8', '1.1.1.1', '93.184.215.14', '172.15.255.255', '172.32.0.0', '100.63.255.255', '100.128.0.0', '169.253.255.255', '11.0.0.0', '223.255.255.255', '2606:4700::1111', '2a00:1450:4001::200e', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1', 'fbff::1', 'fe7f::1'])(
    '%s is public',
    (address) => {
      expect(classifyAddress(address)).toBeUndefined();
    },
  );

  it('names the range, and the IPv4 address inside an IPv6 form', () => {
    expect(classifyAddress('127.0.0.1')).toEqual({ rule: 'loopback', range: '127.0.0.0/8' });
    expect(classifyAddress('::ffff:169.254.169.254')).toEqual({ rule: 'link-local', range: '169.254.0.0/16 (as 169.254.169.254 inside ::ffff:0:0/96)' });
  });

  it('refuses to classify what is not an address', () => {
    for (const bad of ['localhost', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1::2::3', 'gggg::1', '']) expect(() => classifyAddress(bad)).toThrow(/not an IP address/);
  });

  it('parses IPv6 in every spelling to the same 16 bytes', () => {
    const full = parseIPv6('0000:0000:0000:0000:0000:ffff:7f00:0001');
    for (const s of ['::ffff:7f00:1', '::ffff:127.0.0.1', '0:0:0:0:0:ffff:127.0.0.1', '[::ffff:7f00:1]']) expect(parseIPv6(s)).toEqual(full);
    expect(parseIPv6('1::')).toEqual([0, 1, ...Array(14).fill(0)]);
  });

  it('parses allowlist entries with and without networks and ports', () => {
    expect(parseAllowEntry('127.0.0.1')).toMatchObject({ bits: 32 });
    expect(parseAllowEntry('127.0.0.1:8099')).toMatchObject({ bits: 32, port: 8099 });
    expect(parseAllowEntry('10.0.0.0/8')).toMatchObject({ bits: 8 });
    expect(parseAllowEntry('10.0.0.0/8:443')).toMatchObject({ bits: 8, port: 443 });
    expect(parseAllowEntry('::1')).toMatchObject({ bits: 128 });
    expect(parseAllowEntry('[::1]:8099')).toMatchObject({ bits: 128, port: 8099 });
    expect(parseAllowEntry('fd00::/8')).toMatchObject({ bits: 8 });
    expect(parseAllowEntry('[fd00::/8]:443')).toMatchObject({ bits: 8, port: 443 });
    for (const bad of ['localhost', '10.0.0.0/33', '::1/129', '127.0.0.1:0', '127.0.0.1:70000', '10.0.0.0/x', '[::1]:', 'http://127.0.0.1/']) expect(() => parseAllowEntry(bad), bad).toThrow(/expected an address or network/);
    expect(parseAllowList(['', ' 127.0.0.1 '])).toHaveLength(1);
  });

  it('allows an address only within an entry, and only on its port when it names one', () => {
    const allow = parseAllowList(['127.0.0.1:9999', '10.20.0.0/16', '[::1]:8099']);
    expect(isAllowed(allow, '127.0.0.1', 9999)).toBe(true);
    expect(isAllowed(allow, '127.0.0.1', 8123)).toBe(false);
    expect(isAllowed(allow, '127.0.0.2', 9999)).toBe(false);
    expect(isAllowed(allow, '10.20.255.1', 1)).toBe(true);
    expect(isAllowed(allow, '10.21.0.1', 1)).toBe(false);
    expect(isAllowed(allow, '::1', 8099)).toBe(true);
    expect(isAllowed(allow, '::1', 8098)).toBe(false);
    expect(isAllowed(allow, '::ffff:10.20.0.1', 1)).toBe(false); // families are not mixed
  });

  it('judges every address: one refused address refuses the destination', () => {
    const allow = parseAllowList(['127.0.0.1']);
    expect(judgeAddresses(['93.184.215.14'], 443, [])).toEqual({ ok: true });
    expect(judgeAddresses(['93.184.215.14', '10.0.0.1'], 443, [])).toEqual({ ok: false, address: '10.0.0.1', rule: 'private', range: '10.0.0.0/8' });
    expect(judgeAddresses(['127.0.0.1'], 80, allow)).toEqual({ ok: true });
    expect(judgeAddresses(['127.0.0.1', '::1'], 80, allow)).toMatchObject({ ok: false, address: '::1', rule: 'loopback' });
  });

  it('knows localhost names and the port a URL connects to', () => {
    for (const h of ['localhost', 'LOCALHOST', 'localhost.', 'a.b.localhost']) expect(isLocalhostName(h), h).toBe(true);
    for (const h of ['localhost.example', 'mylocalhost', 'example.com']) expect(isLocalhostName(h), h).toBe(false);
    expect(urlTarget(new URL('https://[::1]/x'))).toEqual({ host: '::1', port: 443 });
    expect(urlTarget(new URL('http://example.com/x'))).toEqual({ host: 'example.com', port: 80 });
    expect(urlTarget(new URL('http://example.com:8080/x'))).toEqual({ host: 'example.com', port: 8080 });
  });
});

describe('DOWNRADAR_WEBHOOK_ALLOW at start', () => {
  it('a bad entry stops the notifier with a message naming the variable and the entry', async () => {
    const { guardFromConfig } = await import('./app');
    expect(() => guardFromConfig({ webhookAllow: ['127.0.0.1:9999', 'localhost'], webhookDnsServers: [] })).toThrow(/DOWNRADAR_WEBHOOK_ALLOW "localhost" is not an IP address or network/);
    expect(guardFromConfig({ webhookAllow: ['127.0.0.1:9999'], webhookDnsServers: [] })).toHaveProperty('check');
  });
});
