#include "properties/model_bound.hpp"

namespace tlbcheck::properties {

std::string explain_model_bound(std::int64_t value, const std::string& variable, const std::string& type, const std::string& declared_at,
                                const StepContext& where) {
  return "model-bound: value " + std::to_string(value) + " does not fit '" + variable + "' of type " + type + " in " + where.who + " at " + where.at +
         ": a bound of the model is too small for this configuration; widen " + (declared_at.empty() ? "its declaration" : "the declaration at " + declared_at);
}

}  // namespace tlbcheck::properties
