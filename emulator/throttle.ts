// Rate-based throttling at AWS's published request rates, per account and region (the emulator is one account).
import type { ServiceName } from './http.js'

/**
 * Published rates. Lambda: "control plane API requests" are 15/s across all control APIs, except
 * GetFunction (100/s) and GetPolicy (15/s of its own). CloudWatch: DescribeAlarms 9/s,
 * DescribeAlarmHistory 3/s, GetMetricData 50/s. Operations not listed are not rate-limited here.
 * AWS does not publish its burst; the emulator allows one second's worth (capacity = rate).
 */
const RATES: Record<string, number> = {
  'lambda:control-plane': 15,
  'lambda:GetFunction': 100,
  'lambda:GetPolicy': 15,
  'cloudwatch:DescribeAlarms': 9,
  'cloudwatch:DescribeAlarmHistory': 3,
  'cloudwatch:GetMetricData': 50,
}

export function rateKey(service: ServiceName, operation: string): string | undefined {
  if (service === 'lambda') return operation === 'GetFunction' || operation === 'GetPolicy' ? `lambda:${operation}` : 'lambda:control-plane'
  const key = `${service}:${operation}`
  return key in RATES ? key : undefined
}

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; last: number }>()
  enabled = true

  constructor(private readonly now: () => number = Date.now) {}

  /** True if the request is within its API's rate (and spends a token); false: throttle it. */
  admit(service: ServiceName, operation: string): boolean {
    const key = rateKey(service, operation)
    if (!this.enabled || key === undefined) return true
    const rate = RATES[key] as number
    const now = this.now()
    const b = this.buckets.get(key) ?? { tokens: rate, last: now }
    b.tokens = Math.min(rate, b.tokens + ((now - b.last) * rate) / 1000)
    b.last = now
    this.buckets.set(key, b)
    if (b.tokens < 1) return false
    b.tokens -= 1
    return true
  }

  reset(): void {
    this.buckets.clear()
  }
}
