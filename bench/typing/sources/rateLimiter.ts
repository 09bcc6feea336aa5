// A token-bucket rate limiter for outgoing requests: each key gets its own bucket, refilled continuously.

export interface LimiterOptions {
  /** Tokens a bucket holds at most. */
  capacity: number;
  /** Tokens added per second. */
  refillPerSecond: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;

  constructor(private readonly options: LimiterOptions) {
    if (options.capacity <= 0) throw new Error('capacity must be positive');
    this.now = options.now ?? (() => Date.now());
  }

  private bucket(key: string): Bucket {
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.options.capacity, updatedAt: this.now() };
      this.buckets.set(key, b);
    }
    const elapsed = (this.now() - b.updatedAt) / 1000;
    b.tokens = Math.min(this.options.capacity, b.tokens + elapsed * this.options.refillPerSecond);
    b.updatedAt = this.now();
    return b;
  }

  tryTake(key: string, cost = 1): boolean {
    const b = this.bucket(key);
    if (b.tokens < cost) return false;
    b.tokens -= cost;
    return true;
  }

  waitTime(key: string, cost = 1): number {
    const b = this.bucket(key);
    if (b.tokens >= cost) return 0;
    return ((cost - b.tokens) / this.options.refillPerSecond) * 1000;
  }

  async take(key: string, cost = 1): Promise<void> {
    const wait = this.waitTime(key, cost);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (!this.tryTake(key, cost)) return this.take(key, cost);
  }
}
