// The network client's session state machine (see session.hpp). Public methods: any thread
// (they post to the strand). Everything else: the strand.
#include "src/session.hpp"

#include <asio/post.hpp>

#include <algorithm>
#include <stdexcept>

#include "protocol/limits.hpp"
#include "src/backoff.hpp"
#include "src/broker_packets.hpp"

namespace smq::detail {

namespace {

// Joins the answers one subscribe() waits for (Createsub and Subscribe) into one callback.
struct Join {
  AckHandler done;
  std::function<void(AckHandler&, bool, std::uint32_t)> call;
  int outstanding = 1;  // the caller's own token, released by finish()
  bool ok = true;
  std::uint32_t id = 0;
  void add() { ++outstanding; }
  void finish() {
    if (--outstanding == 0 && call) call(done, ok, ok ? id : 0);
  }
};

}  // namespace

Session::Session(asio::io_context& io, Url url, ClientOptions options)
    : strand_(asio::make_strand(io)),
      url_(std::move(url)),
      options_(std::move(options)),
      uid_(options_.uid.empty() ? random_uid() : options_.uid),
      tls_(url_.tls() ? make_tls_context(options_.tls) : nullptr),
      reconnect_timer_(strand_) {}

Session::~Session() = default;

// ---- user callbacks -----------------------------------------------------------------------

template <typename F>
void Session::guarded(F&& f) {
  std::lock_guard lock(gate_);
  if (dead_) return;
  try {
    f();
  } catch (const std::exception& e) {
    report_error(std::string("exception in callback: ") + e.what());
  } catch (...) {
    report_error("exception in callback");
  }
}

void Session::report_error(std::string message) {
  std::lock_guard lock(gate_);
  if (dead_ || !on_error_) return;
  try {
    on_error_(message);
  } catch (...) {
  }
}

void Session::set_on_connect(ConnectHandler h) {
  std::lock_guard lock(gate_);
  on_connect_ = std::move(h);
}
void Session::set_on_reconnect(ConnectHandler h) {
  std::lock_guard lock(gate_);
  on_reconnect_ = std::move(h);
}
void Session::set_on_close(CloseHandler h) {
  std::lock_guard lock(gate_);
  on_close_ = std::move(h);
}
void Session::set_on_error(ErrorHandler h) {
  std::lock_guard lock(gate_);
  on_error_ = std::move(h);
}
void Session::set_default_handler(MessageHandler h) {
  std::lock_guard lock(gate_);
  default_handler_ = std::move(h);
}

void Session::deliver_to_default(const Delivery& d) {
  guarded([&] {
    if (default_handler_) default_handler_(d);
  });
}

void Session::kill() {
  std::lock_guard lock(gate_);
  dead_ = true;
}

// ---- lifecycle ----------------------------------------------------------------------------

void Session::connect() {
  asio::post(strand_, [self = shared_from_this()] {
    if (self->started_ || self->closed_) return;
    self->started_ = true;
    self->start_attempt();
  });
}

void Session::close(bool graceful, std::string reason, std::function<void()> done) {
  asio::post(strand_, [self = shared_from_this(), graceful, reason = std::move(reason),
                       done = std::move(done)]() mutable {
    if (self->closed_) {
      if (done) done();
      return;
    }
    if (done) self->finish_waiters_.push_back(std::move(done));
    if (self->user_closing_) return;
    self->user_closing_ = true;
    self->user_reason_ = reason;
    if (self->conn_) {
      if (graceful) {
        self->conn_->disconnect(reason);
      } else {
        self->conn_->close(reason, false);
      }
    } else {
      self->reconnect_timer_.cancel();
      self->finish(reason, self->started_);
    }
  });
}

void Session::start_attempt() {
  conn_ =
      std::make_shared<Connection>(strand_, url_, options_, tls_.get(), shared_from_this(), uid_);
  conn_->start();
}

std::string Session::credentials(std::uint32_t seed, std::string_view address) {
  if (!options_.onauth) return options_.credentials;
  std::lock_guard lock(gate_);
  if (dead_) throw std::runtime_error("client destroyed");
  return options_.onauth(seed, address);  // exceptions fail the attempt
}

void Session::on_established(Connection& c, std::uint32_t etid, std::uint32_t seed,
                             std::string_view address) {
  if (&c != conn_.get()) return;
  connected_ = true;
  etid_ = etid;
  attempt_ = 0;
  seed_ = seed;
  address_ = std::string(address);
  const bool new_etid = etid != last_etid_;
  last_etid_ = etid;
  if (!ever_connected_) {
    ever_connected_ = true;
    pump();
    const std::string addr = address_;
    guarded([&] {
      if (on_connect_) on_connect_(etid, seed, addr);
    });
    return;
  }
  restore(new_etid);
}

void Session::on_closed(Connection& c, const CloseInfo& info) {
  if (&c != conn_.get()) return;
  const auto keep = std::move(conn_);
  conn_.reset();
  connected_ = false;
  etid_ = 0;
  restoring_ = false;
  // Requests of the lost connection are sent again after the next Connack.
  for (auto& p : pending_) resend_.push_back(std::move(p));
  pending_.clear();
  if (user_closing_) {
    finish(user_reason_, true);
    return;
  }
  if (options_.reconnect && info.retryable) {
    const auto delay = backoff_delay(attempt_++, options_.reconnect_delay,
                                     options_.max_reconnect_delay, random_unit());
    reconnect_timer_.expires_after(delay);
    reconnect_timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
      if (!ec && !self->closed_ && !self->user_closing_ && !self->conn_) self->start_attempt();
    });
    guarded([&] {
      if (on_close_) on_close_(info.reason, true);
    });
    return;
  }
  finish(info.reason, true);
}

