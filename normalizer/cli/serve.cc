// `strictlog serve`: the syslog input daemon. Listeners (listen/) → bounded queue → worker threads sharing one
// compiled rule set (pipeline/parallel.h) → the outputs of `normalize`, in segments (cli/internal/segments.h).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <thread>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/internal/log.h"
#include "cli/internal/outputs.h"
#include "cli/internal/privileges.h"
#include "cli/internal/reload.h"
#include "cli/internal/report.h"
#include "cli/internal/segments.h"
#include "cli/internal/serve_listeners.h"
#include "cli/internal/serve_metrics.h"
#include "cli/internal/systemd.h"
#include "cli/internal/versions.h"
#include "listen/receiver.h"
#include "metrics/http_endpoint.h"
#include "pipeline/parallel.h"
#include "sink/atomic_file.h"

namespace strictlog::cli {
namespace {

volatile std::sig_atomic_t g_rotate_signal = 0;  // SIGUSR1: rotate the output segments now
void on_rotate_signal(int) { g_rotate_signal = 1; }
volatile std::sig_atomic_t g_reload_signal = 0;  // SIGHUP: reload the grammars and mappings
void on_reload_signal(int) { g_reload_signal = 1; }

// How long a line may wait in a batch that is not full before it is written anyway: a quiet stream's
// lines reach the outputs within about this, not when 2048 more lines came.
constexpr auto kFlushAfter = std::chrono::milliseconds(200);
// The longest the main thread waits for a batch before it looks at signals and timers again.
constexpr auto kPollEvery = std::chrono::milliseconds(50);

struct ServeArgs {
  std::string config;
  std::vector<std::string> tcp, udp;
  ServeListenerArgs listen;  // --tls and its options, --rate-limit (cli/internal/serve_listeners.h)
  std::string grammars = "grammars";
  std::string mappings = "mappings";
  std::vector<std::string> grammar_versions;
  OutputPaths outputs;
  uint64_t rotate_bytes = 0;
  int64_t rotate_seconds = 0;
  size_t threads = default_threads();
  size_t queue_messages = 65536;
  size_t queue_bytes = size_t{64} << 20;
  size_t max_message = kDefaultMaxMessage;
  size_t max_connections = 1024;
  double idle_timeout = 0;
  double drain_timeout = 5;
  size_t udp_rcvbuf = 0;
  std::string ready_file;
  std::string user, group;  // --user, --group (cli/internal/privileges.h)
  std::string metrics;
  std::string log_format = "text";
  std::string timezone;
  bool no_processed_time = false;
  bool explain = false;
};

std::chrono::milliseconds to_ms(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000.0 + 0.5));
}

Status write_ready_file(const std::string& path, const std::vector<ListenAddress>& bound,
                        const std::string& metrics_url) {
  auto file = AtomicFile::create(path, 0644);
  if (!file) return file.errors();
  std::string text;
  for (const auto& a : bound) text += to_string(a) + "\n";
  if (!metrics_url.empty()) text += metrics_url + "\n";
  if (auto st = file->write(text); !st) return st;
  return file->commit();
}

// out.rotate(now), logging the segment it published, if any (code `rotated`).
Status rotate_logged(SegmentedOutputs& out, bool now) {
  uint64_t before = out.published();
  Status st = out.rotate(now);
  if (out.published() > before) {
    log_event("serve", LogLevel::kInfo, LogCode::kRotated,
              fmt::format("published segment {}; {} accepted messages are in published segments", out.published(),
                          out.lines_published()),
              {{"segments", std::to_string(out.published())}, {"lines", std::to_string(out.lines_published())}});
  }
  return st;
}

