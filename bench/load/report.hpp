// smq-bench's output: the result as one JSON object (what bench/compare reads) and a short
// human summary. Main thread.
#pragma once

#include <string>

#include "options.hpp"
#include "run.hpp"

namespace smq::bench {

// True when the run saw every message once and in order, with no connection errors.
bool run_ok(const RunResult& r);
std::string result_json(const BenchOptions& o, const RunResult& r);
std::string result_summary(const BenchOptions& o, const RunResult& r);

}  // namespace smq::bench
