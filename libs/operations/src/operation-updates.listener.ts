import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { RedisConnectionFactory, RedisKeys, RedisClient } from '@rpg/redis';
import { OperationKeys } from './operation.keys';

type Listener = (seq: number) => void;
type AnyListener = (operationId: string, seq: number) => void;

/**
 * Change notifications of operations over Redis pub/sub (published by the transition scripts), so any gateway instance
 * can stream any operation. One subscriber connection per process; channels are subscribed while someone listens.
 */
@Injectable()
export class OperationUpdatesListener implements OnApplicationShutdown {
  private subscriber?: RedisClient;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly subscribed = new Map<string, Promise<unknown>>();
  /** Listeners of every operation's changes (the list stream), over one pattern subscription. */
  private readonly anyListeners = new Set<AnyListener>();
  private anySubscribed?: Promise<unknown>;
  private readonly keys: OperationKeys;

  constructor(
    private readonly connections: RedisConnectionFactory,
    redisKeys: RedisKeys,
  ) {
    this.keys = new OperationKeys(redisKeys);
  }

  private connection(): RedisClient {
    if (!this.subscriber) {
      // pub/sub needs its own connection; it may queue commands while reconnecting. No ready check: its INFO is refused
      // once a SUBSCRIBE went out in the window between connect and ready (ioredis writes SUBSCRIBE then), which failed
      // the first subscriptions of every fresh process ("Connection in subscriber mode") and left the client not ready
      this.subscriber = this.connections.create({ enableOfflineQueue: true, maxRetriesPerRequest: null, enableReadyCheck: false });
      this.subscriber.on('message', (channel: string, message: string) => {
        for (const l of this.listeners.get(channel) ?? []) l(Number(message));
      });
      // a reconnect resubscribes, but what was published meanwhile is lost: every listener re-reads (its refresh is
      // idempotent), so a stream whose terminal change fell in the gap still ends
      let connectedBefore = false;
      this.subscriber.on('ready', () => {
        if (connectedBefore) for (const set of this.listeners.values()) for (const l of set) l(0);
        connectedBefore = true;
      });
      const prefix = this.keys.channel('');
      this.subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => {
        if (!channel.startsWith(prefix)) return;
        for (const l of this.anyListeners) l(channel.slice(prefix.length), Number(message));
      });
    }
    return this.subscriber;
  }

  /** Calls `listener` on every change of the operation until the returned function is called. */
  async listen(operationId: string, listener: Listener): Promise<() => Promise<void>> {
    const channel = this.keys.channel(operationId);
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      this.subscribed.set(channel, this.connection().subscribe(channel));
    }
    set.add(listener);
    // every caller (not only the first) waits until the channel is live: callers read the state right after this,
    // and a change published before the SUBSCRIBE took effect would never be seen
    try {
      await this.subscribed.get(channel);
    } catch (error) {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(channel) === set) {
        this.listeners.delete(channel);
        this.subscribed.delete(channel);
      }
      throw error;
    }
    return async () => {
      const current = this.listeners.get(channel);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) {
        this.listeners.delete(channel);
        this.subscribed.delete(channel);
        await this.subscriber?.unsubscribe(channel).catch(() => undefined);
      }
    };
  }

  /** Calls `listener` on every change of any operation until the returned function is called. */
  async listenAll(listener: AnyListener): Promise<() => Promise<void>> {
    const pattern = this.keys.channel('*');
    this.anySubscribed ??= this.connection().psubscribe(pattern);
    this.anyListeners.add(listener);
    try {
      await this.anySubscribed;
    } catch (error) {
      this.anyListeners.delete(listener);
      if (this.anyListeners.size === 0) this.anySubscribed = undefined;
      throw error;
    }
    return async () => {
      if (!this.anyListeners.delete(listener) || this.anyListeners.size > 0) return;
      this.anySubscribed = undefined;
      await this.subscriber?.punsubscribe(pattern).catch(() => undefined);
    };
  }

  onApplicationShutdown(): void {
    this.anyListeners.clear();
    this.anySubscribed = undefined;
    this.listeners.clear();
    this.subscribed.clear();
    this.subscriber?.disconnect();
  }
}
