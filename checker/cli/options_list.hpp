// `tlbcheck options FILE`: what a protocol lets one set and what each
// setting means: its options (type, default, value, comment, the condition
// that makes it meaningful), the machine fields (value, range, meaning,
// dependencies) and the machine settings it declares it supports.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/runtime/model_system.hpp"

namespace tlbcheck::cli {

// The listing as JSON (`--format json`); the text listing is drawn from it.
nlohmann::json options_json(const model::ModelSystem& system, const std::string& file, const std::vector<model::Define>& defines);
std::string options_text(const nlohmann::json& listing);

}  // namespace tlbcheck::cli