void Session::finish(const std::string& reason, bool notify) {
  if (closed_) return;
  closed_ = true;
  connected_ = false;
  etid_ = 0;
  reconnect_timer_.cancel();
  auto queue = std::move(queue_);
  queue_.clear();
  for (auto& c : queue) fail_command(*c);
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& p : resend_) pending.push_back(std::move(p));
  resend_.clear();
  for (auto& p : pending) {
    for (auto& w : p.waiters) w(false, 0);
  }
  if (notify) {
    guarded([&] {
      if (on_close_) on_close_(reason, false);
    });
  }
  auto waiters = std::move(finish_waiters_);
  finish_waiters_.clear();
  for (auto& w : waiters) w();
}

void Session::fail_command(Command& c) {
  if (c.kind == Command::Kind::publish) release(1, c.payload.size());
  if (c.done) guarded([&] { c.done(false, 0); });
  if (c.flushed) guarded([&] { c.flushed(false); });
}

// ---- restore after reconnect --------------------------------------------------------------

void Session::restore(bool new_etid) {
  restoring_ = true;
  const std::uint64_t generation = ++restore_generation_;
  restore_outstanding_ = 1;  // released at the end of this function
  // With a new ETID this is probably another broker instance: every cached id may be wrong,
  // so every known name is resolved again (same ETID: the same broker, ids still valid).
  std::vector<std::string> topic_names;
  std::vector<std::string> subtopic_names;
  if (new_etid) {
    std::lock_guard lock(cache_mu_);
    for (const auto& [name, id] : topic_ids_) topic_names.push_back(name);
    for (const auto& [name, id] : subtopic_ids_) subtopic_names.push_back(name);
    topic_ids_.clear();
    topic_names_.clear();
    subtopic_ids_.clear();
    subtopic_names_.clear();
  }
  for (auto& [name, rec] : named_) {
    rec.subscribed = false;
    rec.tid = 0;
  }
  // 1. Requests the lost connection left unanswered, in their order.
  auto old = std::move(resend_);
  resend_.clear();
  for (auto& p : old) {
    pending_.push_back(std::move(p));
    send_request(pending_.back().ack, pending_.back().name);
  }
  const auto step = [this, generation](bool, std::uint32_t) { restore_step(generation); };
  const auto need_subtopics = [&](const TopicRecord& rec) {
    for (const auto& [key, handler] : rec.handlers) {
      if (const auto* name = std::get_if<std::string>(&key)) {
        ++restore_outstanding_;
        request(PacketType::createsuback, *name, step);
      }
    }
  };
  // 2. Known names (re-created; subscribed names are resolved by their Subscribe below).
  for (const auto& name : subtopic_names) {
    ++restore_outstanding_;
    request(PacketType::createsuback, name, step);
  }
  for (const auto& name : topic_names) {
    if (named_.count(name)) continue;
    ++restore_outstanding_;
    request(PacketType::createack, name, step);
  }
  // 3. Sub-topic names used by callbacks (before the Subscribe, so that the first message
  //    finds them), then every named subscription.
  need_subtopics(self_);
  for (const auto& [id, rec] : numeric_) need_subtopics(rec);
  for (const auto& [name, rec] : named_) {
    need_subtopics(rec);
    ++restore_outstanding_;
    request(PacketType::suback, name, step);
  }
  // 4. Names of observed topics.
  for (const auto& [id, ob] : observers_) {
    if (ob.name.empty() || named_.count(ob.name)) continue;
    ++restore_outstanding_;
    request(PacketType::createack, ob.name, step);
  }
  restore_step(generation);
}