// Writes a batch, and when the disk is full waits until it can: the outputs were cut back to the batch
// before (SegmentedOutputs::write), so the batch is simply written again. Meanwhile this thread takes nothing
// from the queue, which fills, and TCP connections stop being read: senders wait instead of losing messages
// (UDP ones are counted as lost). A rotated series first starts a new segment, which is what a file size
// limit needs. SIGTERM or SIGINT gives up: the error is returned and serve stops with what it published.
// The systemd watchdog is fed meanwhile: serve waits for room, it is not hung, and a restart would not help.
Status write_or_wait(SegmentedOutputs& out, const EncodedRecords& encoded, uint64_t lines, ServeMetrics& metrics,
                     Watchdog& watchdog) {
  Status st = out.write(encoded, lines);
  if (st || !out.rolled_back()) return st;
  if (auto rotated = rotate_logged(out, true); rotated) {
    st = out.write(encoded, lines);
    if (st || !out.rolled_back()) return st;
  }
  auto paused_at = std::chrono::steady_clock::now();
  log_event("serve", LogLevel::kError, LogCode::kOutputPaused,
            fmt::format("{}; reading paused, writing again every second (SIGTERM or SIGINT gives up and keeps what "
                        "was published)",
                        st.errors().front().message),
            {{"error", st.errors().front().message}});
  metrics.set_output_paused(true);
  while (true) {
    for (int i = 0; i < 10; ++i) {
      if (g_stop_signal) return st;
      watchdog.tick();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    st = out.write(encoded, lines);
    if (st) break;
    if (!out.rolled_back()) return st;
  }
  double paused_for = std::chrono::duration<double>(std::chrono::steady_clock::now() - paused_at).count();
  log_event("serve", LogLevel::kInfo, LogCode::kOutputResumed,
            fmt::format("writing again after {:.0f} s; reading resumed", paused_for),
            {{"paused_seconds", fmt::format("{:.3f}", paused_for)}});
  metrics.set_output_paused(false);
  return kOk;
}

// The ready file says serve is listening: it goes when serve does.
void remove_ready_file(const std::string& path) {
  if (!path.empty()) ::unlink(path.c_str());
}

void print_listeners(const std::vector<ListenerStats>& stats, bool rate_limited) {
  std::string s;
  for (const auto& l : stats) {
    if (l.address.rfind("udp", 0) == 0) {
      s += fmt::format("  listener {}: accepted {}, {} bytes, udp_lost_queue {}, udp_lost_kernel {}", l.address,
                       l.messages, l.bytes, l.udp_lost_queue, l.udp_lost_kernel);
    } else {
      s += fmt::format("  listener {}: accepted {}, {} bytes, connections {} (refused {}, idle-closed {})",
                       l.address, l.messages, l.bytes, l.connections_accepted, l.connections_refused,
                       l.connections_idle_closed);
    }
    s += listener_counts_suffix(l, rate_limited) + "\n";
  }
  std::fputs(s.c_str(), stderr);
}

uint64_t accepted(const std::vector<ListenerStats>& stats) {
  uint64_t n = 0;
  for (const auto& l : stats) n += l.messages;
  return n;
}

void print_accepted(uint64_t accepted, const Counters& c) {
  bool ok = accepted == c.events + c.dropped_by_rule + c.quarantined && c.balanced();
  std::fputs(fmt::format("  accepted {} == events {} + dropped_by_rule {} + quarantined {}: {}\n", accepted, c.events,
                         c.dropped_by_rule, c.quarantined, ok ? "ok" : "VIOLATED (a bug: please report it)")
                 .c_str(),
             stderr);
}

// The run's summary as one `stopped` record, for --log-format json (text prints the summary table instead).
void log_stopped(uint64_t accepted, const Counters& c, double seconds) {
  bool ok = accepted == c.events + c.dropped_by_rule + c.quarantined && c.balanced();
  log_event("serve", ok ? LogLevel::kInfo : LogLevel::kError, LogCode::kStopped,
            fmt::format("stopped after {:.3f} s: accepted {} == events {} + dropped_by_rule {} + quarantined {}: {}",
                        seconds, accepted, c.events, c.dropped_by_rule, c.quarantined,
                        ok ? "ok" : "VIOLATED (a bug: please report it)"),
            {{"accepted", std::to_string(accepted)},
             {"events", std::to_string(c.events)},
             {"dropped", std::to_string(c.dropped_by_rule)},
             {"quarantined", std::to_string(c.quarantined)},
             {"balanced", ok ? "true" : "false"},
             {"seconds", fmt::format("{:.3f}", seconds)}});
}

// Sets every option the file names and the command line did not (the command line wins), through CLI11's
// own TOML reader and each option's validators; the settings are serve's long options without `--`. CLI11
// 2.1 reads config files for the top-level app only, hence this step after parsing.
Status apply_config(CLI::App& cmd, const std::string& path) {
  std::ifstream in(path);
  if (!in) return plain_error("config", fmt::format("cannot read config file '{}': {}", path, std::strerror(errno)));
  std::vector<CLI::ConfigItem> items;
  try {
    items = CLI::ConfigTOML().from_config(in);
  } catch (const CLI::Error& e) {
    return plain_error("config", fmt::format("{}: {}", path, e.what()));
  }
  for (const CLI::ConfigItem& item : items) {
    if (item.name == "++" || item.name == "--") continue;  // CLI11's section markers
    std::string name = item.parents.empty() ? item.name : fmt::format("{}.{}", fmt::join(item.parents, "."), item.name);
    CLI::Option* option = item.parents.empty() && item.name != "config" && item.name != "help"
                              ? cmd.get_option_no_throw("--" + item.name)
                              : nullptr;
    if (option == nullptr) {
      return plain_error("config", fmt::format("{}: unknown setting '{}' (the settings are serve's long options "
                                               "without '--', e.g. tcp, out, rotate-seconds)",
                                               path, name));
    }
    if (option->count() > 0) continue;
    try {
      option->clear();
      for (const auto& value : item.inputs) option->add_result(value);
      option->run_callback();
    } catch (const CLI::Error& e) {
      return plain_error("config", fmt::format("{}: setting '{}': {}", path, name, e.what()));
    }
  }
  return kOk;
}

int run(const ServeArgs& a) {
  auto start = std::chrono::steady_clock::now();
  Watchdog watchdog;  // WatchdogSec= of the unit (cli/internal/systemd.h)
  std::vector<ListenAddress> addresses;
  auto passed = systemd_sockets();  // socket activation, in addition to the listeners named below
  if (!passed) {
    for (const auto& d : passed.errors()) usage_error("serve", d.message);
    return kExitUsage;
  }
  std::vector<std::string> tcp = a.tcp, udp = a.udp, tls = a.listen.tls;
  if (tcp.empty() && udp.empty() && tls.empty() && passed->empty()) tcp = udp = {"127.0.0.1:5514"};
  if (std::string problem = listener_usage_problem(a.listen, *passed); !problem.empty()) {
    return usage_error("serve", problem);
  }
  for (auto [protocol, texts] : {std::pair{ListenAddress::Protocol::kTcp, &tcp}, {ListenAddress::Protocol::kUdp, &udp},
                                 {ListenAddress::Protocol::kTls, &tls}}) {
    for (const auto& text : *texts) {
      auto address = parse_listen_address(protocol, text);
      if (!address) return usage_error("serve", address.errors().front().message);
      addresses.push_back(*address);
    }
  }
  addresses.insert(addresses.end(), passed->begin(), passed->end());
  if (std::string clash = output_clash({}, a.outputs); !clash.empty()) return usage_error("serve", clash);
  std::vector<std::string> written = {a.outputs.dropped, a.ready_file};  // the directories --user must write
  if (a.outputs.sink.empty()) {
    written.push_back(a.outputs.out);
    written.push_back(a.outputs.quarantine.empty() ? default_quarantine_path(a.outputs.out) : a.outputs.quarantine);
  }
  if (!a.user.empty() && a.outputs.sink.rfind("clickhouse://", 0) == 0) {
    // The spool is created when the sink opens, which is before the drop: it would belong to root.
    return usage_error("serve", "--user cannot be used with a ClickHouse --sink yet (its spool directory is "
                                "created before privileges are dropped): run serve as that user from the start");
  }
  auto run_as = plan_run_as(a.user, a.group, written);
  if (!run_as) return usage_error("serve", run_as.errors().front().message);
  std::optional<TimeZone> zone;
  if (!a.timezone.empty()) {
    auto located = TimeZone::locate(a.timezone);
    if (!located) return usage_error("serve", located.errors().front().message);
    zone = *located;
  }
  auto rules = load_ruleset(a.grammars, a.mappings);
  if (!rules) {
    print_diagnostics("serve", rules.errors());
    return kExitLoadError;
  }
  auto versions = choose_versions(**rules, a.grammar_versions);
  if (!versions) return usage_error("serve", versions.errors().front().message);

  install_signal_handlers(on_reload_signal);
  struct sigaction rotate {};
  rotate.sa_handler = on_rotate_signal;
  sigemptyset(&rotate.sa_mask);
  sigaction(SIGUSR1, &rotate, nullptr);

  RotationPolicy policy{a.rotate_bytes, std::chrono::seconds(a.rotate_seconds)};
  bool to_database = !a.outputs.sink.empty();
  if (to_database && policy.enabled()) {
    return usage_error("serve", "--sink writes to a database, which has no segments to rotate: leave out "
                                "--rotate-bytes and --rotate-seconds");
  }
  auto outputs = SegmentedOutputs::open(a.outputs, policy);
  if (!outputs) {
    if (outputs.errors().front().code == "usage") return usage_error("serve", outputs.errors().front().message);
    return io_error("serve", outputs.errors());
  }
  SegmentedOutputs& out = **outputs;

  MessageQueue queue(a.queue_messages, a.queue_bytes);
  ReceiverLimits limits;
  limits.max_message = a.max_message;
  limits.max_connections = a.max_connections;
  limits.idle_timeout = to_ms(a.idle_timeout);
  limits.drain_timeout = to_ms(a.drain_timeout);
  limits.udp_receive_buffer = a.udp_rcvbuf;
  set_rate_limit(a.listen, &limits);
  auto receiver = Receiver::open(addresses, limits, queue, tls_settings(a.listen));
  if (!receiver) return io_error("serve", receiver.errors());
  (*receiver)->set_event_hook(log_listener_events());
  ServeMetrics metrics(**receiver, queue, a.queue_messages, a.queue_bytes);
  std::unique_ptr<MetricsEndpoint> endpoint;
  if (!a.metrics.empty()) {
    auto address = parse_listen_address(ListenAddress::Protocol::kTcp, a.metrics);
    if (!address) return usage_error("serve", fmt::format("--metrics: {}", address.errors().front().message));
    auto opened = MetricsEndpoint::open(*address, [&metrics] { return metrics.render(); });
    if (!opened) return io_error("serve", opened.errors());
    endpoint = std::move(*opened);
  }
  if (*run_as) {  // every socket is bound and every output open: nothing left needs root
    if (auto st = drop_privileges(**run_as); !st) return io_error("serve", st.errors());
  }

  NormalizeOptions options;
  options.stamp_processed_time = !a.no_processed_time;
  options.explain = a.explain;
  options.time_zone = zone;
  EventFormat format = event_format(a.outputs);
  bool keep_dropped = !a.outputs.dropped.empty();
  const ReloadableNormalizer* counts_of = nullptr;  // the normalizer below, for the sink's line count
  uint64_t lines_written = 0;
  ReloadableNormalizer normalizer(
      LoadedRules{*rules, *versions}, options, ParallelOptions{.threads = a.threads},
      [format, keep_dropped, to_database, &out](Outcome outcome, const v1::Event& event,
                                                const v1::QuarantineRecord& record, std::string_view line,
                                                EncodedRecords* encoded) {
        // A database sink needs its open tables to encode; without rotation its segment is the only one.
        if (to_database) return out.encode(outcome, event, record, line, encoded);
        return encode_outcome(format, keep_dropped, outcome, event, record, line, encoded);
      },
      [&out, &counts_of, &lines_written, &metrics, &watchdog](const EncodedRecords& encoded) {
        // The batch's counts are added before its records come here (pipeline/parallel.h).
        uint64_t lines = counts_of->lines_in();
        if (auto st = write_or_wait(out, encoded, lines - lines_written, metrics, watchdog); !st) return st;
        lines_written = lines;
        return rotate_logged(out, false);
      });
  counts_of = &normalizer;
  Reloader reloader(a.grammars, a.mappings, a.grammar_versions, **rules);

  std::vector<ListenAddress> bound = (*receiver)->addresses();
  if (!a.ready_file.empty()) {
    if (auto st = write_ready_file(a.ready_file, bound, endpoint ? endpoint->url() : ""); !st) {
      return io_error("serve", st.errors());
    }
  }
  if (auto st = (*receiver)->start(); !st) return io_error("serve", st.errors());
  if (endpoint) {
    if (auto st = endpoint->start(); !st) return io_error("serve", st.errors());
  }
  std::string listening;
  for (const auto& b : bound) listening += (listening.empty() ? "" : ", ") + to_string(b);
  log_event("serve", LogLevel::kInfo, LogCode::kListening,
            fmt::format("listening on {}{}", listening, endpoint ? "; metrics at " + endpoint->url() : ""),
            {{"listeners", listening}, {"metrics", endpoint ? endpoint->url() : ""}});
  notify_ready("listening on " + listening);  // systemd (Type=notify): started
  // The pipeline's counts for the metrics endpoint: published at most every kPollEvery, and at the end.
  auto published_at = std::chrono::steady_clock::time_point{};
  auto publish_metrics = [&](bool now) {
    if (!endpoint) return;
    auto t = std::chrono::steady_clock::now();
    if (!now && t - published_at < kPollEvery) return;
    published_at = t;
    PipelineSnapshot snapshot;
    normalizer.snapshot(&snapshot.totals, &snapshot.rules);
    snapshot.reload = reloader.status();
    metrics.publish(std::move(snapshot));
  };
  publish_metrics(true);

  // The main thread feeds the pipeline; the network thread, the workers and the reload's loader block
  // signals, so SIGTERM, SIGHUP and SIGUSR1 land here and are seen within kPollEvery.
  Diagnostics failure;
  bool stopping = false, hurried = false;
  auto unflushed_since = std::optional<std::chrono::steady_clock::time_point>{};
  while (failure.empty()) {
    if (g_stop_signal && !stopping) {
      log_event("serve", LogLevel::kInfo, LogCode::kStopping,
                fmt::format("signal {} ({}): no new connections; reading open ones for up to {} s, then draining (a "
                            "second signal stops reading at once)",
                            int{g_stop_signal}, strsignal(g_stop_signal), a.drain_timeout),
                {{"signal", std::to_string(int{g_stop_signal})}});
      notify_stopping(fmt::format("signal {}: draining", int{g_stop_signal}));
      (*receiver)->stop();
      stopping = true;
      g_stop_signal = 0;
    } else if (g_stop_signal && !hurried) {
      // The operator will not wait for the senders: every connection is closed now (what was read and not
      // yet queued is not accepted), and the messages accepted are written as usual.
      log_event("serve", LogLevel::kWarning, LogCode::kStopping,
                fmt::format("signal {} again: closing every connection now; draining", int{g_stop_signal}),
                {{"signal", std::to_string(int{g_stop_signal})}});
      queue.close();
      hurried = true;
    }
    auto now = std::chrono::steady_clock::now();
    std::optional<ReceivedBatch> batch = queue.pop(now + kPollEvery);
    if (batch) {
      if (!unflushed_since) unflushed_since = now;
      for (size_t i = 0; i < batch->messages.size() && failure.empty(); ++i) {
        if (auto st = normalizer.push(batch->line(i), batch->input(i)); !st) failure = st.errors();
      }
      if (!failure.empty()) break;
    }
    bool rotate_now = g_rotate_signal != 0;
    if (unflushed_since && (rotate_now || !batch || std::chrono::steady_clock::now() - *unflushed_since >= kFlushAfter)) {
      if (auto st = normalizer.flush(); !st) {
        failure = st.errors();
        break;
      }
      unflushed_since.reset();
    }
    if (rotate_now) g_rotate_signal = 0;
    if (auto st = rotate_logged(out, rotate_now); !st) {
      failure = st.errors();
      break;
    }
    if (g_reload_signal) {
      g_reload_signal = 0;
      notify_reloading("reloading the grammars and mappings (SIGHUP)");
      reloader.request();
    }
    bool was_loading = reloader.loading();
    if (auto st = reloader.apply(normalizer); !st) {  // cli/internal/reload.h
      failure = st.errors();
      break;
    }
    if (was_loading && !reloader.loading() && !stopping) {  // RELOADING=1 ends, whether the load failed or not
      notify_ready(fmt::format("listening on {}; {}", listening,
                               reloader.status().last_ok ? "reloaded" : "reload failed, the previous rules run on"));
    }
    publish_metrics(false);
    watchdog.tick();  // systemd's WatchdogSec=: this loop turns
    if (!batch && queue.closed_and_empty()) break;
  }

  if (failure.empty()) {
    (*receiver)->join();
    if (!(*receiver)->failure().empty()) failure = {plain_error("network-failed", (*receiver)->failure())};
  }
  if (failure.empty()) {
    if (auto st = normalizer.finish(); !st) failure = st.errors();
  }
  if (failure.empty()) {
    if (auto st = out.finish(); !st) failure = st.errors();
  }
  if (!failure.empty()) {
    // Serve cannot go on: stop listening (TCP senders see their connections close and keep what they did not
    // send; a queue its consumer closed makes the receiver close every connection), keep what can be kept,
    // then say exactly how much that is. A segment that is not whole is withdrawn with `outputs`.
    (*receiver)->stop();
    queue.close();
    while (queue.pop(std::chrono::steady_clock::now())) {
    }
    (*receiver)->join();
    normalizer.abandon();
    for (const auto& d : failure) {
      log_event("serve", LogLevel::kError, LogCode::kFailed, d.message, {{"error", d.message}});
    }
    // The current segment holds whole batches (a failed write was taken back): publish what it has.
    if (out.whole() && !out.streamed()) {
      if (auto st = out.finish(); !st) {
        for (const auto& d : st.errors()) {
          log_event("serve", LogLevel::kError, LogCode::kFailed, d.message, {{"error", d.message}});
        }
      }
    }
    auto stats = (*receiver)->stats();
    uint64_t in = accepted(stats);
    if (log_format() == LogFormat::kText) print_listeners(stats, a.listen.rate_limit != 0);
    if (out.streamed()) {
      log_event("serve", LogLevel::kError, LogCode::kStopped,
                fmt::format("stopped after {} accepted messages; the records already streamed are incomplete", in),
                {{"accepted", std::to_string(in)}, {"written", "incomplete"}});
    } else {
      log_event("serve", LogLevel::kError, LogCode::kStopped,
                fmt::format("stopped; {} of {} accepted messages are in the {} published segment{}; the other {} "
                            "were not written",
                            out.lines_published(), in, out.published(), out.published() == 1 ? "" : "s",
                            in - out.lines_published()),
                {{"accepted", std::to_string(in)},
                 {"published", std::to_string(out.lines_published())},
                 {"segments", std::to_string(out.published())}});
    }
    remove_ready_file(a.ready_file);
    return kExitIoError;
  }

  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Counters c;  // over every rule set the run used
  std::vector<RuleCount> rule_lines;
  normalizer.snapshot(&c, &rule_lines);
  auto stats = (*receiver)->stats();
  if (log_format() == LogFormat::kJson) {
    log_stopped(accepted(stats), c, seconds);
  } else {
    print_summary("serve", summary_rules(rule_lines), c, seconds, bound.size(), out.events_to(),
                  out.quarantine_to(), out.dropped_to(), "listener");
    print_listeners(stats, a.listen.rate_limit != 0);
    print_accepted(accepted(stats), c);
  }
  remove_ready_file(a.ready_file);
  if (accepted(stats) != c.lines_in || !c.balanced()) return kExitIoError;
  if (const auto* d = out.delivery(); d != nullptr && d->rows_spooled > 0) {
    std::fputs(fmt::format("strictlog serve: {} rows are not in the database yet: they wait in {} and the next "
                           "run with this --sink delivers them first\n",
                           d->rows_spooled, d->spool_dir)
                   .c_str(),
               stderr);
    return kExitSpooled;
  }
  return kExitOk;
}

}  // namespace

