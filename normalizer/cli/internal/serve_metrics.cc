#include "cli/internal/serve_metrics.h"

#include <chrono>

#include "cli/internal/log.h"
#include "metrics/exposition.h"
#include "pipeline/normalizer.h"

namespace strictlog::cli {
namespace {

using Type = Exposition::Type;

bool is_udp(const ListenerStats& l) { return l.address.rfind("udp://", 0) == 0; }
bool is_tls(const ListenerStats& l) { return l.address.rfind("tls://", 0) == 0; }

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

std::vector<RuleCount> rule_counts(const RuleSet& rules, const Counters& c) {
  std::vector<RuleCount> out;
  for (size_t g = 0; g < rules.grammars.size() && g < c.lines_by_rule.size(); ++g) {
    const auto& grammar = rules.grammars[g];
    for (size_t r = 0; r < grammar.rules.size() && r < c.lines_by_rule[g].size(); ++r) {
      if (c.lines_by_rule[g][r] == 0) continue;
      out.push_back({grammar.name, grammar.version, grammar.rules[r].id, grammar.rules[r].drop, c.lines_by_rule[g][r]});
    }
  }
  if (c.repeat_notices != 0) {
    out.push_back({std::string(kRepeatGrammar), "", std::string(kRepeatRule), false, c.repeat_notices});
  }
  return out;
}

ServeMetrics::ServeMetrics(const Receiver& receiver, const MessageQueue& queue, size_t queue_messages,
                           size_t queue_bytes)
    : receiver_(receiver),
      queue_(queue),
      queue_messages_(queue_messages),
      queue_bytes_(queue_bytes),
      start_time_(unix_now()) {}

void ServeMetrics::publish(PipelineSnapshot snapshot) {
  std::lock_guard lock(mutex_);
  snapshot_ = std::move(snapshot);
}

std::string ServeMetrics::render() const {
  PipelineSnapshot p;
  {
    std::lock_guard lock(mutex_);
    p = snapshot_;
  }
  std::vector<ListenerStats> listeners = receiver_.stats();
  Exposition e;

  e.family("strictlog_start_time_seconds", Type::kGauge, "When serve started, in seconds since the epoch.");
  e.sample(static_cast<uint64_t>(start_time_));

  auto per_listener = [&](std::string_view name, Type type, std::string_view help, auto wanted, auto value) {
    e.family(name, type, help);
    for (const ListenerStats& l : listeners) {
      if (wanted(l)) e.sample({{"listener", l.address}}, static_cast<uint64_t>(value(l)));
    }
  };
  auto every = [](const ListenerStats&) { return true; };
  auto stream = [](const ListenerStats& l) { return !is_udp(l); };
  per_listener("strictlog_received_messages_total", Type::kCounter,
               "Messages accepted by a listener (framing errors included): each becomes exactly one event, "
               "quarantine record or drop.",
               every, [](const ListenerStats& l) { return l.messages; });
  per_listener("strictlog_received_bytes_total", Type::kCounter, "Bytes read by a listener.", every,
               [](const ListenerStats& l) { return l.bytes; });

  e.family("strictlog_udp_lost_total", Type::kCounter,
           "UDP datagrams never accepted, by cause: queue (the queue to the workers was full), kernel (the "
           "socket's receive buffer overflowed), rate_limit (the peer was over --rate-limit).");
  for (const ListenerStats& l : listeners) {
    if (!is_udp(l)) continue;
    e.sample({{"listener", l.address}, {"cause", "queue"}}, l.udp_lost_queue);
    e.sample({{"listener", l.address}, {"cause", "kernel"}}, l.udp_lost_kernel);
    e.sample({{"listener", l.address}, {"cause", "rate_limit"}}, l.udp_lost_rate_limit);
  }

  per_listener("strictlog_connections_open", Type::kGauge, "Open connections of a TCP or TLS listener.", stream,
               [](const ListenerStats& l) { return l.connections_open; });
  per_listener("strictlog_connections_accepted_total", Type::kCounter,
               "Connections a TCP or TLS listener kept (a TLS one before its handshake).", stream,
               [](const ListenerStats& l) { return l.connections_accepted; });
  per_listener("strictlog_connections_refused_total", Type::kCounter,
               "Connections closed at once because --max-connections were open.", stream,
               [](const ListenerStats& l) { return l.connections_refused; });
  per_listener("strictlog_connections_idle_closed_total", Type::kCounter,
               "Connections closed after --idle-timeout without data.", stream,
               [](const ListenerStats& l) { return l.connections_idle_closed; });
  per_listener("strictlog_tls_handshake_failures_total", Type::kCounter,
               "TLS handshakes that failed, refused client certificates and handshake timeouts included.", is_tls,
               [](const ListenerStats& l) { return l.tls_handshake_failures; });
  per_listener("strictlog_rate_limit_pauses_total", Type::kCounter,
               "Times a connection stopped being read because its peer was over --rate-limit (nothing is lost: "
               "the sender waits).",
               stream, [](const ListenerStats& l) { return l.rate_limit_pauses; });

  e.family("strictlog_queue_depth_messages", Type::kGauge,
           "Messages waiting between the listeners and the workers.");
  e.sample(static_cast<uint64_t>(queue_.depth_messages()));
  e.family("strictlog_queue_depth_bytes", Type::kGauge, "Bytes of the messages waiting in the queue.");
  e.sample(static_cast<uint64_t>(queue_.depth_bytes()));
  e.family("strictlog_queue_capacity_messages", Type::kGauge,
           "--queue-messages: at this depth TCP reading pauses and UDP datagrams are lost.");
  e.sample(static_cast<uint64_t>(queue_messages_));
  e.family("strictlog_queue_capacity_bytes", Type::kGauge, "--queue-bytes.");
  e.sample(static_cast<uint64_t>(queue_bytes_));

  const Counters& c = p.totals;
  e.family("strictlog_lines_total", Type::kCounter,
           "Accepted messages normalized so far: events + dropped + quarantined.");
  e.sample(c.lines_in);
  e.family("strictlog_events_total", Type::kCounter, "Events, by the rule that produced them.");
  for (const RuleCount& r : p.rules) {
    if (!r.drop) e.sample({{"grammar", r.grammar}, {"version", r.version}, {"rule", r.rule}}, r.lines);
  }
  e.family("strictlog_dropped_total", Type::kCounter, "Lines a drop rule took (known noise, counted, not kept).");
  for (const RuleCount& r : p.rules) {
    if (r.drop) e.sample({{"grammar", r.grammar}, {"version", r.version}, {"rule", r.rule}}, r.lines);
  }
  e.family("strictlog_quarantined_total", Type::kCounter, "Quarantine records, by reason.");
  for (size_t reason = 1; reason < c.quarantined_by_reason.size(); ++reason) {
    if (!v1::QuarantineReason_IsValid(static_cast<int>(reason))) continue;
    e.sample({{"reason", v1::QuarantineReason_Name(static_cast<v1::QuarantineReason>(reason))}},
             c.quarantined_by_reason[reason]);
  }

  e.family("strictlog_reloads_total", Type::kCounter, "SIGHUP reloads of the grammars and mappings, by result.");
  e.sample({{"result", "success"}}, p.reload.succeeded);
  e.sample({{"result", "failure"}}, p.reload.failed);
  e.family("strictlog_reload_last_success", Type::kGauge,
           "1 if the last reload succeeded (or none was asked for), 0 if it failed and the previous set runs on.");
  e.sample(uint64_t{p.reload.last_ok ? 1u : 0u});
  e.family("strictlog_reload_last_timestamp_seconds", Type::kGauge,
           "When the last reload ended, in seconds since the epoch; 0: none yet.");
  e.sample(static_cast<uint64_t>(p.reload.last_unix_time));
  e.family("strictlog_ruleset_info", Type::kGauge, "The grammar set in use (its hash, as in envelope.grammar_set_hash).");
  e.sample({{"hash", p.reload.ruleset_hash}}, uint64_t{1});

  e.family("strictlog_output_paused", Type::kGauge,
           "1 while the outputs cannot be written (disk full) and reading is paused.");
  e.sample(uint64_t{output_paused_ ? 1u : 0u});

  e.family("strictlog_log_records_total", Type::kCounter, "Log records serve wrote, by code (docs/SERVE.md).");
  for (size_t i = 0; i < static_cast<size_t>(LogCode::kCount); ++i) {
    auto code = static_cast<LogCode>(i);
    e.sample({{"code", to_string(code)}}, log_records(code));
  }
  return e.text();
}

}  // namespace strictlog::cli