void Session::restore_step(std::uint64_t generation) {
  if (generation != restore_generation_ || !restoring_) return;
  if (--restore_outstanding_ == 0) finish_restore();
}

void Session::finish_restore() {
  if (!connected_) return;
  std::map<std::uint32_t, Observer> rekeyed;
  for (auto& [id, ob] : observers_) {
    std::uint32_t now_id = id;
    if (!ob.name.empty()) {
      now_id = cached_topic(ob.name);
      if (now_id == 0) {
        report_error("observer of '" + ob.name + "' dropped: name denied after reconnect");
        continue;
      }
    }
    if (now_id == etid_) continue;
    rekeyed[now_id] = std::move(ob);
  }
  observers_ = std::move(rekeyed);
  for (const auto& [id, ob] : observers_) send_id(PacketType::observe, id);
  restoring_ = false;
  pump();
  const std::uint32_t etid = etid_;
  const std::uint32_t seed = seed_;
  const std::string addr = address_;
  guarded([&] {
    if (on_reconnect_) on_reconnect_(etid, seed, addr);
  });
}

// ---- commands -----------------------------------------------------------------------------

void Session::enqueue(CommandPtr c) {
  asio::post(strand_, [self = shared_from_this(), c = std::move(c)]() mutable {
    if (self->closed_) {
      self->fail_command(*c);
      return;
    }
    self->queue_.push_back(std::move(c));
    self->pump();
  });
}

void Session::pump() {
  if (pumping_) return;
  pumping_ = true;
  while (connected_ && !restoring_ && conn_ && !queue_.empty()) {
    const CommandPtr c = queue_.front();
    if (!execute(c)) break;
    if (!queue_.empty() && queue_.front() == c) queue_.pop_front();
  }
  pumping_ = false;
}

bool Session::execute(const CommandPtr& c) {
  switch (c->kind) {
    case Command::Kind::publish:
      return exec_publish(c);
    case Command::Kind::subscribe:
      return exec_subscribe(c);
    case Command::Kind::unsubscribe:
      exec_unsubscribe(*c);
      return true;
    case Command::Kind::create:
      exec_create(c, false);
      return true;
    case Command::Kind::createsub:
      exec_create(c, true);
      return true;
    case Command::Kind::observe:
      return exec_observe(c);
    case Command::Kind::unobserve:
      exec_unobserve(*c);
      return true;
    case Command::Kind::flush: {
      auto done = c->flushed;
      // The connection holds this session alive while it may call back.
      conn_->ping([this, done](bool ok) { guarded([&] { done(ok); }); });
      return true;
    }
  }
  return true;
}

std::optional<std::uint32_t> Session::resolve(const CommandPtr& c, const TopicRef& ref, bool sub) {
  if (!ref.is_name()) return ref.id();
  const std::string& name = ref.name();
  if (!sub && name == "self") return etid_.load();
  if (const std::uint32_t id = sub ? cached_subtopic(name) : cached_topic(name)) return id;
  if (c->denied) return std::nullopt;
  if (name.size() > limits::max_packet - 1) {
    c->denied = true;
    return std::nullopt;
  }
  if (c->requested.insert((sub ? "s:" : "t:") + name).second) {
    std::weak_ptr<Command> weak = c;
    request(sub ? PacketType::createsuback : PacketType::createack, name,
            [this, weak](bool ok, std::uint32_t) {
              if (auto cmd = weak.lock(); cmd && !ok) cmd->denied = true;
              pump();
            });
  }
  return std::nullopt;
}

