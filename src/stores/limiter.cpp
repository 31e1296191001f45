#include "stores/limiter.hpp"

#include <algorithm>
#include <cmath>

namespace sluice::stores {

void Limiter::roll(Counter& c, std::int64_t window) {
  if (window == c.window) return;
  c.previous = window == c.window + 1 ? c.current : 0;
  c.current = 0;
  c.window = window;
}

namespace {

double into_window(const LimitWant& w, std::int64_t now_ms) {
  return static_cast<double>(now_ms % w.period_ms) / static_cast<double>(w.period_ms);
}

}  // namespace

LimitDecision decide_limits(std::span<const LimitWant> wants, std::span<const WindowCounts> counts,
                            std::int64_t now_ms) {
  LimitDecision d;
  d.states.reserve(wants.size());
  for (std::size_t i = 0; i < wants.size(); ++i) {
    const LimitWant& w = wants[i];
    const WindowCounts& c = counts[i];
    const double into = into_window(w, now_ms);  // 0..1 through the current window
    const double count = c.previous * (1 - into) + c.current;
    const double limit = static_cast<double>(w.limit);
    const double amount = static_cast<double>(w.amount);
    LimitState s;
    s.tokens = w.tokens;
    s.limit = w.limit;
    const bool fits = count + amount <= limit;
    s.remaining = static_cast<std::uint64_t>(std::max(0.0, std::floor(limit - count - amount)));
    const double window_s = static_cast<double>(w.period_ms) / 1000;
    // Until every counted unit has slid out: the previous window's at the end of this one,
    // this window's one window later.
    s.reset_s = (1 - into) * window_s + (c.current > 0 || fits ? window_s : 0);
    if (!fits) {
      // The previous window's share shrinks as time passes; if that alone cannot make room,
      // wait for the next window, where the current count becomes the shrinking share.
      const double need = count + amount - limit;
      if (c.previous > 0 && need <= c.previous * (1 - into)) {
        s.retry_after_s = need / c.previous * window_s;
      } else {
        const double next_need = c.current + amount - limit;
        const double next = c.current > 0 ? std::max(0.0, next_need) / c.current * window_s : 0;
        s.retry_after_s = (1 - into) * window_s + next;
      }
      if (d.allowed) {
        d.allowed = false;
        d.refused = i;
      }
    }
    d.states.push_back(s);
  }
  if (!d.allowed) {
    // Nothing is taken: report what remains without this request.
    for (std::size_t i = 0; i < wants.size(); ++i) {
      const double count =
          counts[i].previous * (1 - into_window(wants[i], now_ms)) + counts[i].current;
      d.states[i].remaining = static_cast<std::uint64_t>(
          std::max(0.0, std::floor(static_cast<double>(wants[i].limit) - count)));
    }
    return d;
  }
  for (const LimitWant& w : wants) {
    d.reservations.push_back(
        {w.counter, now_ms / w.period_ms, static_cast<std::int64_t>(w.amount)});
  }
  return d;
}

LimitDecision Limiter::acquire(std::span<const LimitWant> wants, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  std::vector<WindowCounts> counts;
  counts.reserve(wants.size());
  for (const LimitWant& w : wants) {
    Counter& c = counters_[w.counter];
    roll(c, now_ms / w.period_ms);
    counts.push_back({c.previous, c.current});
  }
  LimitDecision d = decide_limits(wants, counts, now_ms);
  if (d.allowed) {
    for (const LimitWant& w : wants) counters_[w.counter].current += static_cast<double>(w.amount);
  }
  return d;
}

void Limiter::settle(const Reservation& r, std::int64_t real_amount) {
  const double delta = static_cast<double>(real_amount - r.amount);
  if (delta == 0) return;
  std::lock_guard lock(mutex_);
  auto it = counters_.find(r.counter);
  if (it == counters_.end()) return;
  Counter& c = it->second;
  // The reservation's window is the current or the previous one, or already gone (no effect).
  if (r.window == c.window) {
    c.current = std::max(0.0, c.current + delta);
  } else if (r.window == c.window - 1) {
    c.previous = std::max(0.0, c.previous + delta);
  }
}

}  // namespace sluice::stores
