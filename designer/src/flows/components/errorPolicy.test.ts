import { describe, expect, it } from 'vitest';
import { normalizePolicy } from './ErrorPolicyEditor';

describe('normalizePolicy', () => {
  it('drops a policy that changes nothing, so an untouched node saves without onError', () => {
    expect(normalizePolicy({})).toBeUndefined();
    expect(normalizePolicy({ retries: 0, then: 'fault', delayMs: 1000, backoff: 'fixed', jitter: 0 })).toBeUndefined();
  });

  it('keeps what differs from the defaults, in the order the flow JSON writes it', () => {
    expect(JSON.stringify(normalizePolicy({ then: 'return', value: { result: 0 }, jitter: 0.2, backoff: 'exponential', delayMs: 500, retries: 3 })))
      .toBe('{"retries":3,"delayMs":500,"backoff":"exponential","jitter":0.2,"then":"return","value":{"result":0}}');
  });

  it('keeps a return value only with then: return', () => {
    expect(normalizePolicy({ then: 'continue', value: { result: 0 } })).toEqual({ then: 'continue' });
  });
});