bool Session::exec_publish(const CommandPtr& c) {
  const auto tid = resolve(c, c->topic, false);
  const auto subtid = resolve(c, c->subtopic, true);
  if (c->denied) {
    release(1, c->payload.size());
    report_error("publish dropped: topic or sub-topic name denied");
    return true;
  }
  if (!tid || !subtid) return false;
  if (*tid == 0) {  // nobody can receive it
    release(1, c->payload.size());
    return true;
  }
  std::string frame;
  const auto* data = reinterpret_cast<const std::uint8_t*>(c->payload.data());
  append_publish(frame, *tid, etid_, *subtid, Bytes(data, c->payload.size()));
  conn_->send(std::move(frame), 1, c->payload.size());
  return true;
}

Session::TopicRecord* Session::record(const RecordKey& key) {
  if (std::holds_alternative<std::monostate>(key)) return &self_;
  if (const auto* id = std::get_if<std::uint32_t>(&key)) {
    const auto it = numeric_.find(*id);
    return it == numeric_.end() ? nullptr : &it->second;
  }
  const auto it = named_.find(std::get<std::string>(key));
  return it == named_.end() ? nullptr : &it->second;
}

bool Session::exec_subscribe(const CommandPtr& c) {
  RecordKey key;
  std::uint32_t result_id = 0;
  const TopicRef& t = c->topic;
  if (t.is_self() || (!t.is_name() && t.id() == etid_)) {
    key = std::monostate{};
    result_id = etid_;
  } else if (!t.is_name()) {
    std::string name = topic_name(t.id());
    if (name.empty()) {
      key = t.id();
      result_id = t.id();
    } else {
      key = std::move(name);  // a known topic id: subscribe by name so it survives restarts
    }
  } else {
    if (t.name().size() > limits::max_packet - 1) {
      guarded([&] {
        if (c->done) c->done(false, 0);
      });
      return true;
    }
    key = t.name();
  }
  if (const auto* id = std::get_if<std::uint32_t>(&key)) {
    numeric_[*id];
  } else if (const auto* name = std::get_if<std::string>(&key)) {
    named_[*name];
  }
  const SubKey sub_key =
      c->subtopic.is_name() ? SubKey(c->subtopic.name()) : SubKey(c->subtopic.id());
  record(key)->handlers[sub_key] = c->on_message;

  auto join = std::make_shared<Join>();
  join->done = c->done;
  join->id = result_id;
  // Waiters live inside this session, so `this` outlives them (no shared_ptr cycle).
  join->call = [this](AckHandler& done, bool ok, std::uint32_t id) {
    if (done) guarded([&] { done(ok, id); });
  };
  if (c->subtopic.is_name() && cached_subtopic(c->subtopic.name()) == 0) {
    join->add();
    request(PacketType::createsuback, c->subtopic.name(),
            [this, join, key, sub_key](bool ok, std::uint32_t) {
              if (!ok) {
                join->ok = false;
                if (TopicRecord* rec = record(key)) rec->handlers.erase(sub_key);
                report_error("sub-topic '" + std::get<std::string>(sub_key) + "' denied");
              }
              join->finish();
            });
  }
  if (const auto* name = std::get_if<std::string>(&key)) {
    TopicRecord& rec = named_[*name];
    if (rec.subscribed) {
      join->id = rec.tid;
    } else {
      join->add();
      request(PacketType::suback, *name, [join](bool ok, std::uint32_t id) {
        if (ok) {
          join->id = id;
        } else {
          join->ok = false;
        }
        join->finish();
      });
    }
  }
  join->finish();
  return true;
}

void Session::exec_unsubscribe(const Command& c) {
  const TopicRef& t = c.topic;
  if (t.is_self() || (!t.is_name() && t.id() == etid_)) {
    self_.handlers.clear();
    return;
  }
  std::string name;
  if (!t.is_name()) {
    name = topic_name(t.id());
    if (name.empty()) {
      numeric_.erase(t.id());
      return;
    }
  } else {
    name = t.name();
  }
  const auto it = named_.find(name);
  if (it == named_.end()) return;
  if (it->second.subscribed && it->second.tid != 0) {
    send_id(PacketType::unsubscribe, it->second.tid);
  }
  named_.erase(it);  // a Subscribe still in flight is undone when its Suback arrives
}

