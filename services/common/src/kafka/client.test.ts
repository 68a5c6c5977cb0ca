import { describe, expect, it } from 'vitest';
import { logLevel } from 'kafkajs';
import { kafkajsLogLevel, kafkajsLogLevels } from './client';

describe('kafkajsLogLevel', () => {
  it('keeps real errors at error and the rest at warn', () => {
    expect(kafkajsLogLevel(logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:9092')).toBe('error');
    expect(kafkajsLogLevel(logLevel.ERROR, 'Failed to send messages: The producer has been fenced')).toBe('error');
    expect(kafkajsLogLevel(logLevel.WARN, 'KafkaJS v2.0.0 switched default partitioner')).toBe('warn');
  });

  it('moves the broker conditions kafkajs retries on every normal run to debug', () => {
    // As logged by the detector's transactional producer while the previous commit's markers are written.
    expect(
      kafkajsLogLevel(
        logLevel.ERROR,
        'Response AddPartitionsToTxn(key: 24, version: 1)',
        'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing',
      ),
    ).toBe('debug');
    expect(
      kafkajsLogLevel(
        logLevel.ERROR,
        'Failed to send messages: The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing',
      ),
    ).toBe('debug');
    expect(kafkajsLogLevel(logLevel.ERROR, '[Runner] The group is rebalancing, re-joining', 'The group is rebalancing, so a rejoin is needed')).toBe('debug');
    expect(kafkajsLogLevel(logLevel.ERROR, 'Response GroupCoordinator(key: 10, version: 2)', 'The group coordinator is not available')).toBe('debug');
    expect(
      kafkajsLogLevel(logLevel.ERROR, 'Response InitProducerId(key: 22, version: 1)', "The coordinator is loading and hence can't process requests for this group"),
    ).toBe('debug');
    expect(kafkajsLogLevel(logLevel.ERROR, 'Response JoinGroup(key: 11, version: 5)', 'The group is rebalancing, so a rejoin is needed')).toBe('debug');
    // As the demo's detector logged at start (the group coordinator moved while the broker started).
    expect(kafkajsLogLevel(logLevel.ERROR, 'Response InitProducerId(key: 22, version: 1)', 'This is not the correct coordinator for this group')).toBe('debug');
    // As the scale-out test's detector logged right after creating its state topic.
    expect(kafkajsLogLevel(logLevel.ERROR, 'Response ListOffsets(key: 2, version: 3)', 'This server is not the leader for that topic-partition')).toBe('debug');
    expect(kafkajsLogLevel(logLevel.WARN, 'Limiting retries for the idempotent producer may invalidate EoS guarantees')).toBe('debug');
  });
});

describe('kafkajsLogLevels', () => {
  it("gives a consumer's restart the level of its group's last crash", () => {
    const levelOf = kafkajsLogLevels();
    const restart = 'Restarting the consumer in 200ms';
    // As the demo's sink logged at start: a crash on a routine condition, then kafkajs' restart line at error level.
    expect(levelOf(logLevel.ERROR, 'Crash: KafkaJSProtocolError: The group coordinator is not available', { groupId: 'downradar-sink' })).toBe('debug');
    expect(levelOf(logLevel.ERROR, restart, { groupId: 'downradar-sink' })).toBe('debug');
    // Another group's crash that is not routine keeps both lines at error level.
    expect(levelOf(logLevel.ERROR, 'Crash: KafkaJSNonRetriableError: Invalid record batch', { groupId: 'downradar-detector' })).toBe('error');
    expect(levelOf(logLevel.ERROR, restart, { groupId: 'downradar-detector' })).toBe('error');
    expect(levelOf(logLevel.ERROR, restart, { groupId: 'downradar-sink' })).toBe('debug');
    // A later crash of the same group that is not routine: its restart is an error again.
    expect(levelOf(logLevel.ERROR, 'Crash: KafkaJSNumberOfRetriesExceeded: Connection error: connect ECONNREFUSED', { groupId: 'downradar-sink' })).toBe('error');
    expect(levelOf(logLevel.ERROR, restart, { groupId: 'downradar-sink' })).toBe('error');
    // A restart with no crash seen before keeps kafkajs' level.
    expect(levelOf(logLevel.ERROR, restart, { groupId: 'downradar-api' })).toBe('error');
  });
});
