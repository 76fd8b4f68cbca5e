// Connection and topic listings (see listings.hpp). Broker thread only.
#include "broker/monitor/listings.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "broker/hub.hpp"
#include "broker/log.hpp"

namespace smq {

using json = nlohmann::ordered_json;

json connections_listing(const Hub& hub, std::size_t offset, std::size_t limit) {
  std::vector<Peer*> peers = hub.peers();
  std::sort(peers.begin(), peers.end(), [](const Peer* a, const Peer* b) { return a->etid < b->etid; });
  json list = json::array();
  for (std::size_t i = offset; i < peers.size() && list.size() < limit; ++i) {
    const Peer& p = *peers[i];
    const PeerTraffic t = p.traffic();
    list.push_back({{"etid", p.etid},
                    {"uid", printable(p.uid, 255)},
                    {"user", p.user},
                    {"address", p.address},
                    {"transport", std::string(to_string(p.transport))},
                    {"tls", t.tls},
                    {"since", rfc3339_time(p.connected_at)},
                    {"subscriptions", p.subscriptions.size()},
                    {"queued_bytes", t.queued_bytes},
                    {"messages_in", t.messages_in},
                    {"bytes_in", t.bytes_in},
                    {"messages_out", t.messages_out},
                    {"bytes_out", t.bytes_out}});
  }
  return json{{"total", peers.size()},
              {"offset", offset},
              {"limit", limit},
              {"connections", std::move(list)}};
}

json topics_listing(const Hub& hub, std::size_t offset, std::size_t limit, TopicCounts& previous) {
  struct Row {
    std::uint32_t tid;
    std::string_view name;
    std::size_t subscribers;
    std::uint64_t messages;
  };
  std::vector<Row> rows;
  hub.for_each_topic_traffic([&](std::uint32_t tid, std::string_view name,
                                 std::size_t subscribers, std::uint64_t messages) {
    rows.push_back({tid, name, subscribers, messages});
  });
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return a.subscribers != b.subscribers ? a.subscribers > b.subscribers : a.name < b.name;
  });
  const auto now = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(now - previous.at).count();
  json list = json::array();
  for (std::size_t i = offset; i < rows.size() && list.size() < limit; ++i) {
    const Row& r = rows[i];
    const auto before = previous.messages.find(r.tid);
    const std::uint64_t base = before == previous.messages.end() ? 0 : before->second;
    const double rate =
        seconds > 0 && r.messages >= base ? static_cast<double>(r.messages - base) / seconds : 0;
    list.push_back({{"tid", r.tid},
                    {"name", std::string(r.name)},
                    {"subscribers", r.subscribers},
                    {"messages", r.messages},
                    {"messages_per_second", rate}});
  }
  previous.messages.clear();
  for (const Row& r : rows) previous.messages.emplace(r.tid, r.messages);
  previous.at = now;
  return json{{"total", rows.size()},
              {"offset", offset},
              {"limit", limit},
              {"interval_seconds", seconds},
              {"topics", std::move(list)}};
}

}  // namespace smq