void Session::exec_create(const CommandPtr& c, bool sub) {
  const TopicRef& ref = sub ? c->subtopic : c->topic;
  auto answer = [this, done = c->done](bool ok, std::uint32_t id) {
    if (done) guarded([&] { done(ok, ok ? id : 0); });
  };
  if (!ref.is_name()) {
    answer(true, ref.id());
    return;
  }
  const std::string& name = ref.name();
  if (!sub && name == "self") {
    answer(true, etid_);
    return;
  }
  if (const std::uint32_t id = sub ? cached_subtopic(name) : cached_topic(name)) {
    answer(true, id);
    return;
  }
  if (name.size() > limits::max_packet - 1) {
    answer(false, 0);
    return;
  }
  request(sub ? PacketType::createsuback : PacketType::createack, name, answer);
}

bool Session::exec_observe(const CommandPtr& c) {
  const TopicRef& t = c->topic;
  auto answer = [&](bool ok, std::uint32_t id) {
    guarded([&] {
      if (c->done) c->done(ok, id);
    });
  };
  if (t.is_self() || (!t.is_name() && t.id() == etid_)) {
    answer(false, 0);  // the broker ignores observing oneself
    return true;
  }
  std::uint32_t id = 0;
  std::string name;
  if (!t.is_name()) {
    id = t.id();
    name = topic_name(id);
  } else {
    const auto tid = resolve(c, t, false);
    if (c->denied) {
      answer(false, 0);
      return true;
    }
    if (!tid) return false;
    id = *tid;
    name = t.name();
  }
  if (id == 0) {
    answer(false, 0);
    return true;
  }
  observers_[id] = Observer{c->on_change, std::move(name)};
  send_id(PacketType::observe, id);
  answer(true, id);
  return true;
}

void Session::exec_unobserve(const Command& c) {
  const TopicRef& t = c.topic;
  std::uint32_t id = 0;
  if (t.is_name()) {
    id = cached_topic(t.name());
    if (id == 0) {
      for (const auto& [oid, ob] : observers_) {
        if (ob.name == t.name()) id = oid;
      }
    }
  } else {
    id = t.id();
  }
  if (id == 0) return;
  observers_.erase(id);
  send_id(PacketType::unobserve, id);
}

// ---- requests and acks --------------------------------------------------------------------

void Session::request(PacketType ack, const std::string& name, Waiter w) {
  for (auto& p : pending_) {
    if (p.ack == ack && p.name == name) {
      if (w) p.waiters.push_back(std::move(w));
      return;
    }
  }
  pending_.push_back(Pending{ack, name, {}});
  if (w) pending_.back().waiters.push_back(std::move(w));
  send_request(ack, name);
}

void Session::send_request(PacketType ack, const std::string& name) {
  if (!conn_) return;
  const PacketType type = ack == PacketType::suback      ? PacketType::subscribe
                          : ack == PacketType::createack ? PacketType::create
                                                         : PacketType::createsub;
  std::string frame;
  append_name(frame, type, name);
  conn_->send(std::move(frame));
}

void Session::send_id(PacketType type, std::uint32_t id) {
  if (!conn_) return;
  std::string frame;
  append_id(frame, type, id);
  conn_->send(std::move(frame));
}

void Session::on_packet(Connection& c, Bytes packet) {
  if (&c != conn_.get()) return;
  const auto type = static_cast<PacketType>(packet[0]);
  switch (type) {
    case PacketType::publish:
      on_publish(packet);
      return;
    case PacketType::suback:
    case PacketType::createack:
    case PacketType::createsuback: {
      const auto ack = decode_ack(packet);
      if (!ack) break;
      on_ack(ack->type, ack->accepted, ack->id, std::string(ack->name));
      return;
    }
    case PacketType::change: {
      const auto change = decode_change(packet);
      if (!change) break;
      on_change(change->id, change->count);
      return;
    }
    default:
      break;
  }
  c.close(std::string("protocol error: unexpected or malformed ") + packet_type_name(packet[0]),
          true);
}

