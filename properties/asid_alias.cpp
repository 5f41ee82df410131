#include "properties/asid_alias.hpp"

namespace tlbcheck::properties {

// (mm 0 is init_mm: a frame of the kernel's is every address space's)
bool is_asid_alias(std::int64_t owners, std::int64_t mm) { return owners != 0 && mm >= 0 && (owners & 1) == 0 && (owners & (std::int64_t(1) << mm)) == 0; }

std::string explain_asid_alias(const AsidAlias& a) {
  return "cpu" + std::to_string(a.cpu) + " runs " + a.mm + " under ASID " + std::to_string(a.asid) + " while its TLB still holds a translation of " + a.page +
         " to frame " + std::to_string(a.frame) + ", which is " + a.owner + "'s: the ASID was given to another address space without flushing it";
}

}  // namespace tlbcheck::properties
