import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@/lib/server/config';

describe('REDIS_CLUSTER_NODES', () => {
  it('reads host:port seed nodes and the shard count', () => {
    const config = loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000,redis-b:7001', REDIS_PUBSUB_SHARDS: '1024' });
    expect(config.redisClusterNodes).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-b', port: 7001 },
    ]);
    expect(config.redisPubsubShards).toBe(1024);
    expect(config.redisUrl).toBeUndefined();
    expect(loadConfig({}).redisClusterNodes).toBeUndefined();
  });

  it('refuses a malformed list, a shard count out of range, and both REDIS_URL and REDIS_CLUSTER_NODES', () => {
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'redis://a:7000' })).toThrow(ConfigError);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'a:7000,,b:7001' })).toThrow(/host:port/);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_PUBSUB_SHARDS: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_URL: 'redis://a:6379' })).toThrow(/not both/);
  });

  it('is enough for several workers, with DATABASE_URL', () => {
    const env = { DATABASE_URL: 'postgres://x@h/db', SESSION_SECRET: 's'.repeat(40), WEB_CONCURRENCY: '2' };
    expect(loadConfig({ ...env, REDIS_CLUSTER_NODES: 'a:7000' }).webConcurrency).toBe(2);
    expect(() => loadConfig(env)).toThrow(/WEB_CONCURRENCY/);
  });
});