void Session::on_ack(PacketType type, bool accepted, std::uint32_t id, std::string name) {
  const auto it = std::find_if(pending_.begin(), pending_.end(),
                               [&](const Pending& p) { return p.ack == type && p.name == name; });
  if (it == pending_.end()) {
    report_error(std::string("unexpected ") + packet_type_name(static_cast<std::uint8_t>(type)) +
                 " for '" + name + "'");
    return;
  }
  Pending p = std::move(*it);
  pending_.erase(it);
  if (accepted && id != 0) {
    if (type == PacketType::createsuback) {
      cache_subtopic(name, id);
    } else {
      cache_topic(name, id);
    }
  } else {
    accepted = false;
  }
  if (type == PacketType::suback) {
    const auto rec = named_.find(name);
    if (accepted) {
      if (rec == named_.end()) {
        send_id(PacketType::unsubscribe, id);  // unsubscribed while the Subscribe was in flight
      } else {
        rec->second.subscribed = true;
        rec->second.tid = id;
      }
    } else {
      if (rec != named_.end() && !rec->second.subscribed) named_.erase(rec);
      report_error("subscribe to '" + name + "' denied");
    }
  } else if (!accepted) {
    report_error(std::string(type == PacketType::createack ? "topic" : "sub-topic") + " '" + name +
                 "' denied");
  }
  for (auto& w : p.waiters) w(accepted, accepted ? id : 0);
}

void Session::on_change(std::uint32_t id, std::uint32_t count) {
  const auto it = observers_.find(id);
  if (it == observers_.end()) return;
  const ChangeHandler handler = it->second.handler;
  // count 0 for something that is not a named topic: that client left; its observation ends.
  if (count == 0 && it->second.name.empty() && topic_name(id).empty()) observers_.erase(it);
  if (handler) guarded([&] { handler(count, id); });
}

void Session::on_publish(Bytes packet) {
  const auto m = decode_publish(packet);
  if (!m) {
    if (conn_) conn_->close("protocol error: short Publish", true);
    return;
  }
  const Delivery d{m->payload, m->ptid, m->tid, m->subtid};
  const TopicRecord* rec = nullptr;
  if (m->tid == etid_ && !self_.handlers.empty()) {
    rec = &self_;
  } else if (const std::string name = topic_name(m->tid); !name.empty() && named_.count(name)) {
    rec = &named_[name];
  } else if (const auto it = numeric_.find(m->tid); it != numeric_.end()) {
    rec = &it->second;
  }
  MessageHandler handler;
  if (rec) {
    auto find = [&](const SubKey& key) -> bool {
      const auto it = rec->handlers.find(key);
      if (it == rec->handlers.end()) return false;
      handler = it->second;
      return true;
    };
    bool found = false;
    if (m->subtid != 0) {
      if (const std::string sub = subtopic_name(m->subtid); !sub.empty()) found = find(SubKey(sub));
      if (!found) found = find(SubKey(m->subtid));
    }
    if (!found) find(SubKey(0u));
  }
  guarded([&] {
    if (handler) {
      handler(d);
    } else if (default_handler_) {
      default_handler_(d);
    }
  });
}

// ---- public API (any thread) --------------------------------------------------------------

std::size_t Session::publish(std::span<const std::uint8_t> payload, const TopicRef& topic,
                             const TopicRef& subtopic) {
  if (payload.size() > limits::max_payload) {
    throw std::length_error("SMQ payload above 0xFFF0 bytes");
  }
  if (closed_) return 0;
  {
    std::lock_guard lock(admit_mu_);
    if (queued_msgs_ >= options_.max_queued_messages ||
        queued_bytes_ + payload.size() > options_.max_queued_bytes) {
      ++refused_;
      return 0;
    }
    ++queued_msgs_;
    queued_bytes_ += payload.size();
  }
  auto c = std::make_shared<Command>();
  c->kind = Command::Kind::publish;
  c->payload.assign(reinterpret_cast<const char*>(payload.data()), payload.size());
  c->topic = topic;
  c->subtopic = subtopic;
  enqueue(std::move(c));
  return 1;
}

void Session::release(std::size_t publishes, std::size_t bytes) {
  std::lock_guard lock(admit_mu_);
  queued_msgs_ -= std::min(queued_msgs_, publishes);
  queued_bytes_ -= std::min(queued_bytes_, bytes);
}

