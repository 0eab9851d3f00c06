#!/usr/bin/env python3
"""botocore's adaptive retry mode, replayed: reads sequences of answers as
JSON on stdin, [[[time, throttled], ...], ...], feeds each sequence to a fresh
ClientRateLimiter built as botocore.retries.adaptive.register_retry_handler
builds it (CubicCalculator, TokenBucket, RateClocker), on a fake clock that
shows each answer's time, and prints, for every answer, the token bucket's
rate (fill rate), the measured sending rate and whether the limiter is on:
[[[rate, measured, enabled], ...], ...].
"""
import json
import sys

from botocore.retries import adaptive, bucket, throttling


class FakeClock:
    def __init__(self, now):
        self.now = now

    def current_time(self):
        return self.now

    def sleep(self, amount):
        self.now += amount


class Detector:
    def is_throttling_error(self, **kwargs):
        return kwargs["throttled"]


results = []
for events in json.load(sys.stdin):
    clock = FakeClock(events[0][0] if events else 0)
    limiter = adaptive.ClientRateLimiter(
        rate_adjustor=throttling.CubicCalculator(starting_max_rate=0, start_time=clock.current_time()),
        rate_clocker=adaptive.RateClocker(clock),
        token_bucket=bucket.TokenBucket(max_rate=1, clock=clock),
        throttling_detector=Detector(),
        clock=clock,
    )
    out = []
    for time, throttled in events:
        clock.now = time
        limiter.on_receiving_response(throttled=throttled)
        out.append([limiter._token_bucket.max_rate, limiter._rate_clocker.measured_rate, limiter._enabled])
    results.append(out)
print(json.dumps(results))