Run add_serve(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand("serve", "Receive syslog over TCP and UDP and normalize it as it arrives");
  cmd->add_option("--config", args->config,
                  "Read options from this TOML file: serve's long options without '--' "
                  "(tcp = [\"127.0.0.1:5514\"], out = \"/var/lib/strictlog/events.pb\", rotate-seconds = 3600); "
                  "the command line wins");
  cmd->add_option("--tcp", args->tcp,
                  "Listen for syslog over TCP (RFC 6587: octet counting or LF framing, told apart per connection) "
                  "on HOST:PORT, HOST an IP address ([::1]:PORT for IPv6, a bare PORT: 127.0.0.1); repeatable");
  cmd->add_option("--udp", args->udp, "Listen for syslog over UDP (RFC 5426) on HOST:PORT; repeatable. Without "
                                      "--tcp, --udp and --tls: TCP and UDP on 127.0.0.1:5514");
  add_listener_options(cmd, &args->listen);
  cmd->add_option("--grammars", args->grammars, "Directory of *.grammar files (read again on SIGHUP)")
      ->capture_default_str();
  cmd->add_option("--mappings", args->mappings, "Directory of *.mapping files (read again on SIGHUP)")
      ->capture_default_str();
  cmd->add_option("--format", args->outputs.format, "Event output format: pb or jsonl (as normalize)")
      ->check(CLI::IsMember({"pb", "jsonl"}))
      ->capture_default_str();
  args->outputs.out = "events.pb";
  cmd->add_option("--out", args->outputs.out, "Events output file ('-': stdout, without rotation)")
      ->capture_default_str();
  cmd->add_option("--quarantine", args->outputs.quarantine,
                  "Quarantine output (JSON lines, mode 0600); default: <out stem>.quarantine.jsonl beside --out");
  cmd->add_option("--dropped", args->outputs.dropped, "Keep the lines drop rules matched in this file (mode 0600)");
  CLI::Option* sink = cmd->add_option(
      "--sink", args->outputs.sink,
      "Write events and quarantine records to a database instead of files (as normalize): "
      "clickhouse://HOST:PORT/DB or sqlite:FILE; without rotation");
  cmd->add_option("--spool", args->outputs.database.spool_dir,
                  "With --sink: where batches wait while the database is unreachable (as normalize)")
      ->needs(sink);
  cmd->add_option("--rotate-bytes", args->rotate_bytes,
                  "Start a new output segment once this many bytes were written to the current one (0: never); "
                  "segments are named <stem>.<UTC start>.<NNNNNN><ext> and appear complete");
  cmd->add_option("--rotate-seconds", args->rotate_seconds,
                  "Start a new output segment once the current one is this old (0: never); SIGUSR1 rotates at once")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--threads", args->threads, "Threads that normalize (default: one per CPU)")
      ->check(CLI::Range(size_t{1}, kMaxThreads));
  cmd->add_option("--queue-messages", args->queue_messages,
                  "Bound of the queue between the listeners and the workers, in messages; when full, TCP "
                  "connections stop being read and UDP datagrams are counted as lost (udp_lost_queue)")
      ->check(CLI::Range(size_t{1}, size_t{1} << 30))
      ->capture_default_str();
  cmd->add_option("--queue-bytes", args->queue_bytes, "The same bound in bytes")
      ->check(CLI::Range(size_t{1}, size_t{1} << 40))
      ->capture_default_str();
  cmd->add_option("--max-message", args->max_message,
                  "Largest message in bytes (octet count, LF frame, datagram); larger is quarantined (FRAMING, "
                  "OVERSIZE)")
      ->check(CLI::Range(kSmallestMaxLine, kLargestMaxLine))
      ->capture_default_str();
  cmd->add_option("--max-connections", args->max_connections,
                  "Open TCP connections at most; one more is closed at once and counted")
      ->check(CLI::Range(size_t{1}, size_t{1} << 20))
      ->capture_default_str();
  cmd->add_option("--idle-timeout", args->idle_timeout,
                  "Close a TCP connection that sends nothing for this many seconds (0: never); never while serve "
                  "itself has stopped reading it for backpressure")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--drain-timeout", args->drain_timeout,
                  "On SIGTERM/SIGINT, keep reading open connections until their senders close them, for at most "
                  "this many seconds (a second signal stops reading at once); then every message accepted is "
                  "written")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--udp-rcvbuf", args->udp_rcvbuf, "SO_RCVBUF of UDP sockets in bytes (default: the system's)");
  cmd->add_option("--ready-file", args->ready_file,
                  "Once every listener is bound, write its address (with the port bound) to this file, one per line");
  cmd->add_option("--user", args->user,
                  "Started as root: once every listener is bound and the outputs are open, and before reading, run "
                  "as this user (its groups too). The output and ready-file directories must be writable, and "
                  "--grammars and --mappings readable, by it: rotation and SIGHUP use them later");
  cmd->add_option("--group", args->group,
                  "With --user: run with this group instead of the user's, and no supplementary group");
  cmd->add_option("--metrics", args->metrics,
                  "Answer Prometheus scrapes at http://HOST:PORT/metrics (a bare PORT: 127.0.0.1, loopback); "
                  "docs/SERVE.md lists the metrics");
  cmd->add_option("--log-format", args->log_format,
                  "How serve logs to stderr: text (a line per record) or json (an object per line with time, "
                  "level, code and fields; the codes are listed in docs/SERVE.md)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_option("--timezone", args->timezone, "IANA zone of timestamps without a UTC offset (as normalize)");
  add_version_option(cmd, "--grammar-version", &args->grammar_versions, kGrammarVersionHelp);
  cmd->add_flag("--no-processed-time", args->no_processed_time, "Leave processed_time unset");
  cmd->add_flag("--explain", args->explain, "Record the nearest miss in NO_MATCH records (as normalize)");
  return [args, cmd] {
    if (!args->config.empty()) {
      if (auto st = apply_config(*cmd, args->config); !st) return usage_error("serve", st.errors().front().message);
    }
    set_log_format(args->log_format == "json" ? LogFormat::kJson : LogFormat::kText);
    return run(*args);
  };
}

}  // namespace strictlog::cli