void Session::on_released(std::size_t publishes, std::size_t bytes) { release(publishes, bytes); }

std::size_t Session::queued() const {
  std::lock_guard lock(admit_mu_);
  return queued_msgs_;
}

void Session::subscribe(const TopicRef& topic, const TopicRef& subtopic, MessageHandler h,
                        AckHandler done) {
  auto c = std::make_shared<Command>();
  c->kind = Command::Kind::subscribe;
  c->topic = topic;
  c->subtopic = subtopic;
  c->on_message = std::move(h);
  c->done = std::move(done);
  enqueue(std::move(c));
}

void Session::unsubscribe(const TopicRef& topic) {
  auto c = std::make_shared<Command>();
  c->kind = Command::Kind::unsubscribe;
  c->topic = topic;
  enqueue(std::move(c));
}

void Session::create(const TopicRef& topic, AckHandler done) {
  auto c = std::make_shared<Command>();
  c->kind = Command::Kind::create;
  c->topic = topic;
  c->done = std::move(done);
  enqueue(std::move(c));
}

void Session::createsub(const TopicRef& subtopic, AckHandler done) {
  auto c = std::make_shared<Command>();
  c->kind = Command::Kind::createsub;
  c->subtopic = subtopic;
  c->done = std::move(done);
  enqueue(std::move(c));
}

void Session::observe(const TopicRef& topic, ChangeHandler h, AckHandler done) {
  auto c = std::make_shared<Command>();
  c->kind = Command::Kind::observe;
  c->topic = topic;
  c->on_change = std::move(h);
  c->done = std::move(done);
  enqueue(std::move(c));
}

void Session::unobserve(const TopicRef& topic) {
  auto c = std::make_shared<Command>();
  c->kind = Command::Kind::unobserve;
  c->topic = topic;
  enqueue(std::move(c));
}

void Session::flush(std::function<void(bool)> done) {
  auto c = std::make_shared<Command>();
  c->kind = Command::Kind::flush;
  c->flushed = done ? std::move(done) : [](bool) {};
  enqueue(std::move(c));
}

// ---- name caches --------------------------------------------------------------------------

void Session::cache_topic(const std::string& name, std::uint32_t id) {
  std::lock_guard lock(cache_mu_);
  if (const auto old = topic_ids_.find(name); old != topic_ids_.end() && old->second != id) {
    topic_names_.erase(old->second);
  }
  topic_ids_[name] = id;
  topic_names_[id] = name;
}

void Session::cache_subtopic(const std::string& name, std::uint32_t id) {
  std::lock_guard lock(cache_mu_);
  if (const auto old = subtopic_ids_.find(name); old != subtopic_ids_.end() && old->second != id) {
    subtopic_names_.erase(old->second);
  }
  subtopic_ids_[name] = id;
  subtopic_names_[id] = name;
}

std::uint32_t Session::cached_topic(const std::string& name) const {
  std::lock_guard lock(cache_mu_);
  const auto it = topic_ids_.find(name);
  return it == topic_ids_.end() ? 0 : it->second;
}

std::uint32_t Session::cached_subtopic(const std::string& name) const {
  std::lock_guard lock(cache_mu_);
  const auto it = subtopic_ids_.find(name);
  return it == subtopic_ids_.end() ? 0 : it->second;
}

std::string Session::topic_name(std::uint32_t id) const {
  std::lock_guard lock(cache_mu_);
  const auto it = topic_names_.find(id);
  return it == topic_names_.end() ? std::string() : it->second;
}

std::string Session::subtopic_name(std::uint32_t id) const {
  std::lock_guard lock(cache_mu_);
  const auto it = subtopic_names_.find(id);
  return it == subtopic_names_.end() ? std::string() : it->second;
}

std::uint32_t Session::topic2tid(std::string_view name) const {
  if (name == "self") return etid_;
  return cached_topic(std::string(name));
}
std::string Session::tid2topic(std::uint32_t tid) const { return topic_name(tid); }
std::uint32_t Session::subtopic2tid(std::string_view name) const {
  return cached_subtopic(std::string(name));
}
std::string Session::tid2subtopic(std::uint32_t id) const { return subtopic_name(id); }

}  // namespace smq::detail
