#include "model/sema/sema.hpp"

#include "model/sema/analysis.hpp"

namespace tlbcheck::model {


std::string defines_text(const std::vector<Define>& defines) {
  std::string text;
  for (const Define& d : defines) text += "-D " + d.name + "=" + d.value + "\n";
  return text;
}

std::string type_name(const Type& t, const std::vector<EnumInfo>& enums) {
  std::string s;
  switch (t.kind) {
    case TypeKind::Error: s = "<error>"; break;
    case TypeKind::Void: s = "no value"; break;
    case TypeKind::Bool: s = "bool"; break;
    case TypeKind::Int: s = "int[" + std::to_string(t.lo) + ".." + std::to_string(t.hi) + "]"; break;
    case TypeKind::Enum: s = t.enum_id < enums.size() ? "enum " + enums[t.enum_id].name : "enum"; break;
    case TypeKind::Cpu: s = "cpu"; break;
    case TypeKind::Mask: s = "cpumask"; break;
    case TypeKind::Mm: s = "mm"; break;
    case TypeKind::Frame: s = "frame"; break;
    case TypeKind::Page: s = "page"; break;
    case TypeKind::Task: s = "task"; break;
    case TypeKind::Pte: s = "pte"; break;
  }
  for (std::uint32_t d : t.dims) s += "[" + std::to_string(d) + "]";
  return s;
}

AnalyzedModule analyze(Module module, const std::vector<Define>& defines, const SourceFile& defines_file, Diagnostics& diags) {
  sema::Analysis c(std::move(module), defines, defines_file, diags);
  return c.run();
}

}  // namespace tlbcheck::model
